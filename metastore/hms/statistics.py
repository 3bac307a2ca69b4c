"""What the column-statistics calls mean: validation, defaults and the errors clients see.

Trino writes statistics after CTAS/INSERT/ANALYZE (``update_*_column_statistics``) and reads them
while planning (``get_table_statistics_req``, ``get_partitions_statistics_req``); Hive also merges
(``set_aggr_stats_for`` with ``needMerge``) and aggregates over partitions (``get_aggr_stats_for``).
Statistics are per column and per engine (Hive 4's ``engine``; older clients send none: ``hive``).
Only columns of the table's storage descriptor can carry statistics, as in Hive.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from metastore.column_stats import DEFAULT_ENGINE, KINDS, REQUIRED, ColumnStats, StatsOwner, aggregate, merge
from metastore.exceptions import InvalidInputError, MetaError, NoSuchObjectError
from metastore.names import lookup_name, split_catalog_prefix

if TYPE_CHECKING:
    from metastore.hms.service import HiveMetastore
    from metastore.model import Table
    from metastore.store.sql_statistics import SqlStatistics


def _engine(engine: str | None) -> str:
    return (engine or DEFAULT_ENGINE).lower()


def _names(db: str | None, table: str | None) -> tuple[str, str]:
    return lookup_name(split_catalog_prefix(db)), lookup_name(table)


class HiveStatistics:
    """Column statistics of tables and partitions."""

    def __init__(self, metastore: HiveMetastore) -> None:
        self.ms = metastore
        self.store: SqlStatistics = metastore.catalog.statistics_store()

    # -- writes -----------------------------------------------------------------------------------

    def _validated(self, table: Table, stats: Sequence[ColumnStats]) -> list[ColumnStats]:
        what = f"{table.db_name}.{table.table_name}"
        columns = {c.name: c.type for c in table.sd.cols}
        result: dict[str, ColumnStats] = {}
        for s in stats:
            name = (s.col_name or "").lower()
            if name not in columns:
                raise MetaError(
                    f"Column {name or '(none)'} doesn't exist in table {what}; statistics can only be set for "
                    f"its columns ({', '.join(columns) or 'none'})"
                )
            if s.kind not in KINDS:
                raise InvalidInputError(
                    f"Statistics for column {name} of {what} carry no statsData; set exactly one of {', '.join(KINDS)}"
                )
            missing = [f for f in REQUIRED[s.kind] if s.data.get(f) is None]
            if missing:
                raise InvalidInputError(
                    f"{s.kind} for column {name} of {what} lacks required field(s) {', '.join(missing)}"
                )
            result[name] = ColumnStats(name, (s.col_type or columns[name]).lower(), s.kind, dict(s.data))
        return list(result.values())

    def update(self, batches: Sequence[tuple[StatsOwner, Sequence[ColumnStats]]], engine: str | None = None,
               need_merge: bool = False) -> None:
        """Set statistics; each batch is one table's or one partition's. One transaction per table."""
        by_table: dict[tuple[str, str], list[tuple[StatsOwner, Sequence[ColumnStats]]]] = {}
        for owner, stats in batches:
            by_table.setdefault(_names(owner.db_name, owner.table_name), []).append((owner, stats))
        merge_fn = merge if need_merge else None
        engine = _engine(engine)
        for (db, name), group in by_table.items():
            try:
                table = self.ms.get_table(db, name)
            except NoSuchObjectError:
                raise NoSuchObjectError(f"Table {db}.{name} for which stats is gathered doesn't exist") from None
            now = int(time.time())
            for owner, stats in group:
                if owner.part_name is None:
                    self.store.put_table(db, name, self._validated(table, stats), engine,
                                         owner.last_analyzed or now, merge_fn)
            parts: dict[str, list[ColumnStats]] = {}
            analyzed = now
            for owner, stats in group:
                if owner.part_name is not None:
                    if not table.partition_keys:
                        raise InvalidInputError(
                            f"Table {db}.{name} is not partitioned; send its statistics with isTblLevel=true"
                        )
                    parts.setdefault(owner.part_name, []).extend(self._validated(table, stats))
                    analyzed = owner.last_analyzed or analyzed
            if parts:
                self.store.put_partitions(db, name, parts, engine, analyzed, merge_fn)

    # -- reads ------------------------------------------------------------------------------------

    def get_table(self, db: str, table: str, cols: Sequence[str] | None, engine: str | None = None) -> list[ColumnStats]:
        db, table = _names(db, table)
        return self.store.get_table(db, table, [c.lower() for c in cols] if cols is not None else None, _engine(engine))

    def get_table_column(self, db: str, table: str, col: str) -> list[ColumnStats]:
        found = self.get_table(db, table, [col])
        if not found:
            raise NoSuchObjectError(f"No statistics for column {col.lower()} of {_names(db, table)[0]}.{lookup_name(table)}")
        return found

    def get_partitions(self, db: str, table: str, part_names: Sequence[str], cols: Sequence[str] | None,
                       engine: str | None = None) -> dict[str, list[ColumnStats]]:
        db, table = _names(db, table)
        if not part_names:
            return {}
        lowered = [c.lower() for c in cols] if cols is not None else None
        return self.store.get_partitions(db, table, part_names, lowered, _engine(engine))

    def get_partition_column(self, db: str, table: str, part_name: str, col: str) -> list[ColumnStats]:
        found = next(iter(self.get_partitions(db, table, [part_name], [col]).values()), None)  # one partition
        if not found:
            raise NoSuchObjectError(
                f"No statistics for column {col.lower()} of partition {part_name} of {'.'.join(_names(db, table))}"
            )
        return found

    def aggregate(self, db: str, table: str, part_names: Sequence[str], cols: Sequence[str],
                  engine: str | None = None) -> tuple[list[ColumnStats], int]:
        """Per column, the statistics merged over the partitions; and how many partitions had them all."""
        by_part = self.get_partitions(db, table, part_names, cols, engine)
        wanted = [c.lower() for c in cols]
        per_col: dict[str, list[ColumnStats]] = {c: [] for c in wanted}
        complete = 0
        for stats in by_part.values():
            names = {s.col_name for s in stats}
            complete += all(c in names for c in wanted)
            for s in stats:
                per_col[s.col_name].append(s)
        return [aggregate(per_col[c]) for c in wanted if per_col[c]], complete

    # -- deletes ----------------------------------------------------------------------------------

    def delete_table(self, db: str, table: str, col: str | None, engine: str | None = None) -> None:
        db, table = _names(db, table)
        col = col.lower() if col else None
        if not self.store.delete_table(db, table, col, _engine(engine)) and col is not None:
            raise NoSuchObjectError(f"Column stats doesn't exist for db={db} table={table} col={col}")

    def delete_partition(self, db: str, table: str, part_name: str, col: str | None, engine: str | None = None) -> None:
        db, table = _names(db, table)
        col = col.lower() if col else None
        if not self.store.delete_partition(db, table, part_name, col, _engine(engine)) and col is not None:
            raise NoSuchObjectError(
                f"Column stats doesn't exist for db={db} table={table} partition={part_name} col={col}"
            )
