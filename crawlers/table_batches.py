"""A plan's writes grouped per table, in the order that keeps every intermediate state readable.

Each group is applied as one unit: in one store transaction where the target can (metahive's own
catalog), else call by call. For the call-by-call case (a Hive metastore over Thrift) the order
matters: a changed table definition (schema, location, deprecation) is written after the table's
partition changes, so a reader sees the old definition with more partitions rather than a new
definition whose partitions are missing; a new table gets its partitions right after its creation.
"""

from __future__ import annotations

from collections.abc import Iterable

from crawlers.plan import PlanItem

_DEFINITION_CHANGES = ("update_table", "deprecate_table")
_LIFECYCLE = ("create_table", "delete_table")


def by_table(items: Iterable[PlanItem]) -> list[list[PlanItem]]:
    """Writing items per table (tables in plan order); definition changes after partition changes."""
    groups: dict[str, list[PlanItem]] = {}
    for item in items:
        if item.writes:
            groups.setdefault(item.table, []).append(item)
    out = []
    for group in groups.values():
        if not any(i.action in _LIFECYCLE for i in group):
            group = ([i for i in group if i.action not in _DEFINITION_CHANGES]
                     + [i for i in group if i.action in _DEFINITION_CHANGES])
        out.append(group)
    return out
