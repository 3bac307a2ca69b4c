"""``metahive audit``: table history, diffs between versions, recent changes, restore and cleanup."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from metastore.audit.diff import DiffItem
from metastore.audit.records import StoredChange

DEFAULT_DB = "sqlite:///metahive.db"
out = Console()
err = Console(stderr=True)

db_option = click.option("--db", "db_url", default=DEFAULT_DB, show_default=True,
                         help="Catalog database: sqlite:///path or postgresql://user@host/db.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


@contextmanager
def _metastore(db_url: str, warehouse: str = "./warehouse") -> Iterator[Any]:
    """The HMS semantics over an existing catalog database at this version's schema revision."""
    from metastore.app import SchemaMismatch, build_metastore, prepare_database
    from metastore.exceptions import CatalogError

    try:
        prepare_database(db_url, auto_create=False)
    except SchemaMismatch as e:
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)
    ms = build_metastore(db_url, warehouse)
    try:
        yield ms
    except CatalogError as e:
        err.print(f"[red]error:[/red] {e.message}")
        sys.exit(1)
    finally:
        ms.catalog.dispose()


def _time(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _item_doc(item: DiffItem) -> dict[str, Any]:
    return item.to_doc()


def _change_doc(c: StoredChange) -> dict[str, Any]:
    return {
        "event_id": c.event_id, "time": _time(c.event_time), "event_time": c.event_time,
        "operation": c.operation, "actor": c.actor, "database": c.db_name, "table": c.table_name,
        "version": c.version, "run_id": c.run_id, "changes": [_item_doc(i) for i in c.items],
    }


def _describe(item: DiffItem) -> str:
    what = item.kind.replace("_", " ")
    name = f" {item.name}" if item.name else ""
    if item.old is not None and item.new is not None:
        return f"{what}{name}: {item.old} -> {item.new}"
    if item.new is not None:
        return f"{what}{name}: {item.new}"
    if item.old is not None:
        return f"{what}{name} (was {item.old})"
    return f"{what}{name}"


def _print_changes(changes: list[StoredChange], as_json: bool, title: str) -> None:
    """JSON, or one header line per change and one indented line per item (wraps well, greps well)."""
    if as_json:
        click.echo(json.dumps([_change_doc(c) for c in changes], indent=2))
        return
    out.print(f"[bold]{escape(title)}[/bold]: {len(changes)} change(s)")
    for c in changes:
        name = f"{c.db_name}.{c.table_name}" if c.table_name else c.db_name
        version = f" v{c.version}" if c.version else ""
        run = f" (run {c.run_id})" if c.run_id else ""
        out.print(f"[cyan]#{c.event_id}[/cyan] {_time(c.event_time)}  {escape(name)}{version}  "
                  f"[bold]{c.operation}[/bold]  by {escape(c.actor)}{escape(run)}", highlight=False)
        for item in c.items:
            out.print(f"    {_describe(item)}", markup=False, highlight=False)


@click.group()
def audit() -> None:
    """Schema-change audit: who changed what, when, and the table versions it made."""


@audit.command()
@click.argument("table")
@click.option("--limit", default=None, type=int, help="Only the newest N changes.")
@db_option
@json_option
def history(table: str, limit: int | None, db_url: str, as_json: bool) -> None:
    """Changes and versions of DB.TABLE, newest first (following renames)."""
    with _metastore(db_url) as ms:
        _print_changes(ms.audit.history(table, limit), as_json, f"history of {table}")


@audit.command()
@click.argument("table")
@click.argument("v1", type=int)
@click.argument("v2", type=int, required=False)
@db_option
@json_option
def diff(table: str, v1: int, v2: int | None, db_url: str, as_json: bool) -> None:
    """What changed from version V1 to V2 of DB.TABLE (without V2: what version V1 changed)."""
    with _metastore(db_url) as ms:
        result = ms.audit.diff(table, v1, v2)
    if as_json:
        click.echo(json.dumps({"table": f"{result.db_name}.{result.table_name}", "from_version": result.old_version,
                               "to_version": result.new_version, "changes": [_item_doc(i) for i in result.items]},
                              indent=2))
        return
    out.print(f"{result.db_name}.{result.table_name}: version {result.old_version} -> {result.new_version}")
    for item in result.items:
        out.print(f"  {_describe(item)}", markup=False, highlight=False)
    if not result.items:
        out.print("  no differences")


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@audit.command()
@click.option("--since", default="7d", show_default=True, help="How far back: 30m, 12h, 7d, 2w.")
@click.option("--database", default=None, help="Only this database.")
@click.option("--kind", default=None, help="Only changes with one of these kinds, e.g. column_removed,column_retyped.")
@click.option("--actor", default=None, help="Only changes by this actor (set_ugi user, crawler:<name>, cli:<user>).")
@click.option("--run-id", default=None, help="Only changes of this crawler run (CRAWL_RUN_ID).")
@click.option("--limit", default=100, show_default=True, type=int, help="At most N changes, newest first.")
@db_option
@json_option
def changes(since: str, database: str | None, kind: str | None, actor: str | None, run_id: str | None,
            limit: int, db_url: str, as_json: bool) -> None:
    """Recent changes across the catalog, newest first."""
    with _metastore(db_url) as ms:
        found = ms.audit.changes(since=since, database=database, kinds=_csv(kind), actor=actor, run_id=run_id,
                                 limit=limit)
    _print_changes(found, as_json, f"changes in the last {since}")


@audit.command()
@click.argument("table")
@click.argument("version", type=int)
@click.option("--cascade", is_flag=True, help="Also give every partition the restored columns.")
@click.option("--warehouse", default="./warehouse", show_default=True, help="Warehouse root (as for serve).")
@db_option
def restore(table: str, version: int, cascade: bool, warehouse: str, db_url: str) -> None:
    """Make VERSION's definition of DB.TABLE current again, as a new version (partitions untouched)."""
    with _metastore(db_url, warehouse) as ms:
        new_version = ms.audit.restore(ms, table, version, cascade=cascade)
    if new_version is None:
        out.print(f"{table} already has the definition of version {version}; nothing changed")
    else:
        out.print(f"restored {table} version {version} as version {new_version}")


def _maintenance(action: Callable[[Any], int], db_url: str, what: str) -> None:
    with _metastore(db_url) as ms:
        count = action(ms.audit.log)
    out.print(f"{what}: {count} change records deleted")


@audit.command()
@click.option("--ttl", required=True, help="Delete events older than this: 12h, 30d, 8w.")
@click.option("--batch", default=10_000, show_default=True, type=int, help="Event ids per delete transaction.")
@db_option
def cleanup(ttl: str, batch: int, db_url: str) -> None:
    """Delete old change records / notification events by id range, in batches."""
    from metastore.audit.trail import parse_duration
    from metastore.exceptions import CatalogError

    try:
        seconds = parse_duration(ttl)
    except CatalogError as e:
        raise click.BadParameter(e.message, param_hint="--ttl") from None
    _maintenance(lambda log: log.cleanup(seconds, batch), db_url, f"cleanup older than {ttl}")


@audit.command()
@click.option("--max-versions", required=True, type=click.IntRange(min=1), help="Versions to keep per table.")
@db_option
def prune(max_versions: int, db_url: str) -> None:
    """Keep only the newest N versions of every table."""
    _maintenance(lambda log: log.prune(max_versions), db_url, f"prune to {max_versions} versions per table")
