"""Pre-encoded partitions decode to exactly the Partition the object path would send, in every binding."""

from __future__ import annotations

import struct

from hmsclient.genthrift.hive_metastore import ThriftHiveMetastore as Hive23
from thrift.protocol import TBinaryProtocol
from thrift.transport import TTransport

from metastore.model import FieldSchema, Order, Partition, SerDeInfo, SkewedInfo, StorageDescriptor
from metastore.wire.convert import to_thrift
from metastore.wire.encoded import WireEncoder, as_list, in_struct, partition_list
from tests.support.wire import decode_result


def _partition(i: int, cols: list[FieldSchema]) -> Partition:
    sd = StorageDescriptor(
        cols=cols, location=f"file:/wh/db.db/t/ds=2024-01-01/hr={i}", input_format="in.Format",
        output_format="out.Format", compressed=True, num_buckets=4,
        serde_info=SerDeInfo(name="s", serialization_lib="lib.SerDe", parameters={"field.delim": ",", "ü": "ß"}),
        bucket_cols=["a"], sort_cols=[Order("a", 0)], parameters={"k": "v"},
        # No skewed location maps: Python bindings (thriftpy2 and Apache's) cannot decode
        # map<list<string>,string> at all, since a list can't be a dict key; Java clients can.
        skewed_info=SkewedInfo(["a"], [["1"], ["2"]], {}),
        stored_as_sub_directories=True,
    )
    return Partition(values=["2024-01-01", str(i)], db_name="db", table_name="t", create_time=1700000000 + i,
                     last_access_time=7, sd=sd, parameters={"transient_lastDdlTime": "1", "numRows": str(i)},
                     cat_name="hive", write_id=-1)


COLS = [FieldSchema("a", "int", "first"), FieldSchema("b", "map<string,array<int>>", None)]


def _encoded(parts: list[Partition]):  # noqa: ANN202
    enc = WireEncoder()
    bodies = [enc.partition_body(p) for p in parts]
    return as_list(partition_list("db", "t", bodies, [7] * len(parts), {7: enc.columns(COLS)}))


def test_encoded_partitions_equal_object_path():
    parts = [_partition(i, COLS) for i in range(3)]
    decoded = decode_result("get_partitions", _encoded(parts))
    assert decoded == [to_thrift(p) for p in parts]


def test_encoded_partitions_wrapped_in_response_struct():
    parts = [_partition(i, COLS) for i in range(2)]
    decoded = decode_result("get_partitions_req", in_struct(1, _encoded(parts)))
    assert decoded.partitions == [to_thrift(p) for p in parts]


def test_hive23_binding_decodes_encoded_partitions():
    parts = [_partition(i, COLS) for i in range(2)]
    value = _encoded(parts)
    data = struct.pack(">bh", value.ttype, 0) + b"".join(value.chunks) + b"\x00"
    result = Hive23.get_partitions_result()
    result.read(TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(data)))
    first = result.success[0]
    assert (first.dbName, first.tableName, first.values) == ("db", "t", ["2024-01-01", "0"])
    assert [(c.name, c.type, c.comment) for c in first.sd.cols] == [("a", "int", "first"),
                                                                    ("b", "map<string,array<int>>", None)]
    assert first.sd.serdeInfo.parameters == {"field.delim": ",", "ü": "ß"}
    assert first.sd.skewedInfo.skewedColValues == [["1"], ["2"]]
    assert result.success[1].parameters == {"transient_lastDdlTime": "1", "numRows": "1"}


def test_empty_listing():
    assert decode_result("get_partitions", _encoded([])) == []


def test_encoded_table_equals_object_path():
    from metastore.model import Table
    from metastore.wire.encoded import table_list, table_value

    enc = WireEncoder()
    table = Table(table_name="t", db_name="db", owner="me", create_time=5, sd=_partition(0, COLS).sd,
                  partition_keys=[FieldSchema("ds", "string", None)], parameters={"EXTERNAL": "TRUE"},
                  table_type="EXTERNAL_TABLE", view_original_text=None, cat_name="hive", id=None)
    expected = to_thrift(table)
    assert decode_result("get_table", table_value(enc.table_body(table), enc.columns(COLS))) == expected
    listed = decode_result("get_table_objects_by_name", table_list([enc.table_body(table)] * 2, [1, 1],
                                                                   {1: enc.columns(COLS)}))
    assert listed == [expected, expected]
