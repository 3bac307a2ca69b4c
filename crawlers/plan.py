"""Plan: compare what the crawl found with what the catalog holds and list every change, with why.

The plan is data: printable (``--dry-run``), storable (the run record) and applied item by item.
Change policies (Glue's SchemaChangePolicy and ``MergeNewColumns``) are decided here; edits a user
made by hand (columns, parameters, SerDe) are recognised by comparing the catalog with what the
crawler wrote last time, and kept unless ``overwrite_edits``.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from crawlers.grouping import with_hash_suffix
from crawlers.merge import CRAWLER_KEY, DEPRECATED_KEY, VOLATILE_KEYS, DesiredTable
from crawlers.policies import DeleteBehavior, Policy, UpdateBehavior
from metastore.model import FieldSchema, Partition, Table
from metastore.names import make_partition_name


class ThresholdExceeded(Exception):
    """More tables than ``table_threshold``: the crawl fails before writing anything."""


@dataclass
class PlanItem:
    action: str  # create_table/update_table/deprecate_table/delete_table, add/update/deprecate/delete_partitions, log
    table: str
    reason: str
    files: list[str] = field(default_factory=list)
    partitions: list[str] = field(default_factory=list)  # partition names, for partition actions
    definition: Table | None = None
    parts: list[Partition] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return self.action != "log"

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"action": self.action, "table": self.table, "reason": self.reason, "files": self.files}
        if self.partitions:
            d["partitions"] = self.partitions
        return d


@dataclass
class Plan:
    database: str
    items: list[PlanItem] = field(default_factory=list)
    ignored: dict[str, str] = field(default_factory=dict)  # path -> why it is in no table

    def to_json(self) -> dict[str, Any]:
        return {"database": self.database, "items": [i.to_json() for i in self.items], "ignored": self.ignored}

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for item in self.items:
            n = len(item.partitions) if item.action.endswith("_partitions") else 1
            out[item.action] = out.get(item.action, 0) + n
        return out

    def render(self, limit: int = 20) -> str:
        """The plan as text: one line per item, partitions listed up to ``limit``."""
        lines = [f"plan for database {self.database}: " +
                 (", ".join(f"{k} {v}" for k, v in sorted(self.counts().items())) or "no changes")]
        for item in self.items:
            lines.append(f"  {item.action:<20} {item.table}: {item.reason}")
            if item.partitions:
                shown = ", ".join(item.partitions[:limit])
                more = f" … and {len(item.partitions) - limit} more" if len(item.partitions) > limit else ""
                lines.append(f"      partitions: {shown}{more}")
            if item.files:
                lines.append(f"      decided by: {', '.join(item.files)}")
        for path, why in list(self.ignored.items())[:limit]:
            lines.append(f"  {'ignored':<20} {path}: {why}")
        if len(self.ignored) > limit:
            lines.append(f"  … and {len(self.ignored) - limit} more ignored paths")
        return "\n".join(lines)


@dataclass
class Existing:
    """A table in the target and its partitions (values tuple -> partition)."""

    table: Table
    partitions: dict[tuple[str, ...], Partition]


def _cols(cols: Sequence[FieldSchema]) -> list[tuple[str, str]]:
    return [(c.name.lower(), c.type.lower()) for c in cols]


def _params(params: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in params.items() if k not in VOLATILE_KEYS}


def _sd_signature(sd) -> tuple:  # noqa: ANN001
    return (_cols(sd.cols), sd.location, sd.input_format, sd.output_format, sd.serde_info.serialization_lib,
            sorted(sd.serde_info.parameters.items()))


def written_record(table: Table) -> dict[str, Any]:
    """What the crawler wrote, remembered to tell hand edits from its own values next time."""
    return {"columns": {c.name: [c.type, c.comment] for c in table.sd.cols}, "parameters": dict(table.parameters),
            "serde": [table.sd.serde_info.serialization_lib, dict(table.sd.serde_info.parameters),
                      table.sd.input_format, table.sd.output_format]}


def _fmt(params: dict[str, str]) -> tuple[str | None, str | None, str | None]:
    return params.get("classification"), params.get("compressionType"), params.get("delimiter")


def _keep_edits(desired: Table, current: Table, written: dict[str, Any] | None, overwrite: bool) -> Table:
    """The desired table with the user's hand edits from ``current`` carried over."""
    new = copy.deepcopy(desired)
    new.create_time, new.owner = current.create_time, current.owner or desired.owner
    ours = set(desired.parameters) | {DEPRECATED_KEY, "exclusions"} | set((written or {}).get("parameters", {}))
    for key, value in current.parameters.items():
        if key in VOLATILE_KEYS:
            continue
        if key not in ours:
            new.parameters[key] = value  # a parameter the crawler never writes: the user's
        elif written is not None and not overwrite and written["parameters"].get(key) != value and key in desired.parameters:
            new.parameters[key] = value  # the user changed a value the crawler wrote
    if written is None or overwrite:
        return new
    cur_cols = {c.name: c for c in current.sd.cols}
    for col in new.sd.cols:
        mine, cur = written["columns"].get(col.name), cur_cols.get(col.name)
        if cur is not None and mine is not None and [cur.type, cur.comment] != mine:
            col.type, col.comment = cur.type, cur.comment  # edited by hand
    names = {c.name for c in new.sd.cols}
    new.sd.cols += [c for c in current.sd.cols if c.name not in names and c.name not in written["columns"]]
    cur_serde = [current.sd.serde_info.serialization_lib, dict(current.sd.serde_info.parameters),
                 current.sd.input_format, current.sd.output_format]
    if cur_serde != written["serde"]:  # e.g. switched to OpenCSVSerde by hand: keep it
        new.sd.serde_info = copy.deepcopy(current.sd.serde_info)
        new.sd.input_format, new.sd.output_format = current.sd.input_format, current.sd.output_format
    return new


def _same_table(a: Table, b: Table) -> bool:
    return (_sd_signature(a.sd) == _sd_signature(b.sd) and _cols(a.partition_keys) == _cols(b.partition_keys)
            and _params(a.parameters) == _params(b.parameters))


def _same_partition(a: Partition, b: Partition) -> bool:
    sa, sb = a.sd, b.sd
    if (sa.location, sa.input_format, sa.output_format, sa.serde_info.serialization_lib) != (
            sb.location, sb.input_format, sb.output_format, sb.serde_info.serialization_lib):
        return False  # cheap fields first: 10k unchanged partitions are compared on every recrawl
    return (sa.serde_info.parameters == sb.serde_info.parameters and _params(a.parameters) == _params(b.parameters)
            and _cols(sa.cols) == _cols(sb.cols))


def _now_ms() -> str:
    return str(int(time.time() * 1000))


def _deprecated(table_or_part, when: str):  # noqa: ANN001, ANN202
    new = copy.deepcopy(table_or_part)
    new.parameters[DEPRECATED_KEY] = when
    return new


class Planner:
    def __init__(self, database: str, crawler: str, policy: Policy, existing: dict[str, Existing],
                 written: dict[str, dict[str, Any]] | None = None) -> None:
        self.plan = Plan(database)
        self.crawler, self.policy, self.existing = crawler, policy, existing
        self.written = written or {}

    def _resolve_name(self, d: DesiredTable, taken: set[str]) -> None:
        """A name held by a table at another location (not ours) gets a hash suffix, as in Glue."""
        cur = self.existing.get(d.name)
        clash = cur is not None and cur.table.sd.location != d.table.sd.location
        if clash or d.name in taken:
            name = with_hash_suffix(d.name, d.table.sd.location or "")
            d.table.table_name = name
            for p in d.partitions:
                p.table_name = name
        taken.add(d.name)

    def build(self, desired: list[DesiredTable], sources: Sequence[str]) -> Plan:
        if self.policy.table_threshold is not None and len(desired) > self.policy.table_threshold:
            raise ThresholdExceeded(
                f"The number of tables detected by the crawler: {len(desired)} is greater than the table "
                f"threshold value provided: {self.policy.table_threshold}. Failing the crawl without writing "
                f"to the catalog (tables: {', '.join(d.name for d in desired[:20])}); raise --table-threshold "
                "or narrow the source with --exclude/--table-level"
            )
        taken: set[str] = set()
        for d in desired:
            self._resolve_name(d, taken)
            for path, why in d.ignored.items():
                self.plan.ignored[path] = why
            self._table(d)
        seen = {d.name for d in desired}
        for name, cur in sorted(self.existing.items()):
            owned = cur.table.parameters.get(CRAWLER_KEY) == self.crawler
            location = cur.table.sd.location or ""
            inside = any(location == s or location.startswith(s.rstrip("/") + "/") for s in sources)
            if name not in seen and owned and inside:
                self._gone(cur)
        return self.plan

    def _add(self, action: str, table: str, reason: str, **kw: Any) -> None:
        self.plan.items.append(PlanItem(action, table, reason, **kw))

    def _table(self, d: DesiredTable) -> None:
        cur = self.existing.get(d.name)
        files = f"{d.files} files, " if d.group.partitions else ""
        summary = f"{d.table.parameters['classification']} at {d.table.sd.location}: {files}{len(d.table.sd.cols)} columns"
        if cur is None:
            self._add("create_table", d.name, f"new table ({d.group.reason}); {summary}", files=d.evidence,
                      definition=d.table)
            self._partitions(d, None)
            return
        policy, t = self.policy.update, cur.table
        was_deprecated = DEPRECATED_KEY in t.parameters
        if policy == UpdateBehavior.MERGE_NEW_COLUMNS and _fmt(t.parameters) != _fmt(d.table.parameters):
            self._add("deprecate_table", d.name,
                      f"format changed from {'/'.join(map(str, _fmt(t.parameters)))} to "
                      f"{'/'.join(map(str, _fmt(d.table.parameters)))} under MERGE_NEW_COLUMNS",
                      files=d.evidence, definition=_deprecated(t, _now_ms()))
            return
        if policy == UpdateBehavior.MERGE_NEW_COLUMNS:
            new = copy.deepcopy(t)
            names = {c.name for c in t.sd.cols}
            added = [c for c in d.table.sd.cols if c.name not in names]
            new.sd.cols += copy.deepcopy(added)
            new.parameters.pop(DEPRECATED_KEY, None)
            for key in ("recordCount", "averageRecordSize", "objectCount", "sizeKey", "CRAWL_RUN_ID"):
                new.parameters[key] = d.table.parameters[key]
            why = f"new columns {', '.join(c.name for c in added)}" if added else "statistics changed"
        else:
            new = _keep_edits(d.table, t, self.written.get(d.name), self.policy.overwrite_edits)
            why = self._diff(t, new)
        if was_deprecated and policy == UpdateBehavior.LOG:
            new = copy.deepcopy(t)
            new.parameters.pop(DEPRECATED_KEY)
            self._add("update_table", d.name, "data is back: clearing DEPRECATED_BY_CRAWLER", files=d.evidence,
                      definition=new)
        elif not _same_table(new, t):
            if policy == UpdateBehavior.LOG:
                self._add("log", d.name, f"would update ({why}) but the update behaviour is LOG", files=d.evidence)
            else:
                self._add("update_table", d.name, ("data is back, clearing DEPRECATED_BY_CRAWLER; " if was_deprecated
                                                   else "") + why, files=d.evidence, definition=new)
        if _cols(t.partition_keys) != _cols(d.table.partition_keys):
            self._add("log", d.name, f"partition keys differ: catalog ({', '.join(k.name for k in t.partition_keys)})"
                      f", data ({', '.join(d.group.keys)}); partitions left alone — drop the table to re-create it")
            return
        self._partitions(d, cur)

    @staticmethod
    def _diff(old: Table, new: Table) -> str:
        old_cols, new_cols = dict(_cols(old.sd.cols)), dict(_cols(new.sd.cols))
        parts = []
        if added := [n for n in new_cols if n not in old_cols]:
            parts.append("new columns " + ", ".join(added))
        if removed := [n for n in old_cols if n not in new_cols]:
            parts.append("columns gone " + ", ".join(removed))
        if retyped := [f"{n} {old_cols[n]}->{t}" for n, t in new_cols.items() if n in old_cols and old_cols[n] != t]:
            parts.append("types changed " + ", ".join(retyped))
        if _fmt(old.parameters) != _fmt(new.parameters):
            parts.append("format changed")
        changed = [k for k in set(_params(old.parameters)) | set(_params(new.parameters))
                   if old.parameters.get(k) != new.parameters.get(k) and k not in ("recordCount", "averageRecordSize",
                                                                                  "objectCount", "sizeKey")]
        if changed:
            parts.append("parameters " + ", ".join(sorted(changed)))
        return "; ".join(parts) or "statistics changed"

    def _partitions(self, d: DesiredTable, cur: Existing | None) -> None:
        if not d.group.keys:
            return
        keys = list(d.group.keys)
        have = cur.partitions if cur is not None else {}
        new, changed = [], []
        for p in d.partitions:
            old = have.get(tuple(p.values))
            if old is None:
                new.append(p)
            elif not _same_partition(p, old):
                if DEPRECATED_KEY not in old.parameters:
                    p.parameters.update({k: v for k, v in old.parameters.items()
                                         if k not in p.parameters and k not in VOLATILE_KEYS and k != DEPRECATED_KEY})
                if not _same_partition(p, old):
                    changed.append(p)
        name = d.name
        if new:
            self._add("add_partitions", name, f"{len(new)} new partition folders", parts=new,
                      partitions=[make_partition_name(keys, p.values) for p in new],
                      files=[e for p in new[:1] for e in _examples(d, p)])
        if changed:
            names = [make_partition_name(keys, p.values) for p in changed]
            if self.policy.update == UpdateBehavior.UPDATE_IN_DATABASE:
                self._add("update_partitions", name, "schema, format or statistics changed", parts=changed,
                          partitions=names)
            else:
                self._add("log", name, f"{len(changed)} partitions changed; update behaviour is "
                          f"{self.policy.update.value}", partitions=names)
        wanted = {tuple(p.values) for p in d.partitions}
        gone = [p for v, p in have.items() if v not in wanted and DEPRECATED_KEY not in p.parameters]
        if gone:
            self._gone_partitions(name, keys, gone)

    def _gone_partitions(self, name: str, keys: list[str], gone: list[Partition]) -> None:
        names = [make_partition_name(keys, p.values) for p in gone]
        behavior = self.policy.delete
        if behavior == DeleteBehavior.DELETE_FROM_DATABASE:
            self._add("delete_partitions", name, "partition folders no longer hold data", partitions=names, parts=gone)
        elif behavior == DeleteBehavior.DEPRECATE_IN_DATABASE:
            when = _now_ms()
            self._add("deprecate_partitions", name, "partition folders no longer hold data", partitions=names,
                      parts=[_deprecated(p, when) for p in gone])
        else:
            self._add("log", name, "partition folders no longer hold data; delete behaviour is LOG", partitions=names)

    def _gone(self, cur: Existing) -> None:
        name, behavior = cur.table.table_name, self.policy.delete
        why = f"no data found at {cur.table.sd.location} any more"
        if behavior == DeleteBehavior.DELETE_FROM_DATABASE:
            self._add("delete_table", name, why)
        elif behavior == DeleteBehavior.DEPRECATE_IN_DATABASE:
            if DEPRECATED_KEY not in cur.table.parameters:
                self._add("deprecate_table", name, why, definition=_deprecated(cur.table, _now_ms()))
        else:
            self._add("log", name, why + "; delete behaviour is LOG")


def _examples(d: DesiredTable, p: Partition) -> list[str]:
    for part in d.group.partitions:
        if list(part.values) == p.values:
            return [e for st in part.folder.shapes.values() for e in st.examples][:2]
    return []
