"""Apply: carry out a plan against a target, counting what changed.

A table's items are one unit: one store transaction on metahive's own catalog, so a failure or a
kill leaves the table as it was; call by call over Thrift (a table created by this run whose
partitions then fail to register is dropped again, and a re-run completes what a kill left).
The error stops the run and is reported with the item it hit. See docs/reliability.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from crawlers.liveness import pause_point
from crawlers.plan import Plan, PlanItem
from crawlers.table_batches import by_table
from crawlers.targets import Target


class ApplyError(Exception):
    def __init__(self, item: PlanItem, cause: Exception, applied: Metrics) -> None:
        super().__init__(f"{item.action} {item.table} failed: {_describe(cause)}")
        self.item, self.cause, self.applied = item, cause, applied


def _describe(e: Exception) -> str:
    message = getattr(e, "message", None)
    return f"{type(e).__name__}: {message}" if message else f"{type(e).__name__}: {e}"


@dataclass
class Metrics:
    tables_created: int = 0
    tables_updated: int = 0
    tables_deprecated: int = 0
    tables_deleted: int = 0
    partitions_created: int = 0
    partitions_updated: int = 0
    partitions_deprecated: int = 0
    partitions_deleted: int = 0
    written: list[str] = field(default_factory=list)  # tables whose definition this run wrote

    def to_json(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if k != "written"}


def apply(plan: Plan, target: Target, on_item: Callable[[PlanItem], None] | None = None) -> Metrics:
    """Apply each table's items as one unit (``crawlers.table_batches``); stop at the first failure."""
    m = Metrics()
    db = plan.database
    target.ensure_database(db)
    for group in by_table(plan.items):
        done = Metrics()  # counted into m only once the table's unit is committed
        item = group[0]
        try:
            with target.table_transaction():
                for item in group:
                    _apply_item(item, target, db, done)
                    pause_point("applying, uncommitted")  # tests only: a kill inside a table's unit
        except Exception as e:
            if done.tables_created and not target.atomic:  # a call-by-call target keeps what it wrote
                try:
                    target.drop_table(db, item.table)
                except Exception:  # noqa: S110 - the original error is the one to report
                    pass
            raise ApplyError(item, e, m) from e
        _add(m, done)
        if on_item is not None:
            for item in group:
                on_item(item)
    return m


def _add(total: Metrics, part: Metrics) -> None:
    for k, v in part.to_json().items():
        setattr(total, k, getattr(total, k) + v)
    total.written += part.written


def _apply_item(item: PlanItem, target: Target, db: str, m: Metrics) -> None:
    match item.action:
        case "create_table":
            target.create_table(item.definition)
            m.tables_created += 1
            m.written.append(item.table)
        case "update_table":
            target.alter_table(item.definition)
            m.tables_updated += 1
            m.written.append(item.table)
        case "deprecate_table":
            target.alter_table(item.definition)
            m.tables_deprecated += 1
        case "delete_table":
            target.drop_table(db, item.table)
            m.tables_deleted += 1
        case "add_partitions":
            target.add_partitions(db, item.table, item.parts)
            m.partitions_created += len(item.parts)
        case "update_partitions":
            target.alter_partitions(db, item.table, item.parts)
            m.partitions_updated += len(item.parts)
        case "deprecate_partitions":
            target.alter_partitions(db, item.table, item.parts)
            m.partitions_deprecated += len(item.parts)
        case "delete_partitions":
            target.drop_partitions(db, item.table, item.partitions)
            m.partitions_deleted += len(item.partitions)
        case other:
            raise ValueError(f"unknown plan action {other}")
