"""Partition filters (parsed Hive filter grammar or partial value specs) as SQL over indexed values."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from metastore.exceptions import MetaError
from metastore.hive_types import is_integral
from metastore.model import FieldSchema
from metastore.partition_filter import And, Compare, Expr, Like, Not, Or, like_to_sql, referenced_keys
from metastore.store.schema import partition_values

_OPS = {
    "=": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
    "<": lambda c, v: c < v,
    "<=": lambda c, v: c <= v,
    ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v,
}


_VALUE_ALIASES: dict[int, sa.Alias] = {}


def _value_alias(idx: int) -> sa.Alias:
    """One shared alias per key position: building an alias per call cost ~0.4 ms of column proxies."""
    alias = _VALUE_ALIASES.get(idx)
    if alias is None:
        alias = _VALUE_ALIASES[idx] = partition_values.alias(f"pv{idx}")
    return alias


_JOINS: dict[tuple[sa.Table, tuple[int, ...]], sa.FromClause] = {}


def _joined(part: sa.Table, positions: tuple[int, ...]) -> sa.FromClause:
    """Partitions joined with one value row per key position (built once per shape, then reused)."""
    clause = _JOINS.get((part, positions))
    if clause is None:
        clause = part
        for idx in positions:
            alias = _value_alias(idx)
            # tbl_id too, so the (tbl_id, idx, value|num) indexes drive the lookup at 1M partitions.
            clause = clause.join(alias, sa.and_(
                alias.c.part_id == part.c.id, alias.c.idx == idx, alias.c.tbl_id == part.c.tbl_id))
        _JOINS[(part, positions)] = clause
    return clause


class PartitionQuery:
    """Joins one aliased ``mh_partition_values`` row per key a condition mentions."""

    def __init__(self, part_table: sa.Table, keys: Sequence[FieldSchema]) -> None:
        self.part = part_table
        self.keys = [k.name.lower() for k in keys]
        self.types = {k.name.lower(): k.type for k in keys}
        self._aliases: dict[int, sa.Alias] = {}

    def value_alias(self, key: str) -> tuple[sa.Alias, bool]:
        if key not in self.types:
            raise MetaError(
                f"Filter refers to '{key}', which is not a partition key; partition keys are: "
                + (", ".join(self.keys) or "(none)")
            )
        idx = self.keys.index(key)
        if idx not in self._aliases:
            self._aliases[idx] = _value_alias(idx)
        return self._aliases[idx], is_integral(self.types[key])

    def from_clause(self) -> sa.FromClause:
        return _joined(self.part, tuple(sorted(self._aliases)))

    def condition(self, expr: Expr) -> sa.ColumnElement[bool]:
        if isinstance(expr, Compare):
            alias, integral = self.value_alias(expr.key)
            if integral:
                try:
                    number = int(expr.value)
                except (TypeError, ValueError):
                    raise MetaError(
                        f"Filter compares integer partition key '{expr.key}' with '{expr.value}', "
                        "which is not an integer"
                    ) from None
                return _OPS[expr.op](alias.c.num, number)
            return _OPS[expr.op](alias.c.value, str(expr.value))
        if isinstance(expr, Like):
            alias, _ = self.value_alias(expr.key)
            return alias.c.value.like(like_to_sql(expr.pattern), escape="\\")
        if isinstance(expr, And):
            return sa.and_(*(self.condition(e) for e in expr.items))
        if isinstance(expr, Or):
            return sa.or_(*(self.condition(e) for e in expr.items))
        if isinstance(expr, Not):
            return sa.not_(self.condition(expr.item))
        raise MetaError(f"Unsupported filter expression {expr!r}")

    def filter_condition(self, expr: Expr | None) -> sa.ColumnElement[bool] | None:
        if expr is None:
            return None
        for key in sorted(referenced_keys(expr)):
            self.value_alias(key)
        return self.condition(expr)

    def spec_condition(self, values: Sequence[str | None]) -> sa.ColumnElement[bool] | None:
        """Partial spec: a value per leading key, ``""``/None or a missing tail meaning any value."""
        if len(values) > len(self.keys):
            raise MetaError(
                f"Incorrect number of partition values: got {len(values)}, the table has "
                f"{len(self.keys)} partition keys ({', '.join(self.keys)})"
            )
        conditions = []
        for key, value in zip(self.keys, values, strict=False):
            if value:
                alias, _ = self.value_alias(key)
                conditions.append(alias.c.value == value)
        return sa.and_(*conditions) if conditions else None
