"""SQL statements per RPC must not grow with the number of columns or partitions (no N+1).

The handler stack is run in-process (adapter -> HMS semantics -> store) on a real SQLite file and a
real PostgreSQL database, counting every statement the driver executes for one call.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from metastore.hms.service import HiveMetastore
from metastore.store import migrate
from metastore.store.engine import create_engine
from metastore.store.sql_catalog import SqlCatalog
from metastore.warehouse import Warehouse
from metastore.wire.adapter import Session, ThriftHandler
from metastore.wire.encoded import WireEncoder
from metastore.wire.idl import hms
from tests.support.wire import decode_result

T = hms()
_TX = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")


class StatementCounter:
    def __init__(self, *engines: sa.Engine) -> None:
        self.statements: list[str] = []
        for engine in engines:
            sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(_TX):
            self.statements.append(statement)

    def count(self, call) -> int:  # noqa: ANN001
        self.statements.clear()
        call()
        return len(self.statements)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def stack(request, make_db_url, tmp_path_factory):
    url = make_db_url(request.param)
    engine = create_engine(url)
    migrate.upgrade(engine)
    catalog = SqlCatalog(engine, WireEncoder())
    ms = HiveMetastore(catalog, Warehouse(tmp_path_factory.mktemp("wh")))
    ms.ensure_default_database()
    handler = ThriftHandler(ms, Session(user="tester"))
    yield handler, StatementCounter(*catalog.engines)
    catalog.dispose()


def _table(db: str, name: str, ncols: int) -> object:
    cols = [T.FieldSchema(name=f"c{i}", type="string", comment=f"column {i}") for i in range(ncols)]
    sd = T.StorageDescriptor(
        cols=cols, inputFormat="org.apache.hadoop.mapred.TextInputFormat",
        outputFormat="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        serdeInfo=T.SerDeInfo(serializationLib="org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", parameters={}),
    )
    keys = [T.FieldSchema(name="ds", type="string"), T.FieldSchema(name="hr", type="int")]
    return T.Table(tableName=name, dbName=db, sd=sd, partitionKeys=keys, parameters={})


def _setup(handler: ThriftHandler, db: str, ncols: int, nparts: int) -> None:
    handler.create_database(T.Database(name=db, parameters={}))
    handler.create_table(_table(db, "t", ncols))
    parts = [T.Partition(values=[f"2024-01-{1 + i // 24:02d}", str(i % 24)], dbName=db, tableName="t")
             for i in range(nparts)]
    assert handler.add_partitions(parts) == nparts


def _calls(h: ThriftHandler, db: str) -> dict[str, object]:
    return {
        "get_table": lambda: h.get_table(db, "t"),
        "get_table_req": lambda: h.get_table_req(T.GetTableRequest(dbName=db, tblName="t")),
        "get_database": lambda: h.get_database(db),
        "get_partitions": lambda: h.get_partitions(db, "t", -1),
        "get_partition_names": lambda: h.get_partition_names(db, "t", -1),
        "get_partitions_by_filter": lambda: h.get_partitions_by_filter(db, "t", 'ds = "2024-01-01" and hr < 12', -1),
        "get_partitions_ps_with_auth": lambda: h.get_partitions_ps_with_auth(db, "t", ["2024-01-01", ""], -1, None, None),
        "get_partition_names_ps": lambda: h.get_partition_names_ps(db, "t", ["", "3"], -1),
        "get_partitions_by_names": lambda: h.get_partitions_by_names(
            db, "t", [f"ds=2024-01-01/hr={i}" for i in range(5)]),
        "get_partition": lambda: h.get_partition(db, "t", ["2024-01-01", "1"]),
        "get_table_objects_by_name": lambda: h.get_table_objects_by_name(db, ["t"]),
        "get_all_tables": lambda: h.get_all_tables(db),
        "get_table_meta": lambda: h.get_table_meta("*", "*", []),
    }


# Upper bounds per call; each must also be identical for a small and a large table.
BOUNDS = {
    "get_table": 1, "get_table_req": 1, "get_database": 1, "get_partitions": 3, "get_partition_names": 2,
    "get_partitions_by_filter": 3, "get_partitions_ps_with_auth": 3, "get_partition_names_ps": 2,
    "get_partitions_by_names": 4, "get_partition": 3, "get_table_objects_by_name": 1,
    "get_all_tables": 1, "get_table_meta": 1,
}


def test_read_rpcs_take_a_fixed_number_of_statements(stack):
    handler, counter = stack
    _setup(handler, "small", ncols=3, nparts=10)
    _setup(handler, "large", ncols=200, nparts=600)
    small = {name: counter.count(call) for name, call in _calls(handler, "small").items()}
    large = {name: counter.count(call) for name, call in _calls(handler, "large").items()}
    assert large == small, "statement count grew with columns/partitions"
    for name, bound in BOUNDS.items():
        assert small[name] <= bound, f"{name}: {small[name]} statements, expected at most {bound}"


def test_results_are_complete_despite_few_statements(stack):
    handler, _ = stack
    _setup(handler, "check", ncols=50, nparts=48)
    parts = decode_result("get_partitions", handler.get_partitions("check", "t", -1))
    assert len(parts) == 48
    assert all(len(p.sd.cols) == 50 and p.dbName == "check" and p.tableName == "t" for p in parts)
    by_filter = decode_result("get_partitions_by_filter", handler.get_partitions_by_filter("check", "t", "hr >= 20", -1))
    assert [p.values for p in by_filter] == [["2024-01-01", str(h)] for h in range(20, 24)] + [
        ["2024-01-02", str(h)] for h in range(20, 24)]


def test_add_partitions_statements_grow_with_batches_not_rows(stack):
    handler, counter = stack
    handler.create_database(T.Database(name="writes", parameters={}))
    handler.create_table(_table("writes", "t", 20))

    def add(start: int, n: int) -> None:
        parts = [T.Partition(values=["2024-02-01", str(start + i)], dbName="writes", tableName="t") for i in range(n)]
        assert handler.add_partitions(parts) == n

    few = counter.count(lambda: add(0, 10))
    many = counter.count(lambda: add(1000, 900))
    assert few <= 8  # includes the one change-record INSERT for the whole call (audit)
    assert many <= few + 4, f"adding 900 partitions took {many} statements vs {few} for 10"


def test_add_partitions_writes_each_1000_partitions_with_their_values_in_one_statement(stack):
    """PostgreSQL: rows and key values together (SqlCatalog._insert_partitions_pg); SQLite: one INSERT each."""
    handler, counter = stack
    handler.create_database(T.Database(name="bulk", parameters={}))
    handler.create_table(_table("bulk", "t", 20))
    parts = [T.Partition(values=["2024-03-01", str(i)], dbName="bulk", tableName="t") for i in range(1500)]
    total = counter.count(lambda: handler.add_partitions(parts))
    inserts = [s for s in counter.statements if "INSERT INTO mh_partition" in s]
    per_chunk = 1 if handler.ms.catalog.engine.dialect.name == "postgresql" else 2
    assert len(inserts) == 2 * per_chunk, inserts
    assert total <= 7 + 2 * per_chunk  # table (x2), existence, column set, bump, change record
    hours = decode_result("get_partitions_by_filter", handler.get_partitions_by_filter("bulk", "t", "hr > 1497", -1))
    assert sorted(int(p.values[1]) for p in hours) == [1498, 1499]  # integral values stored as numbers
    odd = "50%' off/é\\%(x)s"  # quotes, percent signs (no parameter parsing), escaping, non-ASCII
    sd = _table("bulk", "t", 20).sd  # as Hive sends it: the table's descriptor without a location
    assert handler.add_partitions([T.Partition(values=[odd, "7"], dbName="bulk", tableName="t", sd=sd)]) == 1
    got = handler.get_partition("bulk", "t", [odd, "7"])
    assert got.values == [odd, "7"] and got.sd.location.endswith("/ds=50%25%27 off%2Fé%5C%25(x)s/hr=7")


def test_repeated_whole_listings_take_one_statement(stack):
    handler, counter = stack
    _setup(handler, "cached", ncols=20, nparts=200)
    first = counter.count(lambda: handler.get_partitions("cached", "t", -1))
    again = counter.count(lambda: handler.get_partitions("cached", "t", -1))
    names_first = counter.count(lambda: handler.get_partition_names("cached", "t", -1))
    names_again = counter.count(lambda: handler.get_partition_names("cached", "t", -1))
    assert (again, names_first, names_again) == (1, 2, 1)
    assert first <= 3
    assert len(decode_result("get_partitions", handler.get_partitions("cached", "t", -1))) == 200


def test_selective_partition_reads_take_one_statement_once_the_table_is_known(stack):
    """Filter and by-names reads re-check the remembered table inside the partition query itself."""
    handler, counter = stack
    _setup(handler, "known", ncols=20, nparts=200)

    def by_filter() -> object:
        return handler.get_partitions_by_filter("known", "t", 'ds = "2024-01-01" and hr < 12', -1)

    def by_names() -> object:
        return handler.get_partitions_by_names("known", "t", [f"ds=2024-01-01/hr={i}" for i in range(5)])

    first = counter.count(by_filter)
    assert (counter.count(by_filter), counter.count(by_names)) == (1, 1), counter.statements
    assert first <= 3
    assert len(decode_result("get_partitions_by_filter", by_filter())) == 12
    assert len(decode_result("get_partitions_by_names", by_names())) == 5
    # An empty answer is re-asked the long way (table row, then partitions): a missing table still says so.
    empty = counter.count(lambda: handler.get_partitions_by_filter("known", "t", 'ds = "1999-01-01"', -1))
    assert empty == 3, counter.statements


def _name(i: int) -> str:
    return f"ds=2024-01-{1 + i // 24:02d}/hr={i % 24}"


def test_long_name_lists_are_one_range_scan_when_dense_and_in_lists_when_sparse(stack):
    handler, counter = stack
    _setup(handler, "ranges", ncols=3, nparts=480)  # 20 days x 24 hours
    # warm: the table is known, so each call below is only its partition statements
    handler.get_partitions_by_names("ranges", "t", [_name(0)])

    def values(names: list[str]) -> list[list[str]]:
        return [p.values for p in decode_result(
            "get_partitions_by_names", handler.get_partitions_by_names("ranges", "t", names))]

    dense = [_name(i) for i in range(100, 200)] + ["ds=2024-01-05/hr=99", _name(150)]  # a missing one, a repeat
    assert counter.count(lambda: values(dense)) == 1, counter.statements
    got = values(list(reversed(dense)))
    assert len(got) == 100  # in name order, as the Java HMS answers
    assert [f"ds={v[0]}/hr={v[1]}" for v in got] == sorted(_name(i) for i in range(100, 200))

    sparse = [_name(i) for i in range(0, 480, 6)]  # 80 names spread over 480 partitions
    assert counter.count(lambda: values(sparse)) == 2, counter.statements  # capped range, then IN list
    assert [f"ds={v[0]}/hr={v[1]}" for v in values(sparse)] == sorted(sparse)


def test_create_and_drop_table_statements(stack):
    handler, counter = stack
    handler.create_database(T.Database(name="ddl", parameters={}))
    flat = _table("ddl", "flat", 20)
    flat.partitionKeys = []
    create = counter.count(lambda: handler.create_table(flat))
    drop = counter.count(lambda: handler.drop_table("ddl", "flat", True))
    # create: database lookup (semantics) + database row, column set lookup, insert (store)
    # + 1 change-record INSERT (audit, issue 6)
    assert create <= 5, counter.statements
    # drop of an unpartitioned table: read it, delete it, + 1 change-record INSERT
    assert drop <= 3, counter.statements
    handler.create_table(_table("ddl", "parted", 20))
    assert counter.count(lambda: handler.drop_table("ddl", "parted", True)) <= 6  # + 1 change-record INSERT


def _long_stats(col: str, low: int) -> object:
    data = T.ColumnStatisticsData(longStats=T.LongColumnStatsData(lowValue=low, highValue=low + 9, numNulls=0, numDVs=3))
    return T.ColumnStatisticsObj(colName=col, colType="string", statsData=data)


def _stats(db: str, cols: list[str], part: str | None = None) -> object:
    desc = T.ColumnStatisticsDesc(isTblLevel=part is None, dbName=db, tableName="t", partName=part)
    return T.ColumnStatistics(statsDesc=desc, statsObj=[_long_stats(c, i) for i, c in enumerate(cols)])


def _stats_calls(h: ThriftHandler, db: str, cols: list[str], parts: list[str]) -> dict[str, object]:
    every = T.SetPartitionsStatsRequest(colStats=[_stats(db, cols, p) for p in parts], engine="hive")
    parts_req = T.PartitionsStatsRequest(dbName=db, tblName="t", colNames=cols, partNames=parts, engine="hive")
    return {
        "update_table_column_statistics": lambda: h.update_table_column_statistics(_stats(db, cols)),
        "update_partition_column_statistics": lambda: h.update_partition_column_statistics(_stats(db, cols, parts[0])),
        "set_aggr_stats_for": lambda: h.set_aggr_stats_for(every),
        "set_aggr_stats_for(merge)": lambda: h.set_aggr_stats_for(
            T.SetPartitionsStatsRequest(colStats=every.colStats, needMerge=True, engine="hive")),
        "get_table_statistics_req": lambda: h.get_table_statistics_req(
            T.TableStatsRequest(dbName=db, tblName="t", colNames=cols, engine="hive")),
        "get_partitions_statistics_req": lambda: h.get_partitions_statistics_req(parts_req),
        "get_aggr_stats_for": lambda: h.get_aggr_stats_for(parts_req),
        "delete_table_column_statistics": lambda: h.delete_table_column_statistics(db, "t", None, "hive"),
        "delete_partition_column_statistics": lambda: h.delete_partition_column_statistics(
            db, "t", parts[0], None, "hive"),
    }


STATS_BOUNDS = {
    "update_table_column_statistics": 4, "update_partition_column_statistics": 5, "set_aggr_stats_for": 5,
    "set_aggr_stats_for(merge)": 6, "get_table_statistics_req": 1, "get_partitions_statistics_req": 2,
    "get_aggr_stats_for": 2, "delete_table_column_statistics": 2, "delete_partition_column_statistics": 3,
}


def test_statistics_rpcs_take_a_fixed_number_of_statements(stack):
    handler, counter = stack
    counts = {}
    rows = {}
    for db, ncols, nparts in (("stats_small", 3, 10), ("stats_large", 40, 150)):
        _setup(handler, db, ncols=ncols, nparts=nparts)
        cols = [f"c{i}" for i in range(ncols)]
        parts = [f"ds=2024-01-{1 + i // 24:02d}/hr={i % 24}" for i in range(nparts)]
        counts[db] = {name: counter.count(call) for name, call in _stats_calls(handler, db, cols, parts).items()}
        rows[db] = ncols * nparts
        stats = decode_result("get_partitions_statistics_req", handler.get_partitions_statistics_req(
            T.PartitionsStatsRequest(dbName=db, tblName="t", colNames=cols, partNames=parts, engine="hive")))
        assert len(stats.partStats) == nparts - 1  # the first partition's were deleted last
        assert all(len(objs) == ncols for objs in stats.partStats.values())
    for name, bound in STATS_BOUNDS.items():
        assert counts["stats_small"][name] <= bound, f"{name}: {counts['stats_small'][name]} statements, expected {bound}"
    # Writes of many rows are paged (BATCH rows per IN list / insert statement on PostgreSQL).
    pages = -(-rows["stats_large"] // 1000)
    for name in ("set_aggr_stats_for", "set_aggr_stats_for(merge)"):
        assert counts["stats_large"].pop(name) <= counts["stats_small"].pop(name) + 2 * pages, name
    assert counts["stats_large"] == counts["stats_small"], "statement count grew with columns/partitions"


def test_recording_a_change_costs_one_statement(stack):
    """The audit adds exactly one INSERT to a changing write and nothing to a no-op rewrite."""
    handler, counter = stack
    handler.create_database(T.Database(name="audited", parameters={}))
    handler.create_table(_table("audited", "t", 20))
    audit = handler.ms.catalog.audit_log()
    table = handler.ms.get_table("audited", "t")
    from metastore.wire.convert import to_thrift

    def alter(key: str, value: str) -> None:
        new = to_thrift(table)
        new.parameters = {**table.parameters, key: value}
        handler.alter_table_with_environment_context(
            "audited", "t", new, T.EnvironmentContext(properties={"DO_NOT_UPDATE_STATS": "true"}))

    alter("k", "1")
    recorded = counter.count(lambda: alter("k", "2"))
    noop = counter.count(lambda: alter("k", "2"))  # identical definition: no record
    audit.settings, saved = type(audit.settings)(enabled=False), audit.settings
    try:
        unrecorded = counter.count(lambda: alter("k", "3"))
    finally:
        audit.settings = saved
    assert recorded == unrecorded + 1, counter.statements
    assert noop == unrecorded
    history = handler.ms.audit.history("audited.t")
    assert [c.version for c in history] == [3, 2, 1]  # the unrecorded alter made no version
    assert [(i.kind, i.name, i.old, i.new) for i in history[0].items] == [("parameter_changed", "k", "1", "2")]
