"""Cached whole-table partition listings stay correct when another server changes the partitions."""

from __future__ import annotations

import pytest

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
    assert a.get_partition_names("default", "t", -1) == ["hr=0", "hr=1", "hr=2"]

    b.add_partitions([T.Partition(values=["3"], dbName="default", tableName="t")])
    assert _values(a) == [["0"], ["1"], ["2"], ["3"]]
    assert a.get_partition_names("default", "t", -1) == ["hr=0", "hr=1", "hr=2", "hr=3"]

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
    assert a.get_partition_names("default", "t", -1) == ["hr=1", "hr=2"]
    for _ in range(3):  # drop and re-create on the other server, with other partitions
        b.drop_table("default", "t", True)
        b.create_table(T.Table(tableName="t", dbName="default", sd=sd,
                               partitionKeys=[T.FieldSchema(name="hr", type="int")], parameters={}))
        assert _values(a) == []
        assert a.get_partition_names("default", "t", -1) == []
        b.add_partitions([T.Partition(values=["7"], dbName="default", tableName="t")])
        assert _values(a) == [["7"]]
