"""The diff of two definitions: pure functions, every kind of change, and what counts as a no-op."""

from __future__ import annotations

import copy

from metastore.audit.definitions import from_doc, partition_doc, partition_from_doc, to_doc
from metastore.audit.diff import columns_diff, partitions_summary, table_diff
from metastore.audit.records import table_altered
from metastore.model import FieldSchema, Order, Partition, SerDeInfo, SkewedInfo, StorageDescriptor, Table


def _table() -> Table:
    return Table(
        table_name="events", db_name="lake", owner="etl", table_type="EXTERNAL_TABLE",
        sd=StorageDescriptor(
            cols=[FieldSchema("id", "bigint", "key"), FieldSchema("name", "string"), FieldSchema("ts", "timestamp")],
            location="s3://bucket/events", input_format="org.apache.hadoop.mapred.TextInputFormat",
            output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            serde_info=SerDeInfo(serialization_lib="org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                                 parameters={"field.delim": ","}),
        ),
        partition_keys=[FieldSchema("ds", "string")],
        parameters={"EXTERNAL": "TRUE", "transient_lastDdlTime": "1700000000", "owner_team": "data"},
    )


def _items(before: Table, after: Table) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(i.kind, i.name, i.old, i.new) for i in table_diff(before, after)]


def test_identical_rewrite_and_ddl_time_only_changes_are_no_ops():
    before = _table()
    after = copy.deepcopy(before)
    after.parameters["transient_lastDdlTime"] = "1800000000"
    after.create_time, after.last_access_time, after.write_id = 5, 6, 7
    assert table_diff(before, after) == []
    assert table_altered(before, after) is None


def test_columns_added_removed_retyped_commented_and_reordered():
    before = _table()
    after = copy.deepcopy(before)
    after.sd.cols = [FieldSchema("ts", "timestamp"), FieldSchema("ID", "decimal(20,0)", "primary key"),
                     FieldSchema("country", "string")]
    assert _items(before, after) == [
        ("column_removed", "name", "string", None),
        ("column_added", "country", None, "string"),
        ("column_retyped", "id", "bigint", "decimal(20,0)"),
        ("column_comment_changed", "id", "key", "primary key"),
        ("columns_reordered", None, "id,ts", "ts,id"),
    ]


def test_partition_keys_are_diffed_apart_from_columns():
    assert [(i.kind, i.name) for i in columns_diff([FieldSchema("ds", "string")],
                                                   [FieldSchema("ds", "date"), FieldSchema("hr", "int")],
                                                   "partition_key")] == [
        ("partition_key_added", "hr"), ("partition_key_retyped", "ds")]


def test_location_formats_serde_bucketing_and_parameters():
    before = _table()
    after = copy.deepcopy(before)
    after.sd.location = "s3://bucket/events_v2"
    after.sd.input_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    after.sd.serde_info.serialization_lib = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    after.sd.serde_info.parameters = {"serialization.format": "1"}
    after.sd.num_buckets, after.sd.bucket_cols, after.sd.sort_cols = 4, ["id"], [Order("id", 1)]
    after.parameters = {"EXTERNAL": "TRUE", "transient_lastDdlTime": "1", "owner_team": "platform", "comment": "raw"}
    after.owner = "spark"
    kinds = _items(before, after)
    assert kinds == [
        ("location_changed", None, "s3://bucket/events", "s3://bucket/events_v2"),
        ("input_format_changed", None, "org.apache.hadoop.mapred.TextInputFormat",
         "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"),
        ("serde_changed", None, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
         "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"),
        ("serde_parameter_removed", "field.delim", ",", None),
        ("serde_parameter_added", "serialization.format", None, "1"),
        ("bucketing_changed", None, "-1 buckets by () sorted by ()", "4 buckets by (id) sorted by (id ASC)"),
        ("parameter_added", "comment", None, "raw"),
        ("parameter_changed", "owner_team", "data", "platform"),
        ("owner_changed", "owner", "etl", "spark"),
    ]


def test_rename_is_recorded_under_the_new_name_and_continues_the_old_numbering():
    before = _table()
    after = copy.deepcopy(before)
    after.table_name = "events_v2"
    record = table_altered(before, after)
    assert record is not None
    assert (record.db_name, record.table_name, record.renamed_from) == ("lake", "events_v2", ("lake", "events"))
    assert [(i.kind, i.old, i.new) for i in record.items] == [("table_renamed", "lake.events", "lake.events_v2")]
    assert record.kinds == ",table_renamed,"


def test_definitions_round_trip_through_documents():
    table = _table()
    table.sd.skewed_info = SkewedInfo(["id"], [["1"], ["2"]], {("1",): "s3://b/1"})
    assert from_doc(Table, to_doc(table)) == table
    part = Partition(values=["2024-01-01"], db_name="lake", table_name="events", sd=copy.deepcopy(table.sd))
    doc = partition_doc(part, same_cols=True)
    assert doc["sd"]["cols"] is None and part.sd.cols == table.sd.cols  # left out, not lost
    assert partition_from_doc(doc, table.sd.cols) == part


def test_bulk_partition_summary_names_the_count_and_the_first_ten():
    names = [f"ds=2024-01-{d:02d}" for d in range(1, 31)]
    item = partitions_summary("partitions_added", names)
    assert item.name == "30"
    assert item.new == ",".join(names[:10]) + ",... (20 more)"
