"""Wiring: builds the store, the HMS semantics and the server from a database URL and a warehouse."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import make_url

from metastore import __version__
from metastore.config import Settings, mask_url
from metastore.hms.service import HiveMetastore
from metastore.observability import calls, metrics
from metastore.observability.endpoints import OpsServer, database_ready
from metastore.store import migrate
from metastore.store.engine import create_engine, is_sqlite, wait_for_database
from metastore.store.sql_catalog import SqlCatalog
from metastore.warehouse import Warehouse
from metastore.wire.encoded import WireEncoder
from metastore.wire.guard import ConnectionSecurity, build_security
from metastore.wire.server import ServerOptions, serve

log = logging.getLogger("metahive")


class SchemaMismatch(RuntimeError):
    """The catalog database's schema revision is not this code's; the message says what to run."""


def schema_problem(current: str | None, head: str, db_url: str) -> str | None:
    """Why a database at ``current`` cannot be served by code at ``head`` (None: it can)."""
    if current == head:
        return None
    shown = mask_url(db_url)
    if current is None:
        return f"The catalog database {shown} has no metahive schema: run `metahive db upgrade --db '{shown}'`"
    if current in migrate.known_revisions():
        return (f"The catalog database is at schema revision {current}, this metahive needs {head}: "
                f"run `metahive db upgrade --db '{shown}'` first")
    return (f"The catalog database is at schema revision {current}, which this metahive ({__version__}, "
            f"revision {head}) does not know: it was upgraded by a newer metahive. Run that newer "
            "version, or restore the database from the backup taken before the upgrade")


def prepare_database(db_url: str, *, auto_create: bool = True, wait_seconds: float = 0) -> None:
    """Create the schema on an empty database; refuse a database at another revision."""
    ensure_sqlite_folder(db_url)
    engine = create_engine(db_url)
    try:
        wait_for_database(engine, wait_seconds)
        current, head = migrate.current_revision(engine), migrate.head_revision()
        if current is None and auto_create:
            log.info("empty catalog database: creating schema revision %s", head)
            migrate.upgrade(engine)
            return
        problem = schema_problem(current, head, db_url)
        if problem:
            raise SchemaMismatch(problem)
    finally:
        engine.dispose()


def ensure_sqlite_folder(db_url: str) -> None:
    """SQLite creates the file but not its folder."""
    if is_sqlite(db_url):
        database = make_url(db_url).database
        if database and database != ":memory:":
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def build_metastore(db_url: str, warehouse: str, config: dict[str, str] | None = None) -> HiveMetastore:
    engine = create_engine(db_url)
    return HiveMetastore(SqlCatalog(engine, WireEncoder()), Warehouse(warehouse), config)


def run_server(settings: Settings) -> None:
    """Check the schema, then serve with metrics and health endpoints when ``metrics_port`` is set."""
    db_url, warehouse, config = settings.db, settings.warehouse, settings.metastore_config()
    security = security_from(settings)  # validated before touching the database
    prepare_database(db_url, wait_seconds=settings.db_wait)
    bootstrap = build_metastore(db_url, warehouse, config)
    bootstrap.ensure_default_database()
    bootstrap.catalog.dispose()  # type: ignore[attr-defined]  # nothing shared across fork
    log.info("catalog %s, warehouse %s", mask_url(db_url), bootstrap.warehouse.root)
    options = ServerOptions(settings.host, settings.port, settings.effective_workers(), settings.shutdown_timeout,
                            security)
    with observability(settings) as in_child:
        serve(options, lambda: _worker(db_url, warehouse, config), in_child)


def _worker(db_url: str, warehouse: str, config: dict[str, str] | None) -> HiveMetastore:
    """A worker's metastore; each worker also polls for due crawler schedules (claimed once per firing)."""
    from crawlers.scheduler import start_in_worker

    start_in_worker(db_url, warehouse)
    return build_metastore(db_url, warehouse, config)


def security_from(settings: Settings) -> ConnectionSecurity:
    """TLS, SASL and authorisation, wire limits and location roots from the settings."""
    return build_security(
        warehouse=settings.warehouse, tls_cert=settings.tls_cert or None, tls_key=settings.tls_key or None,
        auth=settings.auth, users_file=settings.users_file or None, max_message_size=settings.max_message_size,
        read_timeout=settings.read_timeout, location_roots=settings.location_root_list(),
    )


@contextmanager
def observability(settings: Settings) -> Iterator[Callable[[], None] | None]:
    """Slow-call log, and with a metrics port: multi-process metrics and the /metrics /healthz /readyz server."""
    calls.configure(None, settings.slow_rpc_ms)
    if not settings.metrics_port:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="metahive-metrics-") as directory:
        calls.configure(metrics.enable(Path(directory)), settings.slow_rpc_ms)
        ops = OpsServer(settings.metrics_host, settings.metrics_port, database_ready(settings.db))
        ops.start()
        try:
            yield ops.close_in_child
        finally:
            ops.stop()
            metrics.disable()
