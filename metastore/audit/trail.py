"""What the audit means to callers: history, diffs between versions, change queries, restore, events.

Sits beside the HMS semantics (``HiveMetastore.audit``) over the store's change log
(``Catalog.audit_log()``); the CLI and the wire notification methods call it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from metastore.audit.context import acting_as, local_user
from metastore.audit.definitions import from_doc
from metastore.audit.diff import KINDS, DiffItem, table_diff
from metastore.audit.records import EVENT_TYPES, StoredChange
from metastore.audit.settings import AuditSettings
from metastore.exceptions import InvalidInputError, NoSuchObjectError
from metastore.model import Table
from metastore.names import lookup_name, split_catalog_prefix

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> int:
    """Seconds in ``30s``, ``15m``, ``12h``, ``7d`` or ``2w``."""
    match = _DURATION.match(text or "")
    if match is None:
        raise InvalidInputError(f"Cannot read the duration '{text}': write a number and a unit, e.g. 30m, 12h, 7d or 2w")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def split_table_name(text: str) -> tuple[str, str]:
    """``db.table`` -> (db, table), lower-cased as the catalog stores them."""
    db, sep, table = (text or "").partition(".")
    if not sep or not db or not table:
        raise InvalidInputError(f"Name the table as DATABASE.TABLE, got '{text}'")
    return lookup_name(split_catalog_prefix(db)), lookup_name(table)


def check_kinds(kinds: Sequence[str]) -> list[str]:
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise InvalidInputError(f"Unknown change kind(s) {', '.join(unknown)}; known kinds: {', '.join(KINDS)}")
    return list(kinds)


@dataclass(slots=True)
class VersionDiff:
    db_name: str
    table_name: str
    old_version: int
    new_version: int
    items: list[DiffItem]


class AuditTrail:
    def __init__(self, log: Any, settings: AuditSettings) -> None:
        self.log = log
        self.settings = settings

    @classmethod
    def for_catalog(cls, catalog: Any, config: dict[str, str]) -> AuditTrail:
        settings = AuditSettings.from_config(config)
        catalog.configure_audit(settings)
        return cls(catalog.audit_log(), settings)

    # -- notifications ----------------------------------------------------------------------------

    def current_event_id(self) -> int:
        return self.log.current_event_id()

    def next_events(self, last_event: int, max_events: int | None, skip_types: Sequence[str] = (),
                    db: str | None = None, tables: Sequence[str] = (), types: Sequence[str] = ()) -> list[StoredChange]:
        """Events after ``last_event``: at most ``max_events`` (the server cap when unset or < 1)."""
        limit = self.settings.max_events if not max_events or max_events < 1 else min(max_events, self.settings.max_events)
        return self.log.events(
            last_event or 0, limit, skip_types=[t.upper() for t in skip_types or []],
            types=[t.upper() for t in types or []], db=lookup_name(db) if db else None,
            tables=[lookup_name(t) for t in tables or []],
        )

    def count_events(self, from_event: int, db: str, to_event: int | None = None, limit: int | None = None) -> int:
        return self.log.count_events(from_event or 0, lookup_name(split_catalog_prefix(db)), to_event, limit)

    # -- history, diffs, queries ------------------------------------------------------------------

    def _lineage(self, db: str, name: str, limit: int | None, before_id: int | None = None,
                 depth: int = 0) -> list[StoredChange]:
        """Changes of a table including those under the names it was renamed from, newest first."""
        found = self.log.history(db, name, limit, before_id)
        result = list(found)
        for change in found:
            if depth >= 50 or (limit and len(result) >= limit):
                break
            for item in change.items:
                if item.kind == "table_renamed" and item.new == f"{db}.{name}" and item.old:
                    old_db, _, old_name = item.old.partition(".")
                    remaining = limit - len(result) if limit else None
                    result += self._lineage(old_db, old_name, remaining, change.event_id, depth + 1)
        result.sort(key=lambda c: c.event_id, reverse=True)
        return result[:limit] if limit else result

    def history(self, table: str, limit: int | None = None) -> list[StoredChange]:
        """A table's changes, newest first, following renames back to earlier names."""
        db, name = split_table_name(table)
        found = self._lineage(db, name, limit)
        if not found:
            raise NoSuchObjectError(f"No recorded changes for {db}.{name}; check the name with `metahive audit changes`")
        return found

    def _version(self, db: str, name: str, version: int) -> StoredChange:
        try:
            return self.log.version(db, name, version)
        except NoSuchObjectError:
            for change in self._lineage(db, name, None):
                if change.version == version:
                    return self.log.change(change.event_id)
            raise

    def definition(self, table: str, version: int) -> Table:
        db, name = split_table_name(table)
        return from_doc(Table, self._version(db, name, version).after)

    def diff(self, table: str, old_version: int, new_version: int | None = None) -> VersionDiff:
        """Items between two versions; without ``new_version``, between ``old_version`` and the one before it."""
        db, name = split_table_name(table)
        if new_version is None:
            new_version, old_version = old_version, old_version - 1
            after = from_doc(Table, self._version(db, name, new_version).after)
            if old_version < 1:
                return VersionDiff(db, name, 0, new_version, [DiffItem("table_created", after.table_name)])
        new = from_doc(Table, self._version(db, name, new_version).after)  # first: the version asked for
        old = from_doc(Table, self._version(db, name, old_version).after)
        return VersionDiff(db, name, old_version, new_version, table_diff(old, new))

    def changes(self, *, since: str | None = None, database: str | None = None, kinds: Sequence[str] = (),
                actor: str | None = None, run_id: str | None = None, limit: int = 100,
                now: int | None = None) -> list[StoredChange]:
        start = None
        if since:
            start = (now if now is not None else int(time.time())) - parse_duration(since)
        return self.log.changes(since=start, database=lookup_name(database) if database else None,
                                kinds=check_kinds(kinds), actor=actor, run_id=run_id, limit=limit)

    # -- restore ----------------------------------------------------------------------------------

    def restore(self, metastore: Any, table: str, version: int, *, cascade: bool = False,
                actor: str | None = None) -> int | None:
        """Make version ``version``'s definition current again, as a new version; returns that version.

        ``None`` when the table already has that definition (nothing to do). A dropped table is
        re-created. Partitions keep their own definitions unless ``cascade`` gives them the columns.
        """
        db, name = split_table_name(table)
        stored = self._version(db, name, version)
        definition = from_doc(Table, stored.after)
        definition.db_name, definition.table_name = db, name
        previous = self.log.latest_version(db, name)
        with acting_as(actor or f"cli:{local_user()}"):
            try:
                metastore.get_table(db, name)
            except NoSuchObjectError:
                metastore.create_table(definition)
            else:
                metastore.alter_table(db, name, definition, cascade=cascade)
        latest = self.log.latest_version(db, name)
        return latest if latest != previous else None


__all__ = ["EVENT_TYPES", "AuditTrail", "VersionDiff", "parse_duration", "split_table_name"]
