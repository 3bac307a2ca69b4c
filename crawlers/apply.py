"""Apply: carry out a plan against a target, counting what changed.

Each item is one or a few catalog calls (each a transaction on the server). A table created by
this run whose partitions then fail to register is dropped again, so a failed run never leaves a
half-registered table behind; the error stops the run and is reported with the item it hit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from crawlers.plan import Plan, PlanItem
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
    m = Metrics()
    db = plan.database
    created: set[str] = set()
    target.ensure_database(db)
    for item in plan.items:
        if not item.writes:
            continue
        try:
            match item.action:
                case "create_table":
                    target.create_table(item.definition)
                    created.add(item.table)
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
        except Exception as e:
            if item.table in created and item.action != "create_table":
                try:
                    target.drop_table(db, item.table)
                    m.tables_created -= 1
                    m.written.remove(item.table)
                except Exception:  # noqa: S110 - the original error is the one to report
                    pass
            raise ApplyError(item, e, m) from e
        if on_item is not None:
            on_item(item)
    return m
