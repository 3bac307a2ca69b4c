"""``hive.metastore.limit.partition.request``: listings beyond the limit fail with a clear MetaException."""

from __future__ import annotations

import pytest

from metastore.exceptions import MetaError
from metastore.hms.service import PARTITION_LIMIT_KEY, HiveMetastore
from metastore.store import migrate
from metastore.store.engine import create_engine
from metastore.store.sql_catalog import SqlCatalog
from metastore.warehouse import Warehouse
from metastore.wire.adapter import Session, ThriftHandler
from metastore.wire.encoded import WireEncoder
from metastore.wire.errors import place_error
from metastore.wire.idl import hms
from tests.support.wire import decode_result

T = hms()


@pytest.fixture()
def handler(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    migrate.upgrade(engine)
    ms = HiveMetastore(SqlCatalog(engine, WireEncoder()), Warehouse(tmp_path / "wh"), {PARTITION_LIMIT_KEY: "5"})
    ms.ensure_default_database()
    h = ThriftHandler(ms, Session())
    sd = T.StorageDescriptor(cols=[T.FieldSchema(name="a", type="int")], serdeInfo=T.SerDeInfo(parameters={}))
    h.create_table(T.Table(tableName="t", dbName="default", sd=sd,
                           partitionKeys=[T.FieldSchema(name="hr", type="int")], parameters={}))
    assert h.add_partitions([T.Partition(values=[str(i)], dbName="default", tableName="t") for i in range(10)]) == 10
    yield h
    engine.dispose()


def test_listing_over_the_limit_fails_with_the_key_to_change(handler):
    with pytest.raises(MetaError, match=r"exceeds limit \(=5\).*hive.metastore.limit.partition.request"):
        handler.get_partitions("default", "t", -1)
    with pytest.raises(MetaError, match="exceeds limit"):
        handler.get_partitions_by_filter("default", "t", "hr >= 2", -1)


def test_the_error_reaches_clients_as_meta_exception(handler):
    result = T.ThriftHiveMetastore.get_partitions_result()
    try:
        handler.get_partitions("default", "t", -1)
    except MetaError as e:
        assert place_error("get_partitions", result, e) is None
    assert isinstance(result.o2, T.MetaException) and "exceeds limit (=5)" in result.o2.message


def test_listings_within_the_limit_succeed(handler):
    parts = decode_result("get_partitions_by_filter", handler.get_partitions_by_filter("default", "t", "hr < 3", -1))
    assert [p.values for p in parts] == [["0"], ["1"], ["2"]]
    assert len(decode_result("get_partitions", handler.get_partitions("default", "t", 5))) == 5
    assert decode_result("get_partition_names", handler.get_partition_names("default", "t", -1))[:2] == ["hr=0", "hr=1"]
