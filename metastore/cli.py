"""``metahive``: one command with subcommands."""

from __future__ import annotations

import os
import sys

import click
from rich.console import Console

from metastore import __version__

DEFAULT_DB = "sqlite:///metahive.db"
console = Console(stderr=True)


@click.group()
@click.version_option(__version__, prog_name="metahive")
def main() -> None:
    """metahive: a Hive Metastore-compatible catalog server, crawlers and schema-change audit."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=9083, show_default=True, type=int, help="Thrift port.")
@click.option("--db", "db_url", default=DEFAULT_DB, show_default=True,
              help="Catalog database: sqlite:///path or postgresql://user@host/db.")
@click.option("--warehouse", default="./warehouse", show_default=True,
              help="Warehouse root for managed databases and tables (local path or file: URI).")
@click.option("--workers", default=None, type=int, help="Worker processes (default: number of CPUs).")
@click.option("--limit-partition-request", default=-1, show_default=True, type=int,
              help="Most partitions one call may return (hive.metastore.limit.partition.request); -1: no limit.")
@click.option("--log-level", default="INFO", show_default=True)
def serve(host: str, port: int, db_url: str, warehouse: str, workers: int | None, limit_partition_request: int,
          log_level: str) -> None:
    """Serve the Hive Metastore Thrift protocol."""
    from metastore.app import SchemaMismatch, configure_logging, run_server
    from metastore.hms.service import PARTITION_LIMIT_KEY

    configure_logging(log_level)
    config = {PARTITION_LIMIT_KEY: str(limit_partition_request)}
    try:
        run_server(host, port, db_url, warehouse, workers or os.cpu_count() or 1, config)
    except SchemaMismatch as e:
        console.print(f"[red]error:[/red] {e}")
        sys.exit(2)
    except OSError as e:
        console.print(f"[red]error:[/red] cannot listen on {host}:{port}: {e.strerror or e}")
        sys.exit(2)


@main.group()
def db() -> None:
    """Catalog database schema."""


@db.command()
@click.option("--db", "db_url", default=DEFAULT_DB, show_default=True)
def upgrade(db_url: str) -> None:
    """Create or upgrade the catalog schema to this version's revision."""
    from metastore.app import ensure_sqlite_folder
    from metastore.store import migrate
    from metastore.store.engine import create_engine

    ensure_sqlite_folder(db_url)
    engine = create_engine(db_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    finally:
        engine.dispose()
    console.print(f"catalog schema: {before or 'empty'} -> {after}")


# Feature areas register their own command groups here, one line each, from their own modules
# (e.g. ``from crawlers.cli import crawl; main.add_command(crawl)``), so cli.py stays small.
from classifiers.cli import classify_command  # noqa: E402

main.add_command(classify_command)


if __name__ == "__main__":
    main()
