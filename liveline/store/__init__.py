"""Persistence: SQLAlchemy tables, the engine, migrations and queries."""
