"""Cached whole-table partition listings stay correct when another server changes the partitions."""

from __future__ import annotations

import pytest

from metastore.exceptions import MetaError, NoSuchObjectError
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


@pytest.fixture(params=["sqlite", "postgres"])
def two_servers(request, make_db_url, tmp_path):
    """Two independent stacks (own engines, own caches) on one catalog database."""
    url = make_db_url(request.param)
    migrate.upgrade(create_engine(url))
    stacks = []
    for _ in range(2):
        catalog = SqlCatalog(create_engine(url), WireEncoder())
        ms = HiveMetastore(catalog, Warehouse(tmp_path / "wh"))
        stacks.append((ThriftHandler(ms, Session()), catalog))
    stacks[0][0].ms.ensure_default_database()
    yield stacks
    for _, catalog in stacks:
        catalog.dispose()


def _values(handler: ThriftHandler) -> list[list[str]]:
    return [p.values for p in decode_result("get_partitions", handler.get_partitions("default", "t", -1))]


def test_changes_on_one_server_are_seen_by_the_other(two_servers):
    (a, a_catalog), (b, _) = two_servers
    sd = T.StorageDescriptor(cols=[T.FieldSchema(name="x", type="int")], serdeInfo=T.SerDeInfo(parameters={}))
    a.create_table(T.Table(tableName="t", dbName="default", sd=sd,
                           partitionKeys=[T.FieldSchema(name="hr", type="int")], parameters={}))
    a.add_partitions([T.Partition(values=[str(i)], dbName="default", tableName="t") for i in range(3)])
    assert _values(a) == [["0"], ["1"], ["2"]]
    assert _values(a) == [["0"], ["1"], ["2"]]  # served from a's cache
    assert decode_result("get_partition_names", a.get_partition_names("default", "t", -1)) == ["hr=0", "hr=1", "hr=2"]

    b.add_partitions([T.Partition(values=["3"], dbName="default", tableName="t")])
    assert _values(a) == [["0"], ["1"], ["2"], ["3"]]
    assert decode_result("get_partition_names", a.get_partition_names("default", "t", -1)) == ["hr=0", "hr=1", "hr=2", "hr=3"]

    b.drop_partition("default", "t", ["1"], False)
    assert _values(a) == [["0"], ["2"], ["3"]]

    part = decode_result("get_partitions_by_names", b.get_partitions_by_names("default", "t", ["hr=2"]))[0]
    part.parameters["touched"] = "yes"
    b.alter_partition("default", "t", part)
    listed = decode_result("get_partitions", a.get_partitions("default", "t", -1))
    assert listed[1].parameters["touched"] == "yes"

    table = b.ms.get_table("default", "t")
    from metastore.wire.convert import to_thrift

    renamed = to_thrift(table)
    renamed.tableName = "t2"
    b.alter_table("default", "t", renamed)
    moved = decode_result("get_partitions", a.get_partitions("default", "t2", -1))
    assert [(p.tableName, p.values) for p in moved] == [("t2", ["0"]), ("t2", ["2"]), ("t2", ["3"])]
    assert len(a_catalog.listings._entries) >= 1


def test_a_recreated_table_never_serves_the_dropped_tables_listing(two_servers):
    """SQLite reuses the row id of a dropped table; the cache key must still differ."""
    (a, _), (b, _) = two_servers
    sd = T.StorageDescriptor(cols=[T.FieldSchema(name="x", type="int")], serdeInfo=T.SerDeInfo(parameters={}))

    def create(values: list[str]) -> None:
        a.create_table(T.Table(tableName="t", dbName="default", sd=sd,
                               partitionKeys=[T.FieldSchema(name="hr", type="int")], parameters={}))
        a.add_partitions([T.Partition(values=[v], dbName="default", tableName="t") for v in values])

    create(["1", "2"])
    assert _values(a) == [["1"], ["2"]]
    assert decode_result("get_partition_names", a.get_partition_names("default", "t", -1)) == ["hr=1", "hr=2"]
    for _ in range(3):  # drop and re-create on the other server, with other partitions
        b.drop_table("default", "t", True)
        b.create_table(T.Table(tableName="t", dbName="default", sd=sd,
                               partitionKeys=[T.FieldSchema(name="hr", type="int")], parameters={}))
        assert _values(a) == []
        assert decode_result("get_partition_names", a.get_partition_names("default", "t", -1)) == []
        b.add_partitions([T.Partition(values=["7"], dbName="default", tableName="t")])
        assert _values(a) == [["7"]]


def _filtered(handler: ThriftHandler, table: str, text: str) -> list[tuple[str, list[str]]]:
    parts = decode_result("get_partitions_by_filter", handler.get_partitions_by_filter("default", table, text, -1))
    return [(p.tableName, p.values) for p in parts]


def test_selective_reads_follow_renames_and_recreated_tables(two_servers):
    """Server a remembers table t for its one-statement filter/by-names reads; b renames, drops and recreates."""
    (a, _), (b, _) = two_servers
    sd = T.StorageDescriptor(cols=[T.FieldSchema(name="x", type="int")], serdeInfo=T.SerDeInfo(parameters={}))

    def create(server: ThriftHandler, name: str, keys: list[tuple[str, str]], values: list[list[str]]) -> None:
        server.create_table(T.Table(tableName=name, dbName="default", sd=sd, parameters={},
                                    partitionKeys=[T.FieldSchema(name=k, type=t) for k, t in keys]))
        server.add_partitions([T.Partition(values=v, dbName="default", tableName=name) for v in values])

    create(a, "t", [("hr", "int")], [["1"], ["2"], ["3"]])
    assert _filtered(a, "t", "hr > 1") == [("t", ["2"]), ("t", ["3"])]

    # b renames t away and creates a new t with the same keys: a must read the new t.
    from metastore.wire.convert import to_thrift

    moved = to_thrift(b.ms.get_table("default", "t"))
    moved.tableName = "t_old"
    b.alter_table("default", "t", moved)
    create(b, "t", [("hr", "int")], [["5"], ["6"]])
    assert _filtered(a, "t", "hr > 1") == [("t", ["5"]), ("t", ["6"])]
    assert _filtered(a, "t_old", "hr > 1") == [("t_old", ["2"]), ("t_old", ["3"])]
    names = decode_result("get_partitions_by_names", a.get_partitions_by_names("default", "t", ["hr=5", "hr=2"]))
    assert [(p.tableName, p.values) for p in names] == [("t", ["5"])]

    # b drops t and recreates it with other keys (SQLite may even reuse the row id): a follows.
    b.drop_table("default", "t", True)
    create(b, "t", [("region", "string")], [["eu"], ["us"]])
    assert _filtered(a, "t", 'region = "us"') == [("t", ["us"])]
    with pytest.raises(MetaError, match="not a partition key"):
        a.get_partitions_by_filter("default", "t", "hr > 1", -1)

    # and a dropped table is reported as missing, not as empty
    b.drop_table("default", "t", True)
    with pytest.raises(NoSuchObjectError, match="table not found"):
        a.get_partitions_by_filter("default", "t", 'region = "us"', -1)


def test_name_prefix_reads_match_value_comparisons_on_tricky_values(two_servers):
    """Leading-key equality is answered from partition names: escaped values and prefixes of other values."""
    (a, _), _ = two_servers
    sd = T.StorageDescriptor(cols=[T.FieldSchema(name="x", type="int")], serdeInfo=T.SerDeInfo(parameters={}))
    a.create_table(T.Table(tableName="t", dbName="default", sd=sd, parameters={},
                           partitionKeys=[T.FieldSchema(name="day", type="string"), T.FieldSchema(name="hr", type="int")]))
    days = ["2024-01-1", "2024-01-10", "2024-01-1/x", "2024-01-1%", "a b", "é", "2024-01-1_"]
    a.add_partitions([T.Partition(values=[d, str(h)], dbName="default", tableName="t") for d in days for h in (1, 2)])
    for day in days + ["2024-01", "missing"]:
        got = _filtered(a, "t", f'day = "{day}"')
        assert sorted(v for _, v in got) == sorted([day, str(h)] for h in (1, 2) if day in days), day
        names = decode_result("get_partition_names_ps", a.get_partition_names_ps("default", "t", [day, ""], -1))
        assert len(names) == (2 if day in days else 0), (day, names)
        spec = decode_result("get_partitions_ps", a.get_partitions_ps("default", "t", [day], -1))
        assert sorted(p.values[0] for p in spec) == ([day, day] if day in days else []), day
    assert [v for _, v in _filtered(a, "t", 'day = "2024-01-1" and hr > 1')] == [["2024-01-1", "2"]]
    exact = decode_result("get_partitions_ps", a.get_partitions_ps("default", "t", ["2024-01-1/x", "2"], -1))
    assert [p.values for p in exact] == [["2024-01-1/x", "2"]]
