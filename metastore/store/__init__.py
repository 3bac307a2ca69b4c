"""Persistence of the catalog through SQLAlchemy (SQLite embedded, PostgreSQL in production).

SQL stops here: the rest of the server sees only the domain model and ``metastore.exceptions``.
"""
