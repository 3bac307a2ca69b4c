"""Thrift methods for column statistics: structs <-> ``metastore.column_stats`` values.

A mixin of ``ThriftHandler``: it expects ``self.ms`` (the HiveMetastore) and ``self.t`` (the
thriftpy2 module). The ``ColumnStatisticsData`` union is converted generically from the IDL, so
every kind (boolean, long, double, string, binary, decimal, date, timestamp) takes the same path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from thriftpy2.thrift import TType

from metastore.column_stats import KINDS, ColumnStats, StatsOwner
from metastore.exceptions import InvalidInputError, NoSuchObjectError
from metastore.names import check_catalog

if TYPE_CHECKING:
    from metastore.hms.service import HiveMetastore


def _struct_to_dict(obj: Any) -> dict[str, Any]:
    result = {}
    for spec in type(obj).thrift_spec.values():
        value = getattr(obj, spec[1])
        if value is None:
            continue
        result[spec[1]] = _struct_to_dict(value) if spec[0] == TType.STRUCT else value
    return result


def _dict_to_struct(cls: type, data: dict[str, Any]) -> Any:
    kwargs = {}
    for spec in cls.thrift_spec.values():
        value = data.get(spec[1])
        if value is not None and spec[0] == TType.STRUCT:
            value = _dict_to_struct(spec[2], value)
        kwargs[spec[1]] = value
    return cls(**kwargs)


class StatisticsMethods:
    ms: HiveMetastore
    t: Any

    # -- conversion -------------------------------------------------------------------------------

    def _stats_in(self, obj: Any) -> ColumnStats:
        data = obj.statsData
        kind = next((k for k in KINDS if data is not None and getattr(data, k, None) is not None), "")
        values = _struct_to_dict(getattr(data, kind)) if kind else {}
        return ColumnStats(obj.colName or "", obj.colType or "", kind, values)

    def _stats_out(self, stats: ColumnStats) -> Any:
        """The reply form. Bit vectors (NDV sketches) stay on the server: Hive 2.3 declares them as
        ``string`` and its Python bindings fail to decode sketch bytes; planners use ``numDVs``."""
        kind_cls = next(spec[2] for spec in self.t.ColumnStatisticsData.thrift_spec.values() if spec[1] == stats.kind)
        data = {k: v for k, v in stats.data.items() if k != "bitVectors"}
        union = self.t.ColumnStatisticsData(**{stats.kind: _dict_to_struct(kind_cls, data)})
        return self.t.ColumnStatisticsObj(colName=stats.col_name, colType=stats.col_type, statsData=union)

    def _stats_list(self, stats: Sequence[ColumnStats]) -> list[Any]:
        return [self._stats_out(s) for s in stats]

    def _batch(self, col_stats: Any, partition_level: bool | None = None) -> tuple[StatsOwner, list[ColumnStats]]:
        if col_stats is None or col_stats.statsDesc is None:
            raise InvalidInputError("ColumnStatistics without statsDesc; say which table (and partition) they describe")
        desc = col_stats.statsDesc
        check_catalog(desc.catName)
        table_level = bool(desc.isTblLevel) if partition_level is None else not partition_level
        if not table_level and not desc.partName:
            raise InvalidInputError(
                f"Partition statistics for {desc.dbName}.{desc.tableName} without partName; "
                "name the partition (k1=v1/k2=v2) or send isTblLevel=true"
            )
        owner = StatsOwner(desc.dbName, desc.tableName, None if table_level else desc.partName, desc.lastAnalyzed)
        return owner, [self._stats_in(o) for o in col_stats.statsObj or []]

    # -- writes -----------------------------------------------------------------------------------

    def update_table_column_statistics(self, stats_obj: Any) -> bool:
        self.ms.statistics.update([self._batch(stats_obj, partition_level=False)], getattr(stats_obj, "engine", None))
        return True

    def update_partition_column_statistics(self, stats_obj: Any) -> bool:
        self.ms.statistics.update([self._batch(stats_obj, partition_level=True)], getattr(stats_obj, "engine", None))
        return True

    def _update_req(self, req: Any, partition_level: bool | None) -> None:
        batches = [self._batch(cs, partition_level) for cs in req.colStats or []]
        self.ms.statistics.update(batches, req.engine, need_merge=bool(req.needMerge))

    def update_table_column_statistics_req(self, req: Any) -> Any:
        self._update_req(req, False)
        return self.t.SetPartitionsStatsResponse(result=True)

    def update_partition_column_statistics_req(self, req: Any) -> Any:
        self._update_req(req, True)
        return self.t.SetPartitionsStatsResponse(result=True)

    def set_aggr_stats_for(self, request: Any) -> bool:
        self._update_req(request, None)
        return True

    # -- reads ------------------------------------------------------------------------------------

    def _column_statistics(self, db: str, table: str, part_name: str | None, stats: list[ColumnStats]) -> Any:
        desc = self.t.ColumnStatisticsDesc(isTblLevel=part_name is None, dbName=db.lower(), tableName=table.lower(),
                                           partName=part_name, catName="hive")
        return self.t.ColumnStatistics(statsDesc=desc, statsObj=self._stats_list(stats))

    def get_table_column_statistics(self, db_name: str, tbl_name: str, col_name: str) -> Any:
        return self._column_statistics(db_name, tbl_name, None,
                                       self.ms.statistics.get_table_column(db_name, tbl_name, col_name or ""))

    def get_partition_column_statistics(self, db_name: str, tbl_name: str, part_name: str, col_name: str) -> Any:
        stats = self.ms.statistics.get_partition_column(db_name, tbl_name, part_name or "", col_name or "")
        return self._column_statistics(db_name, tbl_name, part_name, stats)

    def get_table_statistics_req(self, request: Any) -> Any:
        check_catalog(request.catName)
        stats = self.ms.statistics.get_table(request.dbName, request.tblName, request.colNames or [],
                                             getattr(request, "engine", None))
        return self.t.TableStatsResult(tableStats=self._stats_list(stats))

    def get_partitions_statistics_req(self, request: Any) -> Any:
        check_catalog(request.catName)
        by_part = self.ms.statistics.get_partitions(request.dbName, request.tblName, request.partNames or [],
                                                    request.colNames or [], getattr(request, "engine", None))
        return self.t.PartitionsStatsResult(partStats={n: self._stats_list(s) for n, s in by_part.items()})

    def get_aggr_stats_for(self, request: Any) -> Any:
        check_catalog(request.catName)
        stats, found = self.ms.statistics.aggregate(request.dbName, request.tblName, request.partNames or [],
                                                    request.colNames or [], getattr(request, "engine", None))
        return self.t.AggrStats(colStats=self._stats_list(stats), partsFound=found)

    # -- deletes ----------------------------------------------------------------------------------

    def delete_table_column_statistics(self, db_name: str, tbl_name: str, col_name: str | None,
                                       engine: str | None = None) -> bool:
        self.ms.statistics.delete_table(db_name, tbl_name, col_name, engine)
        return True

    def delete_partition_column_statistics(self, db_name: str, tbl_name: str, part_name: str, col_name: str | None,
                                           engine: str | None = None) -> bool:
        if not part_name:
            raise NoSuchObjectError(f"No partition named for {db_name}.{tbl_name}; pass part_name as k1=v1/k2=v2")
        self.ms.statistics.delete_partition(db_name, tbl_name, part_name, col_name, engine)
        return True
