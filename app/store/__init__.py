"""Storage: SQLAlchemy 2 Core on an async engine (SQLite by default, PostgreSQL when configured)."""
