"""Change records: one per catalog write that changed a definition, built from before/after objects.

Builders return ``None`` for no-ops (nothing recorded, no version). The operation names are the Hive
Metastore notification event types, so the same record is served as an HMS notification.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from metastore.audit.context import current_actor
from metastore.audit.definitions import partition_doc, partition_docs, to_doc
from metastore.audit.diff import (
    DiffItem,
    database_diff,
    partition_diff,
    partitions_summary,
    table_diff,
)
from metastore.model import Database, Function, Partition, Table

CREATE_DATABASE, ALTER_DATABASE, DROP_DATABASE = "CREATE_DATABASE", "ALTER_DATABASE", "DROP_DATABASE"
CREATE_TABLE, ALTER_TABLE, DROP_TABLE = "CREATE_TABLE", "ALTER_TABLE", "DROP_TABLE"
ADD_PARTITION, ALTER_PARTITION, DROP_PARTITION = "ADD_PARTITION", "ALTER_PARTITION", "DROP_PARTITION"
CREATE_FUNCTION, ALTER_FUNCTION, DROP_FUNCTION = "CREATE_FUNCTION", "ALTER_FUNCTION", "DROP_FUNCTION"
EVENT_TYPES = (
    CREATE_DATABASE, ALTER_DATABASE, DROP_DATABASE, CREATE_TABLE, ALTER_TABLE, DROP_TABLE,
    ADD_PARTITION, ALTER_PARTITION, DROP_PARTITION, CREATE_FUNCTION, ALTER_FUNCTION, DROP_FUNCTION,
)
RUN_ID_PARAMETER = "CRAWL_RUN_ID"  # set by crawlers on what they write


@dataclass(slots=True)
class ChangeRecord:
    """A change about to be recorded (the store adds the event id and, for tables, the version)."""

    operation: str
    db_name: str
    table_name: str | None
    items: list[DiffItem]
    before: Any = None  # definition document(s) before the change
    after: Any = None  # ... and after
    versioned: bool = False  # a new table version (CREATE_TABLE / ALTER_TABLE)
    renamed_from: tuple[str, str] | None = None  # (db, table) whose version numbers a rename continues
    actor: str = ""
    run_id: str | None = None
    event_time: int = field(default_factory=lambda: int(time.time()))

    def __post_init__(self) -> None:
        if not self.actor:
            self.actor, context_run = current_actor()
            self.run_id = self.run_id or context_run

    @property
    def kinds(self) -> str:
        """Distinct item kinds as ``,a,b,`` (searchable with LIKE '%,a,%')."""
        return "," + ",".join(dict.fromkeys(i.kind for i in self.items)) + ","


@dataclass(slots=True)
class StoredChange:
    """A recorded change as read back."""

    event_id: int
    event_time: int
    operation: str
    actor: str
    db_name: str
    table_name: str | None
    version: int | None
    run_id: str | None
    items: list[DiffItem]
    before: Any = None
    after: Any = None


def _run_id(*params: dict[str, str] | None) -> str | None:
    for p in params:
        if p and p.get(RUN_ID_PARAMETER):
            return p[RUN_ID_PARAMETER]
    return None


def table_ref(db: str, table: str, table_type: str | None = None, partition_keys: Any = None) -> dict[str, Any]:
    """The minimal table document kept with partition changes (enough for notification messages)."""
    return {"db_name": db, "table_name": table, "table_type": table_type, "partition_keys": partition_keys or []}


# -- databases ------------------------------------------------------------------------------------

def database_created(db: Database) -> ChangeRecord:
    return ChangeRecord(CREATE_DATABASE, db.name, None, [DiffItem("database_created", db.name)], after=to_doc(db))


def database_altered(before: Database, after: Database) -> ChangeRecord | None:
    items = database_diff(before, after)
    if not items:
        return None
    return ChangeRecord(ALTER_DATABASE, before.name, None, items, to_doc(before), to_doc(after))


def database_dropped(db: Database, tables: Sequence[str] = ()) -> ChangeRecord:
    items = [DiffItem("database_dropped", db.name)] + [DiffItem("table_dropped", t) for t in tables]
    return ChangeRecord(DROP_DATABASE, db.name, None, items, before=to_doc(db))


# -- tables ---------------------------------------------------------------------------------------

def table_created(table: Table) -> ChangeRecord:
    return ChangeRecord(CREATE_TABLE, table.db_name, table.table_name, [DiffItem("table_created", table.table_name)],
                        after=to_doc(table), versioned=True, run_id=_run_id(table.parameters))


def table_altered(before: Table, after: Table) -> ChangeRecord | None:
    """ALTER_TABLE under the table's new name, or None for a no-op rewrite."""
    items = table_diff(before, after)
    if not items:
        return None
    renamed = (before.db_name, before.table_name) != (after.db_name, after.table_name)
    return ChangeRecord(ALTER_TABLE, after.db_name, after.table_name, items, to_doc(before), to_doc(after),
                        versioned=True, run_id=_run_id(after.parameters),
                        renamed_from=(before.db_name, before.table_name) if renamed else None)


def table_dropped(table: Table) -> ChangeRecord:
    return ChangeRecord(DROP_TABLE, table.db_name, table.table_name, [DiffItem("table_dropped", table.table_name)],
                        before=to_doc(table))


# -- partitions -----------------------------------------------------------------------------------

def partitions_added(table: dict[str, Any], parts: Sequence[tuple[str, Partition, bool]]) -> ChangeRecord | None:
    """One record for a whole add_partitions call; ``parts`` are (name, partition, has the table's columns)."""
    if not parts:
        return None
    docs = partition_docs([(p, same) for _, p, same in parts])
    return ChangeRecord(ADD_PARTITION, table["db_name"], table["table_name"],
                        [partitions_summary("partitions_added", [n for n, _, _ in parts])],
                        after={"table": table, "partitions": docs},
                        run_id=_run_id(*(p.parameters for _, p, _ in parts[:1])))


def partitions_dropped(table: dict[str, Any], parts: Sequence[tuple[str, Partition]]) -> ChangeRecord | None:
    if not parts:
        return None
    docs = [partition_doc(p, False) for _, p in parts]
    return ChangeRecord(DROP_PARTITION, table["db_name"], table["table_name"],
                        [partitions_summary("partitions_dropped", [n for n, _ in parts])],
                        before={"table": table, "partitions": docs})


def partitions_altered(table: dict[str, Any], changes: Sequence[tuple[str, Partition, Partition]]) -> ChangeRecord | None:
    """One record per alter_partitions call; partitions whose definition did not change are left out."""
    changed = [(n, b, a, d) for n, b, a in changes if (d := partition_diff(b, a))]
    if not changed:
        return None
    items = [partitions_summary("partitions_altered", [n for n, *_ in changed])]
    if len(changed) == 1:
        items += changed[0][3]
    return ChangeRecord(ALTER_PARTITION, table["db_name"], table["table_name"], items,
                        before={"table": table, "partitions": [partition_doc(b, False) for _, b, _, _ in changed]},
                        after={"table": table, "partitions": [partition_doc(a, False) for _, _, a, _ in changed]},
                        run_id=_run_id(changed[0][2].parameters))


def partition_renamed(table: dict[str, Any], old_name: str, new_name: str, before: Partition, after: Partition) -> ChangeRecord:
    return ChangeRecord(ALTER_PARTITION, table["db_name"], table["table_name"],
                        [DiffItem("partition_renamed", old_name, old_name, new_name), *partition_diff(before, after)],
                        before={"table": table, "partitions": [partition_doc(before, False)]},
                        after={"table": table, "partitions": [partition_doc(after, False)]})


# -- functions ------------------------------------------------------------------------------------

def function_created(fn: Function) -> ChangeRecord:
    return ChangeRecord(CREATE_FUNCTION, fn.db_name, None, [DiffItem("function_created", fn.function_name)],
                        after=to_doc(fn))


def function_altered(before: Function, after: Function) -> ChangeRecord | None:
    if {**to_doc(before), "create_time": 0} == {**to_doc(after), "create_time": 0}:
        return None
    return ChangeRecord(ALTER_FUNCTION, after.db_name, None, [DiffItem("function_altered", after.function_name)],
                        to_doc(before), to_doc(after))


def function_dropped(fn: Function) -> ChangeRecord:
    return ChangeRecord(DROP_FUNCTION, fn.db_name, None, [DiffItem("function_dropped", fn.function_name)],
                        before=to_doc(fn))
