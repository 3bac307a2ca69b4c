"""Engines for SQLite (embedded default) and PostgreSQL, tuned for a metastore's access pattern."""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from metastore.config import mask_url

log = logging.getLogger("metahive.store")

# PostgreSQL: fail a connection attempt to a dead server in seconds, and notice a vanished server on
# an idle connection, rather than hanging a call for the kernel's TCP timeout.
_PG_CONNECT_ARGS = {"connect_timeout": 5, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                    "keepalives_count": 3}


def wait_for_database(engine: Engine, seconds: float) -> None:
    """Connect, retrying with a log line each time while the database is unreachable, for up to ``seconds``."""
    deadline = time.monotonic() + seconds
    delay = 0.5
    while True:
        try:
            with engine.connect():
                return
        except sa.exc.OperationalError as e:
            left = deadline - time.monotonic()
            reason = str(e.orig).strip().splitlines()[0] if e.orig else type(e).__name__
            if left <= 0:
                raise
            log.warning("catalog database %s unreachable (%s); retrying in %.1f s (giving up in %.0f s)",
                        mask_url(engine.url.render_as_string(hide_password=False)), reason, min(delay, left), left)
            time.sleep(min(delay, left))
            delay = min(delay * 2, 5.0)


def is_sqlite(url: str | sa.URL) -> bool:
    return sa.make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str) -> Engine:
    """An engine whose transactions are safe for several server processes on one database.

    SQLite: WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for write transactions (requested with the
    ``write=True`` execution option) so two writers queue instead of failing on lock upgrade.
    PostgreSQL: a plain pool (no pre-ping round trip per call): a connection found dead fails that
    call with a retryable error, and SQLAlchemy's disconnect handling invalidates every connection
    checked out before it, so the pool is never left holding dead connections
    (tests/reliability/test_db_faults.py).
    """
    if is_sqlite(url):
        engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=8, max_overflow=16)
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(
        url, pool_size=8, max_overflow=16, pool_recycle=1800,
        insertmanyvalues_page_size=1000, connect_args=dict(_PG_CONNECT_ARGS),
    )


def read_engine(engine: Engine) -> Engine:
    """The engine for read-only calls: a separate autocommit pool on PostgreSQL, the same on SQLite."""
    if engine.dialect.name != "postgresql":
        return engine
    return sa.create_engine(
        engine.url, isolation_level="AUTOCOMMIT", pool_size=8, max_overflow=16, pool_recycle=1800,
        pool_reset_on_return=None,  # autocommit: nothing to roll back when a connection is returned
        connect_args=dict(_PG_CONNECT_ARGS),
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
