"""Device simulators speaking the real wire protocols on pseudo-terminals.

Each simulator owns the master side of a pty and publishes a stable path (a symlink to
the slave) that any pyserial URL consumer can open. They run in background threads so
they behave like independent peers of the async drivers under test.
"""
