"""Engines for SQLite (embedded default) and PostgreSQL, tuned for a metastore's access pattern."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine


def is_sqlite(url: str | sa.URL) -> bool:
    return sa.make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str) -> Engine:
    """An engine whose transactions are safe for several server processes on one database.

    SQLite: WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for write transactions (requested with the
    ``write=True`` execution option) so two writers queue instead of failing on lock upgrade.
    PostgreSQL: a plain pool (no pre-ping round trip per call): a connection found dead fails that
    call with a retryable error and the pool discards its connections.
    """
    if is_sqlite(url):
        engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=8, max_overflow=16)
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(
        url, pool_size=8, max_overflow=16, pool_recycle=1800,
        insertmanyvalues_page_size=1000,
    )


def read_engine(engine: Engine) -> Engine:
    """The engine for read-only calls: a separate autocommit pool on PostgreSQL, the same on SQLite."""
    if engine.dialect.name != "postgresql":
        return engine
    return sa.create_engine(
        engine.url, isolation_level="AUTOCOMMIT", pool_size=8, max_overflow=16, pool_recycle=1800,
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA case_sensitive_like=ON")  # LIKE in partition filters, as on PostgreSQL
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")
