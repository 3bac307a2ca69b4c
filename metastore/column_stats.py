"""Column statistics in the domain: one value per column of a table or partition, and how two merge.

A statistic is the Hive ``ColumnStatisticsObj``: a column name and type plus exactly one member of
the ``ColumnStatisticsData`` union (``kind``, e.g. ``longStats``) whose fields are kept under their
Thrift names in ``data``. Nested values are plain dicts (``Decimal`` -> ``{"scale", "unscaled"}``,
``Date`` -> ``{"daysSinceEpoch"}``, ``Timestamp`` -> ``{"secondsSinceEpoch"}``) and ``bitVectors`` are
bytes, so the store can keep a statistic as one JSON document whatever its kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

DEFAULT_ENGINE = "hive"

# ColumnStatisticsData members, in union field-id order (1..8).
KINDS = (
    "booleanStats", "longStats", "doubleStats", "stringStats",
    "binaryStats", "decimalStats", "dateStats", "timestampStats",
)

# The fields each kind requires (Java clients validate() what they decode).
REQUIRED = {
    "booleanStats": ("numTrues", "numFalses", "numNulls"),
    "longStats": ("numNulls", "numDVs"),
    "doubleStats": ("numNulls", "numDVs"),
    "stringStats": ("maxColLen", "avgColLen", "numNulls", "numDVs"),
    "binaryStats": ("maxColLen", "avgColLen", "numNulls"),
    "decimalStats": ("numNulls", "numDVs"),
    "dateStats": ("numNulls", "numDVs"),
    "timestampStats": ("numNulls", "numDVs"),
}


@dataclass(slots=True)
class ColumnStats:
    """Statistics of one column (of a table, or of one partition)."""

    col_name: str
    col_type: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class StatsOwner:
    """Whose statistics a batch is: a table (``part_name`` None) or one of its partitions."""

    db_name: str
    table_name: str
    part_name: str | None = None
    last_analyzed: int | None = None


def _sort_key(kind: str, value: Any) -> Any:
    """A comparable form of a low/high value of ``kind``."""
    if kind == "decimalStats":
        unscaled = int.from_bytes(value["unscaled"], "big", signed=True)
        return Decimal(unscaled).scaleb(-int(value["scale"]))
    if kind == "dateStats":
        return value["daysSinceEpoch"]
    if kind == "timestampStats":
        return value["secondsSinceEpoch"]
    return value


def _pick(kind: str, a: Any, b: Any, high: bool) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    ka, kb = _sort_key(kind, a), _sort_key(kind, b)
    return (a if ka >= kb else b) if high else (a if ka <= kb else b)


def merge(old: ColumnStats, new: ColumnStats) -> ColumnStats:
    """The statistics of the union of the rows ``old`` and ``new`` describe (Hive's mergers' rules).

    Counts of nulls, trues and falses add up; bounds widen; lengths and distinct counts take the
    larger value (a lower bound of the true count: distinct values may overlap). Bit vectors are
    dropped rather than merged, since a stale sketch would be wrong. Statistics of different kinds
    (the column's type changed) do not merge: the new ones win.
    """
    if old.kind != new.kind:
        return new
    a, b, kind = old.data, new.data, new.kind
    data: dict[str, Any] = {}
    for key in ("numNulls", "numTrues", "numFalses"):
        if key in a or key in b:
            data[key] = (a.get(key) or 0) + (b.get(key) or 0)
    for key in ("numDVs", "maxColLen", "avgColLen"):
        if key in a or key in b:
            data[key] = max(a.get(key) or 0, b.get(key) or 0)
    for key, high in (("lowValue", False), ("highValue", True)):
        value = _pick(kind, a.get(key), b.get(key), high)
        if value is not None:
            data[key] = value
    return ColumnStats(new.col_name, new.col_type, kind, data)


def aggregate(stats: list[ColumnStats]) -> ColumnStats:
    """One column's statistics over several partitions (``get_aggr_stats_for``)."""
    result = stats[0]
    for s in stats[1:]:
        result = merge(result, s)
    return result
