"""Wiring: builds the store, the HMS semantics and the server from a database URL and a warehouse."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from sqlalchemy import make_url

from metastore.hms.service import HiveMetastore
from metastore.store import migrate
from metastore.store.engine import create_engine, is_sqlite
from metastore.store.sql_catalog import SqlCatalog
from metastore.warehouse import Warehouse
from metastore.wire.encoded import WireEncoder
from metastore.wire.server import ServerOptions, serve

log = logging.getLogger("metahive")


class SchemaMismatch(RuntimeError):
    pass


def prepare_database(db_url: str, *, auto_create: bool = True) -> None:
    """Create the schema on an empty database; refuse a database at another revision."""
    ensure_sqlite_folder(db_url)
    engine = create_engine(db_url)
    try:
        current, head = migrate.current_revision(engine), migrate.head_revision()
        if current is None and auto_create:
            log.info("empty catalog database: creating schema revision %s", head)
            migrate.upgrade(engine)
        elif current != head:
            raise SchemaMismatch(
                f"The catalog database is at schema revision {current}, this metahive needs {head}: "
                f"run `metahive db upgrade --db {db_url}` first"
            )
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


def run_server(host: str, port: int, db_url: str, warehouse: str, workers: int,
               config: dict[str, str] | None = None) -> None:
    prepare_database(db_url)
    bootstrap = build_metastore(db_url, warehouse, config)
    bootstrap.ensure_default_database()
    bootstrap.catalog.dispose()  # type: ignore[attr-defined]  # nothing shared across fork
    log.info("catalog %s, warehouse %s", db_url, bootstrap.warehouse.root)
    serve(ServerOptions(host, port, workers), lambda: _worker(db_url, warehouse, config))


def _worker(db_url: str, warehouse: str, config: dict[str, str] | None) -> HiveMetastore:
    """A worker's metastore; each worker also polls for due crawler schedules (claimed once per firing)."""
    from crawlers.scheduler import start_in_worker

    start_in_worker(db_url, warehouse)
    return build_metastore(db_url, warehouse, config)


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO), stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s",
    )
