"""The queue rules: plain dataclasses and functions, no I/O and no framework.

Everything here can be exercised with hypothesis without a database or a server.
"""
