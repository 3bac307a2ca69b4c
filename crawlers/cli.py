"""``metahive crawl``: crawl sources once into metahive's catalog or any Hive metastore."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from crawlers.crawl import INCREMENTAL, RECRAWL_BEHAVIORS, CrawlOptions, CrawlResult, explain
from crawlers.crawl import crawl as run_crawl
from crawlers.plan import DeleteBehavior, Policy, ThresholdExceeded, UpdateBehavior

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
    return CrawlOptions(
        sources=list(sources), database=kw["database"], crawler=kw.get("name") or "crawl",
        excludes=list(kw.get("excludes") or ()), table_level=kw.get("table_level"),
        combine_compatible=bool(kw.get("combine_compatible_schemas")),
        policy=Policy(UpdateBehavior(kw["update_behavior"]), DeleteBehavior(kw["delete_behavior"]),
                      bool(kw.get("overwrite_edits")), kw.get("table_threshold")),
        recrawl=kw.get("recrawl") or INCREMENTAL, dry_run=bool(kw.get("dry_run")), threads=kw.get("threads") or 8,
        s3_endpoint=kw.get("s3_endpoint"), includes=list(kw.get("includes") or ()),
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
    """Crawl SOURCE… (local folders, file://, s3://, database URLs) once and register the tables found."""
    from crawlers.apply import ApplyError
    from crawlers.sources import SourceError
    from crawlers.targets import TargetError

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


def register(main: click.Group) -> None:
    """Add the crawler commands to ``metahive``."""
    main.add_command(crawl)
