"""``metahive crawl``: crawl sources once into metahive's catalog or any Hive metastore."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from crawlers.policies import INCREMENTAL, RECRAWL_BEHAVIORS, DeleteBehavior, Policy, UpdateBehavior

if TYPE_CHECKING:  # the pipeline (pyarrow, SQLAlchemy…) is imported when a command runs, not by `metahive`
    from crawlers.crawl import CrawlOptions, CrawlResult

console = Console(stderr=True)
DEFAULT_DB = "sqlite:///metahive.db"


def crawl_options(f):  # noqa: ANN001, ANN201
    """The options shared by ``metahive crawl`` and ``metahive crawler create/update``."""
    for decorator in reversed([
        click.option("--database", "-d", required=True, help="Catalog database the tables go to (created if missing)."),
        click.option("--exclude", "excludes", multiple=True,
                     help="Glue glob relative to each source (*, **, ?, [!a-c], {a,b}); repeatable."),
        click.option("--table-level", type=int, help="Tables sit exactly N folder levels below each source (0: the source)."),
        click.option("--table-threshold", type=int, help="Fail before writing anything if more tables are found."),
        click.option("--combine-compatible-schemas", is_flag=True,
                     help="One table per format below a folder, whatever the schema similarity."),
        click.option("--update-behavior", type=click.Choice([b.value for b in UpdateBehavior]),
                     default=UpdateBehavior.UPDATE_IN_DATABASE.value, show_default=True),
        click.option("--delete-behavior", type=click.Choice([b.value for b in DeleteBehavior]),
                     default=DeleteBehavior.DEPRECATE_IN_DATABASE.value, show_default=True),
        click.option("--overwrite-edits", is_flag=True, help="Also replace columns/parameters edited by hand."),
        click.option("--recrawl", type=click.Choice(RECRAWL_BEHAVIORS), default=INCREMENTAL, show_default=True,
                     help="INCREMENTAL reads only new or changed files (size + mtime/ETag) and still sees deletions."),
        click.option("--s3-endpoint", help="S3-compatible endpoint URL (else boto3's default)."),
        click.option("--include", "includes", multiple=True,
                     help="Database sources: database/schema/table (database/table on MySQL, SQLite), % wildcards."),
        click.option("--threads", type=int, default=8, show_default=True, help="Parallel file reads."),
    ]):
        f = decorator(f)
    return f


def options_from(sources: tuple[str, ...] | list[str], kw: dict) -> CrawlOptions:
    from crawlers.crawl import CrawlOptions

    return CrawlOptions(
        sources=list(sources), database=kw["database"], crawler=kw.get("name") or "crawl",
        excludes=list(kw.get("excludes") or ()), table_level=kw.get("table_level"),
        combine_compatible=bool(kw.get("combine_compatible_schemas")),
        policy=Policy(UpdateBehavior(kw["update_behavior"]), DeleteBehavior(kw["delete_behavior"]),
                      bool(kw.get("overwrite_edits")), kw.get("table_threshold")),
        recrawl=kw.get("recrawl") or INCREMENTAL, dry_run=bool(kw.get("dry_run")), threads=kw.get("threads") or 8,
        s3_endpoint=kw.get("s3_endpoint"), includes=list(kw.get("includes") or ()),
        connection_name=kw.get("connection_name"),
    )


def open_target(db_url: str | None, metastore: str | None, warehouse: str, crawler: str):  # noqa: ANN201
    from crawlers.targets import MetahiveTarget, ThriftTarget

    if metastore:
        return ThriftTarget(metastore, user=f"crawler:{crawler}")
    return MetahiveTarget(db_url or DEFAULT_DB, warehouse, user=f"crawler:{crawler}")


def open_state(db_url: str | None, crawler: str):  # noqa: ANN201
    """The crawler's memory lives in the catalog database (``--db``); none with only ``--metastore``."""
    if not db_url:
        return None
    from crawlers.store import CrawlState
    from metastore.app import prepare_database
    from metastore.store.engine import create_engine

    prepare_database(db_url)
    return CrawlState(create_engine(db_url), crawler)


def summary_table(result: CrawlResult) -> RichTable:
    table = RichTable(title=f"crawl {result.run_id} — {result.seconds:.1f}s, {result.files} files listed")
    for col in ("table", "action", "partitions", "reason"):
        table.add_column(col, overflow="fold")
    for item in result.plan.items:
        table.add_row(item.table, item.action, str(len(item.partitions) or ""), item.reason)
    if not result.plan.items:
        table.add_row("—", "no changes", "", "")
    return table


def execute(options: CrawlOptions, target, state, *, as_json: bool, explain_paths: tuple[str, ...] = ()) -> CrawlResult:  # noqa: ANN001
    """Run with a progress display on a terminal; print the plan (dry run), explanations and a summary."""
    from crawlers.crawl import crawl as run_crawl
    from crawlers.crawl import explain

    interactive = console.is_terminal and not as_json
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  disable=not interactive, transient=True) as bar:
        task = bar.add_task("listing", total=None)

        def progress(stage: str, n: int) -> None:
            if stage == "listed":
                bar.update(task, description=f"listed and classified {n} files")
            else:
                bar.update(task, description="writing to the catalog", advance=n)

        result = run_crawl(options, target, state, progress=progress)
    out = Console()
    if as_json:
        doc = result.summary() | {"plan_items": result.plan.to_json()["items"], "ignored": result.plan.ignored}
        if explain_paths:
            doc["explain"] = {p: explain(result, p) for p in explain_paths}
        click.echo(json.dumps(doc, indent=2))
        return result
    if options.dry_run:
        click.echo(result.plan.render())
    for p in explain_paths:
        click.echo(explain(result, p))
    if not options.dry_run:
        out.print(summary_table(result))
        m = result.metrics.to_json() if result.metrics else {}
        out.print(", ".join(f"{k} {v}" for k, v in m.items() if v) or "nothing changed", markup=False)
    skipped = result.summary()["skipped_files"]
    if skipped:
        console.print(f"[yellow]skipped {len(skipped)} unreadable files:[/yellow]")
        for s in skipped[:20]:
            console.print(f"  {s}", markup=False)
    return result


@click.command()
@click.argument("sources", nargs=-1, required=True)
@crawl_options
@click.option("--db", "db_url", help=f"metahive catalog database to write to and keep crawl state in (default {DEFAULT_DB}).")
@click.option("--metastore", help="Write through a Hive metastore instead: thrift://host:port.")
@click.option("--warehouse", default="./warehouse", show_default=True, help="Warehouse root (with --db).")
@click.option("--name", default="crawl", show_default=True, help="Crawler name written to UPDATED_BY_CRAWLER.")
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option("--explain", "explain_paths", multiple=True, help="Say why PATH became what it became; repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary on stdout.")
def crawl(sources: tuple[str, ...], db_url: str | None, metastore: str | None, warehouse: str, as_json: bool,
          explain_paths: tuple[str, ...], **kw) -> None:  # noqa: ANN003
    """Crawl SOURCE… (local folders, file://, s3://, database URLs) once and register the tables found.

    \b
    Example:
      metahive crawl /data/lake --database lake --dry-run --explain /data/lake/sales
    """
    from crawlers.apply import ApplyError
    from crawlers.plan import ThresholdExceeded
    from crawlers.sources import SourceError
    from crawlers.targets import TargetError

    if any(s.startswith("connection:") for s in sources):
        with _user_errors():
            registry = _registry(db_url or DEFAULT_DB)
            resolved = [registry.resolve(s) for s in sources]
        sources = tuple(url for url, _ in resolved)
        kw["connection_name"] = next((n for _, n in resolved if n), None)
    options = options_from(sources, kw)
    if db_url and metastore:
        raise click.UsageError("give either --db (metahive's catalog) or --metastore (thrift://…), not both")
    try:
        target = open_target(db_url, metastore, warehouse, options.crawler)
        state = open_state(db_url or (None if metastore else DEFAULT_DB), options.crawler)
        try:
            execute(options, target, state, as_json=as_json, explain_paths=explain_paths)
        finally:
            target.close()
    except (SourceError, TargetError, ThresholdExceeded, ApplyError, ValueError) as e:
        console.print(f"[red]error:[/red] {e}", highlight=False)
        sys.exit(1)


def _registry(db_url: str):  # noqa: ANN202
    from crawlers.registry import Registry
    from metastore.app import prepare_database
    from metastore.store.engine import create_engine

    prepare_database(db_url)
    return Registry(create_engine(db_url))


def _fail(e: Exception) -> None:
    console.print(f"[red]error:[/red] {e}", highlight=False)
    sys.exit(1)


@contextmanager
def _user_errors(*more: type[Exception]) -> Iterator[None]:
    """A registry error (or one of ``more``) ends the command with a red ``error:`` line and exit 1."""
    from crawlers.registry import RegistryError

    try:
        yield
    except (RegistryError, *more) as e:
        _fail(e)


def _when(ms: int | None) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if ms else "—"


db_option = click.option("--db", "db_url", default=DEFAULT_DB, show_default=True,
                         help="Catalog database holding crawler definitions and runs.")


@click.group()
def crawler() -> None:
    """Crawler definitions, runs and history (kept in the catalog database)."""


@crawler.command("create")
@click.argument("name")
@click.argument("sources", nargs=-1, required=True)
@crawl_options
@db_option
@click.option("--metastore", help="Write through a Hive metastore (thrift://host:port) instead of this catalog.")
@click.option("--schedule", help="cron(m h dom mon dow year) as in Glue, or five-field cron; UTC.")
def crawler_create(name: str, sources: tuple[str, ...], db_url: str, metastore: str | None, schedule: str | None,
                   **kw) -> None:  # noqa: ANN003
    """Define crawler NAME over SOURCE… (paths, s3://, database URLs, connection:NAME).

    \b
    Example:
      metahive crawler create nightly /data/lake --database lake --schedule 'cron(0 2 * * ? *)'
    """
    from crawlers.registry import CrawlerDef
    from crawlers.scheduler import CronError

    database = kw.pop("database")
    with _user_errors(CronError):
        _registry(db_url).create(CrawlerDef(name, list(sources), database, metastore, schedule, kw))
    console.print(f"crawler {name} created" + (f", schedule {schedule}" if schedule else ""), highlight=False)


@crawler.command("update")
@click.argument("name")
@db_option
@click.option("--source", "sources", multiple=True, help="Replace the sources.")
@click.option("--database", "-d")
@click.option("--schedule", help="New schedule; '' removes it.")
@click.option("--set", "settings", multiple=True, metavar="OPTION=VALUE",
              help="Change a crawl option, e.g. --set update_behavior=LOG --set table_threshold=10.")
def crawler_update(name: str, db_url: str, sources: tuple[str, ...], database: str | None, schedule: str | None,
                   settings: tuple[str, ...]) -> None:
    """Change crawler NAME's sources, database, schedule or options."""
    from crawlers.registry import RegistryError
    from crawlers.scheduler import CronError

    with _user_errors(CronError):
        registry = _registry(db_url)
        d = registry.get(name)
        d.sources = list(sources) or d.sources
        d.database = database or d.database
        if schedule is not None:
            d.schedule = schedule or None
        for setting in settings:
            key, sep, value = setting.partition("=")
            if not sep:
                raise RegistryError(f"--set {setting!r}: write OPTION=VALUE")
            d.options[key.replace("-", "_")] = int(value) if value.isdigit() else value
        registry.update(d)
    console.print(f"crawler {name} updated", highlight=False)


@crawler.command("list")
@db_option
def crawler_list(db_url: str) -> None:
    """Crawlers, their state and schedule."""
    table = RichTable()
    for col in ("name", "state", "database", "sources", "schedule", "next run (UTC)"):
        table.add_column(col, overflow="fold")
    for row in _registry(db_url).rows():
        d = json.loads(row.definition)
        table.add_row(row.name, row.state, d["database"], " ".join(d["sources"]), row.schedule or "—",
                      _when(row.next_fire_ms))
    Console().print(table)


@crawler.command("show")
@click.argument("name")
@db_option
def crawler_show(name: str, db_url: str) -> None:
    """A crawler's definition and last run, as JSON.

    \b
    Example:
      metahive crawler show nightly
    """
    with _user_errors():
        registry = _registry(db_url)
        row = registry.row(name)
    last = registry.history(name, 1)
    doc = {"name": row.name, "state": row.state, "schedule": row.schedule, "next_run": _when(row.next_fire_ms),
           **json.loads(row.definition),
           **({"running": _running_doc(row)} if row.run_id else {}),
           "last_run": _run_doc(last[0]) if last else None}
    click.echo(json.dumps(doc, indent=2))


def _running_doc(row) -> dict:  # noqa: ANN001
    """Who runs the crawler now; ``abandoned`` says why the next run will fail it, if its owner died."""
    from crawlers.liveness import abandoned_reason, interval_s
    from crawlers.store import now_ms

    return {"run_id": row.run_id, "host": row.owner_host, "pid": row.owner_pid, "phase": row.phase,
            "last_heartbeat": _when(row.heartbeat_ms), "abandoned": abandoned_reason(row, now_ms(), interval_s())}


def _run_doc(run) -> dict:  # noqa: ANN001
    return {"run_id": run.run_id, "state": run.state, "trigger": run.trigger, "started": _when(run.started_ms),
            "ended": _when(run.ended_ms), "metrics": json.loads(run.metrics) if run.metrics else None,
            "errors": json.loads(run.errors) if run.errors else []}


@crawler.command("run")
@click.argument("name")
@db_option
@click.option("--warehouse", default="./warehouse", show_default=True)
@click.option("--trigger", default="manual", hidden=True)
@click.option("--json", "as_json", is_flag=True)
def crawler_run(name: str, db_url: str, warehouse: str, trigger: str, as_json: bool) -> None:
    """Run crawler NAME now, in this process (refused if it is running)."""
    from crawlers.runner import run_crawler

    with _user_errors():
        outcome = run_crawler(_registry(db_url), db_url, warehouse, name, trigger)
    if as_json:
        click.echo(json.dumps({"run_id": outcome.run_id, "state": outcome.state, "errors": outcome.errors,
                               **({"summary": outcome.result.summary()} if outcome.result else {})}, indent=2))
    else:
        if outcome.result is not None:
            Console().print(summary_table(outcome.result))
        click.echo(f"run {outcome.run_id}: {outcome.state}")
        for e in outcome.errors[:20]:
            click.echo(f"  {e}")
    if outcome.state != "SUCCEEDED":
        sys.exit(1)


@crawler.command("stop")
@click.argument("name")
@db_option
def crawler_stop(name: str, db_url: str) -> None:
    """Ask a running crawler to stop; the run ends CANCELLED."""
    with _user_errors():
        run_id = _registry(db_url).request_stop(name)
    console.print(f"crawler {name}: stopping run {run_id}", highlight=False)


@crawler.command("delete")
@click.argument("name")
@db_option
def crawler_delete(name: str, db_url: str) -> None:
    """Delete a crawler definition (its tables stay)."""
    with _user_errors():
        _registry(db_url).delete(name)
    console.print(f"crawler {name} deleted", highlight=False)


@crawler.command("history")
@click.argument("name")
@db_option
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def crawler_history(name: str, db_url: str, limit: int, as_json: bool) -> None:
    """Past runs of crawler NAME, newest first."""
    runs = [_run_doc(r) for r in _registry(db_url).history(name, limit)]
    if as_json:
        click.echo(json.dumps(runs, indent=2))
        return
    table = RichTable()
    for col in ("run", "state", "trigger", "started (UTC)", "ended", "tables +/~/-", "partitions +/~/-", "errors"):
        table.add_column(col, overflow="fold")
    for r in runs:
        m = (r["metrics"] or {}).get("metrics") or {}
        table.add_row(r["run_id"], r["state"], r["trigger"], r["started"], r["ended"],
                      f"{m.get('tables_created', 0)}/{m.get('tables_updated', 0)}/{m.get('tables_deleted', 0)}",
                      f"{m.get('partitions_created', 0)}/{m.get('partitions_updated', 0)}/"
                      f"{m.get('partitions_deleted', 0)}", _first_error(r["errors"]))
    Console().print(table)


def _first_error(errors: list[str]) -> str:
    """The first error (an abandoned run's reason, a failure's cause), and how many more there are."""
    if not errors:
        return "—"
    return errors[0][:200] + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else "")


@click.group()
def connection() -> None:
    """Database connections for crawlers (passwords from an environment variable or a file, never stored)."""


@connection.command("create")
@click.argument("name")
@click.option("--url", required=True, help="SQLAlchemy URL without the password, e.g. postgresql://user@host/db.")
@click.option("--password-env", help="Environment variable holding the password when a crawler runs.")
@click.option("--password-file", help="File holding the password.")
@db_option
def connection_create(name: str, url: str, password_env: str | None, password_file: str | None, db_url: str) -> None:
    """Create connection NAME; crawl it as the source connection:NAME.

    \b
    Example:
      metahive connection create shop --url postgresql://app@db/shop --password-env SHOP_PW
    """
    from crawlers.registry import RegistryError

    if password_env and password_file:
        _fail(RegistryError("give --password-env or --password-file, not both"))
    with _user_errors(ValueError):
        _registry(db_url).create_connection(name, url, password_env, password_file)
    console.print(f"connection {name} created", highlight=False)


@connection.command("list")
@db_option
def connection_list(db_url: str) -> None:
    """Connections (URLs without passwords, and where each password comes from)."""
    table = RichTable()
    for col in ("name", "url", "password from"):
        table.add_column(col, overflow="fold")
    for row in _registry(db_url).connections():
        source = f"${row.password_env}" if row.password_env else row.password_file or "—"
        table.add_row(row.name, row.url, source)
    Console().print(table)


@connection.command("delete")
@click.argument("name")
@db_option
def connection_delete(name: str, db_url: str) -> None:
    with _user_errors():
        _registry(db_url).delete_connection(name)
    console.print(f"connection {name} deleted", highlight=False)


def register(main: click.Group) -> None:
    """Add the crawler commands to ``metahive``."""
    main.add_command(crawl)
    main.add_command(crawler)
    main.add_command(connection)
