"""Storage: every SQL statement of lobbyq, one module per aggregate, each function taking
a ``Transaction`` (SQLite by default, PostgreSQL when configured)."""
