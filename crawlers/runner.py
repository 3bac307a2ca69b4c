"""A run of a defined crawler: claim it, crawl, record state, metrics, errors and the plan."""

from __future__ import annotations

import time
from dataclasses import dataclass

from crawlers.crawl import CrawlOptions, CrawlResult, crawl
from crawlers.liveness import Heartbeat
from crawlers.plan import DeleteBehavior, Policy, UpdateBehavior
from crawlers.registry import CrawlerDef, Registry
from crawlers.store import CrawlState


class Cancelled(Exception):
    """``metahive crawler stop`` was asked for while this run was going."""


@dataclass
class RunOutcome:
    run_id: str
    state: str  # SUCCEEDED / FAILED / CANCELLED
    result: CrawlResult | None
    errors: list[str]


def options_of(d: CrawlerDef, registry: Registry) -> CrawlOptions:
    o = d.options
    sources, connection = [], None
    for s in d.sources:
        url, name = registry.resolve(s)
        sources.append(url)
        connection = connection or name
    return CrawlOptions(
        sources=sources, database=d.database, crawler=d.name, excludes=list(o.get("excludes") or ()),
        table_level=o.get("table_level"), combine_compatible=bool(o.get("combine_compatible_schemas")),
        policy=Policy(UpdateBehavior(o.get("update_behavior") or "UPDATE_IN_DATABASE"),
                      DeleteBehavior(o.get("delete_behavior") or "DEPRECATE_IN_DATABASE"),
                      bool(o.get("overwrite_edits")), o.get("table_threshold")),
        recrawl=o.get("recrawl") or "INCREMENTAL", threads=o.get("threads") or 8, s3_endpoint=o.get("s3_endpoint"),
        includes=list(o.get("includes") or ()), connection_name=connection,
    )


def run_crawler(registry: Registry, db_url: str, warehouse: str, name: str, trigger: str = "manual",
                progress=None) -> RunOutcome:  # noqa: ANN001
    """Run crawler ``name`` now (refused if it is running); never raises for a failed crawl."""
    from crawlers.cli import open_target

    d = registry.get(name)
    run_id = registry.start_run(name, trigger)
    beat = Heartbeat(registry.engine, name, run_id).start()
    last_check = [time.monotonic()]

    def check(stage: str, n: int) -> None:
        beat.enter("applying" if stage == "applied" else "listing and classifying")
        if progress is not None:
            progress(stage, n)
        if time.monotonic() - last_check[0] > 1.0:
            last_check[0] = time.monotonic()
            if registry.stopping(name):
                raise Cancelled(f"stopped by `metahive crawler stop {name}`")

    result, errors, state = None, [], "FAILED"
    try:
        options = options_of(d, registry)
        target = open_target(None if d.metastore else db_url, d.metastore, warehouse, name)
        try:
            result = crawl(options, target, CrawlState(registry.engine, name), progress=check)
        finally:
            target.close()
        errors = result.summary()["skipped_files"]
        state = "SUCCEEDED"
    except Cancelled as e:
        state, errors = "CANCELLED", [str(e)]
    except Exception as e:  # recorded in the run; the crawler returns to READY
        errors = [f"{type(e).__name__}: {getattr(e, 'message', None) or e}"]
    finally:
        beat.stop()
        metrics = None
        if result is not None:
            metrics = result.summary()
        registry.finish_run(name, run_id, state, metrics, errors, result.plan.to_json() if result else None)
    return RunOutcome(run_id, state, result, errors)
