"""lobbyq: queue ticketing for bank branches.

The package is layered so that a call of a ticket reads as a straight line:
``api`` (HTTP) → ``services`` (one unit of work per change) → ``rules`` (pure queue
rules) → ``store`` (SQL) → ``events`` (bus) → screens and devices.
"""
