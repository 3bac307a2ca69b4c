"""``get_partition_values`` (Hive 3+): the distinct value tuples of some partition keys.

What ``hive-metastore-client``'s convenience API and Hive's ``SHOW PARTITIONS``-style tools ask:
for each partition (optionally filtered with the partition-filter grammar), the values of the
requested keys, de-duplicated unless ``applyDistinct`` is false, ordered by ``partitionOrder``
(ascending unless ``ascending`` is false; string order), at most ``maxParts`` rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from metastore.exceptions import MetaError
from metastore.names import partition_values_from_name

if TYPE_CHECKING:
    from metastore.hms.service import HiveMetastore


def _indexes(what: str, table_keys: list[str], asked: Sequence[str]) -> list[int]:
    missing = [k for k in asked if k.lower() not in table_keys]
    if missing:
        raise MetaError(
            f"{what} names {', '.join(missing)}, not partition keys of the table ({', '.join(table_keys) or 'none'})"
        )
    return [table_keys.index(k.lower()) for k in asked]


def partition_values(
    ms: HiveMetastore, db: str, table: str, keys: Sequence[str], filter_text: str | None = None,
    distinct: bool = True, order: Sequence[str] = (), ascending: bool = True, max_rows: int = -1,
) -> list[list[str]]:
    t = ms.get_table(db, table)
    table_keys = [k.name for k in t.partition_keys]
    if not keys:
        raise MetaError("get_partition_values needs at least one partition key in partitionKeys")
    wanted = _indexes("partitionKeys", table_keys, keys)
    order_idx = _indexes("partitionOrder", table_keys, order)
    if filter_text:
        names = ms.get_partition_names_by_filter(db, table, filter_text)
    else:
        names = ms.get_partition_names(db, table)
    full = [partition_values_from_name(n, table_keys) for n in names]
    if order_idx:
        full.sort(key=lambda values: [values[i] for i in order_idx], reverse=not ascending)
    rows = [[values[i] for i in wanted] for values in full]
    if distinct:
        rows = [list(r) for r in dict.fromkeys(tuple(r) for r in rows)]
    return rows if max_rows is None or max_rows < 0 else rows[:max_rows]
