"""``metahive``: one command with subcommands.

Exit codes scripts can rely on: 0 success; 1 the check or operation failed (e.g. ``db check`` on a
schema that is not current); 2 bad usage or configuration, or a database the server cannot use.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from metastore import __version__
from metastore import config as cfg

console = Console(stderr=True)
out = Console()

EXIT_FAILED, EXIT_USAGE = 1, 2


@click.group(context_settings={"max_content_width": 100})
@click.version_option(__version__, prog_name="metahive")
def main() -> None:
    """metahive: a Hive Metastore-compatible catalog server, crawlers and schema-change audit.

    Settings come from flags, then METAHIVE_* environment variables, then the TOML file given by
    --config or METAHIVE_CONFIG (and a hive-site.xml), then defaults. `metahive config show`
    prints the result.
    """


def fail(message: str, code: int = EXIT_USAGE) -> None:
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    sys.exit(code)


def config_options(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--config``, ``--hive-site`` and one flag per named setting, with help from :class:`Settings`.

    Flags default to None ("not given"), so the environment and the file can still set them.
    """
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        defaults = cfg.Settings()
        for name in reversed(names):
            field = cfg.FIELDS[name]
            kind = {"int": int, "float": float}.get(field.type, str)  # type: ignore[call-overload]
            hive = f" [Hive: {field.metadata['hive']}]" if field.metadata["hive"] else ""
            fn = click.option("--" + name.replace("_", "-"), name, type=kind, default=None,
                              help=f"{field.metadata['help']}{hive} [default: {getattr(defaults, name)}]")(fn)
        fn = click.option("--hive-site", "hive_site", type=click.Path(dir_okay=False), default=None,
                          help=f"Read Hive properties from this hive-site.xml (or ${cfg.HIVE_SITE_ENV}).")(fn)
        fn = click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
                          help=f"TOML settings file (or ${cfg.CONFIG_ENV}).")(fn)
        return fn
    return decorate


def resolve(config_file: str | None, hive_site: str | None, flags: dict[str, Any]) -> cfg.Resolved:
    try:
        return cfg.load(config_file=config_file, hive_site=hive_site, flags=flags)
    except cfg.ConfigError as e:
        fail(str(e))
        raise AssertionError("unreachable") from None


SERVE_SETTINGS = ("host", "port", "db", "warehouse", "workers", "limit_partition_request", "audit_max_versions",
                  "shutdown_timeout",
                  "log_level", "log_format", "metrics_port", "metrics_host", "slow_rpc_ms")


@main.command()
@config_options(*SERVE_SETTINGS)
def serve(config_file: str | None, hive_site: str | None, **flags: Any) -> None:
    """Serve the Hive Metastore Thrift protocol.

    Creates the schema on an empty database; refuses a database at another schema revision
    (run `metahive db upgrade`). Stops gracefully on SIGTERM.

    \b
    Examples:
      metahive serve --db postgresql://metahive@db/metahive --warehouse s3a://lake/warehouse
      metahive serve --config /etc/metahive.toml --metrics-port 9090 --log-format json
    """
    from metastore.app import SchemaMismatch, run_server
    from metastore.observability.logs import configure_logging

    settings = resolve(config_file, hive_site, flags).settings
    configure_logging(settings.log_level, settings.log_format)
    try:
        run_server(settings)
    except SchemaMismatch as e:
        fail(str(e))
    except OSError as e:
        fail(f"cannot listen on {settings.host}:{settings.port} (or metrics port {settings.metrics_port}): "
             f"{e.strerror or e}")


# -- config ---------------------------------------------------------------------------------------

@main.group()
def config() -> None:
    """Effective settings."""


@config.command("show")
@config_options(*cfg.FIELDS)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def config_show(config_file: str | None, hive_site: str | None, as_json: bool, **flags: Any) -> None:
    """Print the effective settings and where each came from, with secrets masked.

    A table on a terminal; otherwise one `name<TAB>value<TAB>source` line per setting.

    \b
    Examples:
      metahive config show --config /etc/metahive.toml
      METAHIVE_PORT=9084 metahive config show --json
    """
    resolved = resolve(config_file, hive_site, flags)
    rows = list(cfg.rows(resolved))
    if as_json:
        out.print_json(json.dumps({name: {"value": value, "source": source} for name, value, source, _ in rows}))
        return
    if not out.is_terminal:  # scripts get one tab-separated line per setting
        for name, value, source, _help in rows:
            click.echo(f"{name}\t{value}\t{source}")
        return
    table = Table(title="metahive settings", caption=_files_caption(resolved))
    table.add_column("setting", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("source", no_wrap=True)
    for name, value, source, _help in rows:
        table.add_row(name, str(value), source)
    out.print(table)


def _files_caption(resolved: cfg.Resolved) -> str:
    files = [f"config file {resolved.config_file}" if resolved.config_file else "no config file"]
    if resolved.hive_site:
        files.append(f"hive-site {resolved.hive_site}")
    return ", ".join(files)


# -- db -------------------------------------------------------------------------------------------

@main.group()
def db() -> None:
    """Catalog database schema: upgrade, current, check."""


def _db_url(config_file: str | None, hive_site: str | None, flags: dict[str, Any]) -> str:
    return resolve(config_file, hive_site, flags).settings.db


def _revisions(db_url: str) -> tuple[str | None, str]:
    from metastore.store import migrate
    from metastore.store.engine import create_engine

    engine = None
    try:
        engine = create_engine(db_url)
        return migrate.current_revision(engine), migrate.head_revision()
    except Exception as e:  # noqa: BLE001 - any connection failure is reported the same way
        fail(f"cannot read the catalog database {cfg.mask_url(db_url)}: {str(e).splitlines()[0]}")
        raise AssertionError("unreachable") from None
    finally:
        if engine is not None:
            engine.dispose()


@db.command()
@config_options("db")
def upgrade(config_file: str | None, hive_site: str | None, **flags: Any) -> None:
    """Create or upgrade the catalog schema to this version's revision.

    Take a backup of the catalog database first (see docs/operations.md).

    \b
    Example:
      metahive db upgrade --db postgresql://metahive@db/metahive
    """
    from metastore.app import ensure_sqlite_folder
    from metastore.store import migrate
    from metastore.store.engine import create_engine

    db_url = _db_url(config_file, hive_site, flags)
    ensure_sqlite_folder(db_url)
    before, head = _revisions(db_url)
    if before is not None and before not in migrate.known_revisions():
        fail(f"the catalog database is at revision {before}, newer than this metahive ({head}); "
             "upgrade metahive instead", EXIT_FAILED)
    engine = create_engine(db_url)
    try:
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    finally:
        engine.dispose()
    console.print(f"catalog schema: {before or 'empty'} -> {after}")


@db.command()
@config_options("db")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def current(config_file: str | None, hive_site: str | None, as_json: bool, **flags: Any) -> None:
    """Print the catalog database's schema revision and this metahive's.

    \b
    Example:
      metahive db current --db sqlite:///metahive.db
    """
    from metastore.app import schema_problem

    db_url = _db_url(config_file, hive_site, flags)
    revision, head = _revisions(db_url)
    problem = schema_problem(revision, head, db_url)
    if as_json:
        out.print_json(json.dumps({"revision": revision, "head": head, "current": problem is None}))
        return
    out.print(f"{revision or 'empty'} (this metahive: {head}{', up to date' if problem is None else ''})",
              highlight=False)


@db.command()
@config_options("db")
def check(config_file: str | None, hive_site: str | None, **flags: Any) -> None:
    """Exit 0 when the schema is at this metahive's revision, 1 (with the fix) when it is not.

    \b
    Example (in a deployment script):
      metahive db check --db "$DB" || metahive db upgrade --db "$DB"
    """
    from metastore.app import schema_problem

    db_url = _db_url(config_file, hive_site, flags)
    revision, head = _revisions(db_url)
    problem = schema_problem(revision, head, db_url)
    if problem:
        fail(problem, EXIT_FAILED)
    out.print(f"catalog schema is current ({revision})", highlight=False)


# Feature areas register their own command groups here, one line each, from their own modules
# (e.g. ``from crawlers.cli import crawl; main.add_command(crawl)``), so cli.py stays small.
from classifiers.cli import classify_command  # noqa: E402
from crawlers.cli import register as _register_crawlers  # noqa: E402
from metastore.audit.cli import audit  # noqa: E402

_register_crawlers(main)
main.add_command(audit)
main.add_command(classify_command)


if __name__ == "__main__":
    main()
