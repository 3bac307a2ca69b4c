"""One crawl, start to end: list → classify → group → merge → plan → apply, and remember.

Each stage is its own module; this one wires them, keeps the run's numbers, and decides what a
failure means (nothing written when planning fails; a failed write stops the run).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

from classifiers.api import Classification, Sample
from crawlers.apply import Metrics, apply
from crawlers.database import DatabaseSource, is_database_url
from crawlers.folders import FolderData
from crawlers.grouping import GroupingOptions, TableGroup, group
from crawlers.merge import CRAWLER_KEY, DesiredTable, merge
from crawlers.paths import Excludes, is_side_entry
from crawlers.plan import Existing, Plan, Planner, written_record
from crawlers.policies import (  # noqa: F401 - re-exported
    CRAWL_EVERYTHING,
    CRAWL_NEW_FOLDERS_ONLY,
    INCREMENTAL,
    RECRAWL_BEHAVIORS,
    DeleteBehavior,
    Policy,
    UpdateBehavior,
)
from crawlers.scan import ScanOptions, ScanResult, scan
from crawlers.sources import DEFAULT_SAMPLE_BYTES, Source, open_source
from crawlers.store import CrawlState
from crawlers.targets import Target
from metastore.warehouse import to_uri


@dataclass
class CrawlOptions:
    sources: list[str]
    database: str
    crawler: str = "crawl"
    excludes: list[str] = field(default_factory=list)
    table_level: int | None = None
    combine_compatible: bool = False
    policy: Policy = field(default_factory=Policy)
    recrawl: str = INCREMENTAL
    dry_run: bool = False
    threads: int = 8
    sample_bytes: int = DEFAULT_SAMPLE_BYTES
    s3_endpoint: str | None = None
    includes: list[str] = field(default_factory=list)  # database sources: database/schema/table with %
    connection_name: str | None = None  # written as connectionName on tables from database sources

    def effective_policy(self) -> Policy:
        """CRAWL_NEW_FOLDERS_ONLY logs updates and deletions, as Glue forces it to."""
        if self.recrawl == CRAWL_NEW_FOLDERS_ONLY:
            return Policy(UpdateBehavior.LOG, DeleteBehavior.LOG, self.policy.overwrite_edits,
                          self.policy.table_threshold)
        return self.policy


@dataclass
class CrawlResult:
    run_id: str
    plan: Plan
    metrics: Metrics | None
    desired: list[DesiredTable]
    scans: dict[str, ScanResult]  # source URI -> what was listed and read
    seconds: float
    errors: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return sum(s.files for s in self.scans.values())

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "seconds": round(self.seconds, 3),
            "files_listed": self.files, "bytes_listed": sum(s.bytes for s in self.scans.values()),
            "files_read": sum(s.files_read for s in self.scans.values()),
            "bytes_read": sum(s.bytes_read for s in self.scans.values()),
            "skipped_files": [f for s in self.scans.values() for f in s.skipped],
            "tables": len(self.desired), "plan": self.plan.counts(),
            "metrics": self.metrics.to_json() if self.metrics else None, "errors": self.errors,
        }


def existing_tables(target: Target, db: str, desired: list[DesiredTable], crawler: str) -> dict[str, Existing]:
    """Catalog tables the plan must look at: same names as found tables, or owned by this crawler."""
    tables = target.tables(db)
    names = {d.name for d in desired}
    out = {}
    for t in tables:
        if t.table_name in names or t.parameters.get(CRAWLER_KEY) == crawler:
            parts = target.partitions(db, t.table_name) if t.partition_keys else []
            out[t.table_name] = Existing(t, {tuple(p.values): p for p in parts})
    return out


def crawl(options: CrawlOptions, target: Target, state: CrawlState | None = None,
          classify: Callable[[Sample], Classification] | None = None,
          progress: Callable[[str, int], None] | None = None) -> CrawlResult:
    """Run one crawl; with ``dry_run`` stop after the plan. ``classify`` None: the built-in classifiers."""
    t0 = time.monotonic()
    run_id = str(uuid.uuid4())
    excludes = Excludes(options.excludes)
    databases = [DatabaseSource(uri, options.includes, excludes, options.connection_name)
                 for uri in options.sources if is_database_url(uri)]
    sources: list[Source] = [open_source(uri, excludes, s3_endpoint=options.s3_endpoint)
                             for uri in options.sources if not is_database_url(uri)]
    scan_options = ScanOptions(threads=options.threads, sample_bytes=options.sample_bytes,
                               new_folders_only=options.recrawl == CRAWL_NEW_FOLDERS_ONLY,
                               everything=options.recrawl == CRAWL_EVERYTHING)
    scans: dict[str, ScanResult] = {}
    previous_states: dict[str, dict[str, str]] = {}
    desired: list[DesiredTable] = []
    ignored: dict[str, str] = {}
    grouping = GroupingOptions(options.table_level, options.combine_compatible)
    for source in sources:
        prev = state.load_folders([source.uri]) if state is not None else {}
        previous_states[source.uri] = prev

        def previous(folder: str, source: Source = source, prev: dict[str, str] = prev) -> dict | None:
            raw = prev.get(source.location(folder))
            return json.loads(raw) if raw else None

        result = scan(source, classify, previous, scan_options,
                      (lambda n: progress("listed", n)) if progress else None)
        if source.stats.errors:
            result.skipped.extend(source.stats.errors)
        scans[source.uri] = result
        grouped = group(result.folders, source.root_name(), grouping)
        for path, why in grouped.ignored.items():
            ignored[source.location("" if path == "." else path)] = why
        for g in grouped.tables:
            desired.append(merge(g, options.database, source.location, options.crawler, run_id,
                                 excludes.absolute(source.uri)))
    for db in databases:
        for table in db.tables(options.database, options.crawler, run_id):
            group_ = TableGroup(table.table_name, "", (), [], f"{db.dialect} table")
            desired.append(DesiredTable(group_, table, [], [table.sd.location or ""]))
    for s in scans.values():
        for f in s.skipped:
            ignored[f.partition(": ")[0]] = f.partition(": ")[2]
    existing = existing_tables(target, options.database, desired, options.crawler)
    written = state.load_written(options.database) if state is not None else {}
    planner = Planner(options.database, options.crawler, options.effective_policy(), existing, written)
    plan = planner.build(desired, [s.uri for s in sources] + [d.uri for d in databases])
    plan.ignored.update(ignored)
    result = CrawlResult(run_id, plan, None, desired, scans, 0.0)
    if options.dry_run:
        result.seconds = time.monotonic() - t0
        return result
    result.metrics = apply(plan, target, (lambda item: progress("applied", 1)) if progress else None)
    if state is not None:
        _remember(state, options, sources, scans, previous_states, desired, plan, result.metrics)
    result.seconds = time.monotonic() - t0
    return result


def _remember(state: CrawlState, options: CrawlOptions, sources: list[Source], scans: dict[str, ScanResult],
              previous_states: dict[str, dict[str, str]], desired: list[DesiredTable], plan: Plan,
              metrics: Metrics) -> None:
    for source in sources:
        prev = previous_states[source.uri]
        changed: dict[str, str] = {}
        seen: set[str] = set()
        scanned = scans[source.uri]
        for path, folder in scanned.folders.items():
            location = source.location(path)
            seen.add(location)
            if folder.unchanged_since(scanned.remembered.get(path)):
                continue
            doc = json.dumps(folder.state_json(), separators=(",", ":"))
            if prev.get(location) != doc:
                changed[location] = doc
        state.save_folders(changed, [loc for loc in prev if loc not in seen])
    by_name = {d.name: d for d in desired}
    records = {name: written_record(by_name[name].table) for name in metrics.written if name in by_name}
    dropped = [i.table for i in plan.items if i.action == "delete_table"]
    state.save_written(options.database, records, dropped)


def explain(result: CrawlResult, path: str) -> str:
    """Why a file or folder became what it became in this crawl."""
    if path.startswith("file:"):
        path = unquote(urlparse(path).path)
    target = path if path.startswith(("s3://", "s3a://")) else to_uri(path)
    source_uri = next((uri for uri in result.scans if target == uri or target.startswith(uri + "/")), None)
    if source_uri is None:
        return f"{path} is not under any crawled source ({', '.join(result.scans)})"
    rel_segments = target[len(source_uri):].strip("/").split("/")
    if any(is_side_entry(s) for s in rel_segments if s):
        return f"{path}: skipped, a side file or folder engines do not read (_SUCCESS, .crc, _temporary, dot files…)"
    for where, why in result.plan.ignored.items():
        if target == where or target.startswith(where.rstrip("/") + "/"):
            return f"{path}: not part of any table: {why}"
    for d in result.desired:
        loc = d.table.sd.location or ""
        if target == loc or target.startswith(loc.rstrip("/") + "/"):
            lines = [f"{path}: part of table {d.name} at {loc} ({d.group.reason})",
                     f"  format {d.table.parameters['classification']}, compression "
                     f"{d.table.parameters['compressionType']}, {d.files} files in {len(d.group.partitions)} folder(s)"]
            if d.group.keys:
                lines.append(f"  partition keys: {', '.join(d.group.keys)} (from the folder names below {loc})")
                for p in d.group.partitions:
                    ploc = _folder_location(loc, d, p.folder)
                    if target == ploc or target.startswith(ploc + "/"):
                        lines.append(f"  partition {dict(zip(d.group.keys, p.values, strict=True))} at {ploc}")
                        break
            lines.append(f"  schema from: {', '.join(d.evidence)}")
            for item in result.plan.items:
                if item.table == d.name:
                    lines.append(f"  plan: {item.action} — {item.reason}")
            return "\n".join(lines)
    return f"{path}: listed but in no table (no classifier recognised it, or it was excluded)"


def _folder_location(table_location: str, d: DesiredTable, folder: FolderData) -> str:
    root = d.group.root
    rel = folder.path[len(root) + 1:] if root else folder.path
    return f"{table_location}/{rel}" if rel else table_location
