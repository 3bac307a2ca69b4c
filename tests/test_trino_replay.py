"""Replays the Thrift calls Trino's Hive connector makes, in Trino's order, and checks each answer.

Trino speaks the Hive 3 IDL (``hive-metastore-client``'s bindings here) and opens a new connection
for every metastore call (``ThriftHiveMetastore`` wraps each in try-with-resources), so ``Trino``
below does the same. The sequences follow ``ThriftHiveMetastoreClient`` / ``ThriftHiveMetastore``
(see /work/shared/reference/hms-clients.md §2): SHOW SCHEMAS / SHOW TABLES, DESCRIBE, a SELECT on a
partitioned table with a partition predicate (partition pruning by ``get_partition_names_ps``,
batched ``get_partitions_by_names``, planning statistics), INSERT into a new partition and CREATE
TABLE AS (statistics written back), including ``get_table_req`` and its ``get_table`` fallback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import thrift_files.libraries.thrift_hive_metastore_client.ttypes as T
from thrift.protocol import TBinaryProtocol
from thrift.Thrift import TApplicationException, TException
from thrift.transport import TSocket, TTransport
from thrift_files.libraries.thrift_hive_metastore_client import ThriftHiveMetastore

from tests.support.server import RunningServer

PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
PARQUET_IN = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
NO_STATS = {"DO_NOT_UPDATE_STATS": "true"}


class Trino:
    """The calls of Trino's ``ThriftHiveMetastoreClient``, each on its own connection."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.calls: list[str] = []
        self.get_table_alternative: str | None = None  # Trino caches the first call that worked

    @contextmanager
    def client(self) -> Iterator[Any]:
        sock = TSocket.TSocket(self.server.host, self.server.port)
        sock.setTimeout(20_000)
        transport = TTransport.TBufferedTransport(sock)
        transport.open()
        try:
            yield ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocol(transport))
        finally:
            transport.close()

    def call(self, method: str, *args: Any) -> Any:
        self.calls.append(method)
        with self.client() as c:
            return getattr(c, method)(*args)

    def get_table(self, db: str, name: str) -> T.Table:
        """``getTable``: get_table_req first; on any error but NoSuchObject, reconnect and get_table."""
        if self.get_table_alternative != "get_table":
            request = T.GetTableRequest(dbName=db, tblName=name,
                                        capabilities=T.ClientCapabilities([T.ClientCapability.INSERT_ONLY_TABLES]))
            try:
                table = self.call("get_table_req", request).table
                self.get_table_alternative = "get_table_req"
                return table
            except T.NoSuchObjectException:
                raise
            except TException:
                if self.get_table_alternative == "get_table_req":
                    raise
        table = self.call("get_table", db, name)
        self.get_table_alternative = "get_table"
        return table


@pytest.fixture
def trino(server: RunningServer) -> Trino:
    return Trino(server)


_seq = iter(range(1, 10_000))


def _schema(trino: Trino) -> str:
    """A schema as Trino's CREATE SCHEMA makes it: no location (the metastore chooses it)."""
    name = f"trino_{next(_seq)}"
    trino.call("create_database", T.Database(name=name, description=None, locationUri=None, parameters={},
                                             ownerName="trino", ownerType=T.PrincipalType.USER))
    return name


def _table(db: str, name: str, cols: list[tuple[str, str]], keys: list[tuple[str, str]], location: str | None = None,
           params: dict[str, str] | None = None) -> T.Table:
    """A table as Trino's HiveMetadata creates it (Parquet, owner, trino_query_id, MANAGED_TABLE)."""
    sd = T.StorageDescriptor(
        cols=[T.FieldSchema(n, t, None) for n, t in cols], location=location, inputFormat=PARQUET_IN,
        outputFormat=PARQUET_OUT, compressed=False, numBuckets=0,
        serdeInfo=T.SerDeInfo(name=name, serializationLib=PARQUET_SERDE, parameters={}),
        bucketCols=[], sortCols=[], parameters={}, skewedInfo=T.SkewedInfo([], [], {}),
    )
    return T.Table(tableName=name, dbName=db, owner="trino", createTime=0, lastAccessTime=0, retention=0, sd=sd,
                   partitionKeys=[T.FieldSchema(n, t, None) for n, t in keys], tableType="MANAGED_TABLE",
                   parameters={"trino_version": "470", "trino_query_id": "q1", **(params or {})})


def _long(col: str, low: int, high: int, nulls: int, dvs: int) -> T.ColumnStatisticsObj:
    return T.ColumnStatisticsObj(col, "bigint", T.ColumnStatisticsData(
        longStats=T.LongColumnStatsData(lowValue=low, highValue=high, numNulls=nulls, numDVs=dvs)))


def _string(col: str, max_len: int, avg: float, nulls: int, dvs: int) -> T.ColumnStatisticsObj:
    return T.ColumnStatisticsObj(col, "string", T.ColumnStatisticsData(
        stringStats=T.StringColumnStatsData(maxColLen=max_len, avgColLen=avg, numNulls=nulls, numDVs=dvs)))


def _desc(db: str, table: str, part: str | None = None) -> T.ColumnStatisticsDesc:
    return T.ColumnStatisticsDesc(isTblLevel=part is None, dbName=db, tableName=table, partName=part,
                                  lastAnalyzed=1_700_000_000)


def _orders(trino: Trino) -> str:
    """A partitioned table ``orders(id bigint, item string) PARTITIONED BY (ds string)`` with 3 partitions."""
    db = _schema(trino)
    trino.call("create_table", _table(db, "orders", [("id", "bigint"), ("item", "string")], [("ds", "string")]))
    table = trino.get_table(db, "orders")
    parts = [T.Partition(values=[ds], dbName=db, tableName="orders", createTime=0, lastAccessTime=0,
                         sd=table.sd, parameters={"numRows": str(n), "numFiles": "1", "totalSize": str(100 * n)})
             for ds, n in (("2024-01-01", 10), ("2024-01-02", 20), ("2024-01-03", 30))]
    for p in parts:
        p.sd.location = None
    assert trino.call("add_partitions", parts) == 3
    for ds, low in (("2024-01-01", 1), ("2024-01-02", 11), ("2024-01-03", 31)):
        assert trino.call("update_partition_column_statistics", T.ColumnStatistics(
            _desc(db, "orders", f"ds={ds}"), [_long("id", low, low + 9, 0, 10), _string("item", 8, 4.5, 1, 3)]))
    return db


def test_show_schemas_and_tables(trino):
    db = _orders(trino)
    trino.call("create_table", _table(db, "v", [("x", "bigint")], [], params={"presto_view": "true"}))
    trino.calls.clear()
    assert {"default", db} <= set(trino.call("get_all_databases"))  # SHOW SCHEMAS
    assert trino.call("get_database", db).locationUri.endswith(f"/{db}.db")
    metas = trino.call("get_table_meta", db, "*", [])  # SHOW TABLES / information_schema.tables
    assert [(m.dbName, m.tableName, m.tableType) for m in metas] == [(db, "orders", "MANAGED_TABLE"),
                                                                     (db, "v", "MANAGED_TABLE")]
    # Older Trino lists views through get_tables_by_type, then parameter filters.
    assert trino.call("get_all_tables", db) == ["orders", "v"]
    assert trino.call("get_tables_by_type", db, ".*", "VIRTUAL_VIEW") == []
    assert trino.call("get_table_names_by_filter", db, 'hive_filter_field_params__presto_view = "true"', -1) == ["v"]
    assert trino.calls == ["get_all_databases", "get_database", "get_table_meta", "get_all_tables",
                           "get_tables_by_type", "get_table_names_by_filter"]


def test_describe_uses_get_table_req(trino):
    db = _orders(trino)
    trino.calls.clear()
    table = trino.get_table(db, "orders")  # DESCRIBE orders
    assert trino.calls == ["get_table_req"] and trino.get_table_alternative == "get_table_req"
    assert [(c.name, c.type) for c in table.sd.cols] == [("id", "bigint"), ("item", "string")]
    assert [(k.name, k.type) for k in table.partitionKeys] == [("ds", "string")]
    assert (table.owner, table.tableType, table.parameters["trino_query_id"]) == ("trino", "MANAGED_TABLE", "q1")
    assert table.sd.serdeInfo.serializationLib == PARQUET_SERDE
    assert table.sd.location.endswith(f"/{db}.db/orders")
    with pytest.raises(T.NoSuchObjectException) as info:  # not a reason to fall back: "table not found"
        trino.get_table(db, "nosuch")
    assert info.value.message == f"{db}.nosuch table not found"
    assert trino.calls == ["get_table_req", "get_table_req"]


def test_get_table_fallback_answers_the_same(trino):
    """A server without get_table_req makes Trino fall back to get_table: both must agree."""
    db = _orders(trino)
    via_req = trino.get_table(db, "orders")
    with trino.client() as c:  # the failure that triggers the fallback: an unknown method
        with pytest.raises(TApplicationException) as info:
            c._oprot.writeMessageBegin("get_table_req_v2", 1, 1)  # noqa: SLF001 - a method no server has
            c._oprot.writeStructBegin("args")  # noqa: SLF001
            c._oprot.writeFieldStop()  # noqa: SLF001
            c._oprot.writeStructEnd()  # noqa: SLF001
            c._oprot.writeMessageEnd()  # noqa: SLF001
            c._oprot.trans.flush()  # noqa: SLF001
            c._iprot.readMessageBegin()  # noqa: SLF001
            error = TApplicationException()
            error.read(c._iprot)  # noqa: SLF001
            raise error
        assert info.value.type == TApplicationException.UNKNOWN_METHOD
    trino.get_table_alternative = "get_table"  # what Trino caches after such a failure
    trino.calls.clear()
    via_get_table = trino.get_table(db, "orders")
    assert trino.calls == ["get_table"]
    assert via_get_table == via_req


def test_select_with_partition_predicate(trino):
    """SELECT ... FROM orders WHERE ds = '2024-01-02': pruning, partitions, then planning statistics."""
    db = _orders(trino)
    trino.calls.clear()
    table = trino.get_table(db, "orders")
    names = trino.call("get_partition_names_ps", db, "orders", ["2024-01-02"], -1)
    assert names == ["ds=2024-01-02"]
    parts = trino.call("get_partitions_by_names", db, "orders", names)
    assert [(p.values, p.parameters["numRows"]) for p in parts] == [(["2024-01-02"], "20")]
    assert parts[0].sd.location == f"{table.sd.location}/ds=2024-01-02"
    cols = [c.name for c in table.sd.cols]
    table_stats = trino.call("get_table_statistics_req", T.TableStatsRequest(dbName=db, tblName="orders", colNames=cols))
    assert table_stats.tableStats == []  # only partitions carry statistics here
    stats = trino.call("get_partitions_statistics_req", T.PartitionsStatsRequest(
        dbName=db, tblName="orders", colNames=cols, partNames=names)).partStats
    assert stats == {"ds=2024-01-02": [_long("id", 11, 20, 0, 10), _string("item", 8, 4.5, 1, 3)]}
    # No predicate: unconstrained names, all partitions.
    assert trino.call("get_partition_names_ps", db, "orders", [""], -1) == [
        "ds=2024-01-01", "ds=2024-01-02", "ds=2024-01-03"]
    assert trino.calls == ["get_table_req", "get_partition_names_ps", "get_partitions_by_names",
                           "get_table_statistics_req", "get_partitions_statistics_req", "get_partition_names_ps"]


def test_insert_into_new_partition(trino):
    """INSERT INTO orders VALUES (41, 'x', '2024-01-04'): a new partition plus its statistics."""
    db = _orders(trino)
    trino.calls.clear()
    table = trino.get_table(db, "orders")
    assert trino.call("get_partitions_by_names", db, "orders", ["ds=2024-01-04"]) == []  # new, not overwrite
    new = T.Partition(values=["2024-01-04"], dbName=db, tableName="orders", createTime=0, lastAccessTime=0,
                      sd=table.sd, parameters={"numRows": "1", "numFiles": "1", "totalSize": "321",
                                               "trino_query_id": "q2"})
    new.sd.location = f"{table.sd.location}/ds=2024-01-04"
    assert trino.call("add_partitions", [new]) == 1
    # updatePartitionStatistics: read current, write basic stats (alter_partition) and column stats.
    current = trino.call("get_partitions_statistics_req", T.PartitionsStatsRequest(
        dbName=db, tblName="orders", colNames=["id", "item"], partNames=["ds=2024-01-04"])).partStats
    assert current == {}
    stored = trino.call("get_partitions_by_names", db, "orders", ["ds=2024-01-04"])[0]
    stored.parameters["numRows"] = "1"
    trino.call("alter_partition", db, "orders", stored)
    assert trino.call("update_partition_column_statistics", T.ColumnStatistics(
        _desc(db, "orders", "ds=2024-01-04"), [_long("id", 41, 41, 0, 1), _string("item", 1, 1.0, 0, 1)]))
    assert trino.call("get_partition_names", db, "orders", -1)[-1] == "ds=2024-01-04"
    stats = trino.call("get_partitions_statistics_req", T.PartitionsStatsRequest(
        dbName=db, tblName="orders", colNames=["id"], partNames=["ds=2024-01-03", "ds=2024-01-04"])).partStats
    assert stats == {"ds=2024-01-03": [_long("id", 31, 40, 0, 10)], "ds=2024-01-04": [_long("id", 41, 41, 0, 1)]}
    with pytest.raises(T.AlreadyExistsException):  # a concurrent INSERT that lost the race
        trino.call("add_partitions", [new])


def test_create_table_as(trino):
    """CREATE TABLE totals AS SELECT ...: create, then table statistics (basic and per column)."""
    db = _orders(trino)
    trino.calls.clear()
    location = trino.call("get_database", db).locationUri
    with pytest.raises(T.NoSuchObjectException):
        trino.get_table(db, "totals")
    trino.call("create_table", _table(db, "totals", [("item", "string"), ("n", "bigint")], [],
                                      location=f"{location}/totals"))
    # updateTableStatistics: get_table_req, get_table_statistics_req, alter (basic), update (columns).
    table = trino.get_table(db, "totals")
    assert trino.call("get_table_statistics_req", T.TableStatsRequest(
        dbName=db, tblName="totals", colNames=["item", "n"])).tableStats == []
    table.parameters.update(numRows="3", numFiles="1", totalSize="512")
    trino.call("alter_table_with_environment_context", db, "totals", table, T.EnvironmentContext(NO_STATS))
    assert trino.call("update_table_column_statistics", T.ColumnStatistics(
        _desc(db, "totals"), [_string("item", 9, 5.0, 0, 3), _long("n", 10, 30, 0, 3)]))
    assert trino.calls == ["get_database", "get_table_req", "create_table", "get_table_req",
                           "get_table_statistics_req", "alter_table_with_environment_context",
                           "update_table_column_statistics"]
    # A later SELECT plans with what was written.
    again = trino.get_table(db, "totals")
    assert {k: again.parameters[k] for k in ("numRows", "numFiles", "totalSize")} == {
        "numRows": "3", "numFiles": "1", "totalSize": "512"}
    assert again.parameters["transient_lastDdlTime"] == table.parameters["transient_lastDdlTime"]  # NO_STATS
    stats = trino.call("get_table_statistics_req", T.TableStatsRequest(dbName=db, tblName="totals",
                                                                         colNames=["item", "n"])).tableStats
    assert stats == [_string("item", 9, 5.0, 0, 3), _long("n", 10, 30, 0, 3)]
    # A statistics rewrite that drops a column's stats deletes them (Trino's removed columns).
    assert trino.call("delete_table_column_statistics", db, "totals", "item")
    assert trino.call("get_table_statistics_req", T.TableStatsRequest(
        dbName=db, tblName="totals", colNames=["item", "n"])).tableStats == [_long("n", 10, 30, 0, 3)]
    # DROP TABLE: get_table_req, drop_table; the statistics go with it.
    trino.get_table(db, "totals")
    trino.call("drop_table", db, "totals", True)
    with pytest.raises(T.NoSuchObjectException):
        trino.call("get_table_statistics_req", T.TableStatsRequest(dbName=db, tblName="totals", colNames=["n"]))
