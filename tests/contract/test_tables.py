"""Table contract: defaults, listing calls, drop/rename disk effects, alter semantics (stats, CAS)."""

from __future__ import annotations

import time

import pytest

from tests.contract.conftest import path_of

DDL_TIME = "transient_lastDdlTime"


def _now() -> int:
    return int(time.time())


def assert_fully_populated(table):
    """What Spark/PyIceberg read without null checks."""
    assert isinstance(table.parameters, dict)
    assert table.sd is not None
    assert table.sd.serdeInfo is not None
    assert isinstance(table.sd.serdeInfo.parameters, dict)
    assert isinstance(table.sd.cols, list)
    assert isinstance(table.partitionKeys, list)
    assert table.createTime > 0
    assert int(table.parameters[DDL_TIME]) > 0


# -- create / get -------------------------------------------------------------------------------


def test_create_managed_table_defaults(hms):
    db = hms.new_db()
    before = _now()
    hms.client.create_table(hms.make_table(db, "t1"))
    t = hms.client.get_table(db, "t1")
    db_location = hms.client.get_database(db).locationUri
    assert t.tableName == "t1" and t.dbName == db
    assert t.tableType == "MANAGED_TABLE"
    assert t.sd.location == f"{db_location}/t1"
    assert path_of(t.sd.location).is_dir()
    assert_fully_populated(t)
    assert before <= t.createTime <= _now()
    assert before <= int(t.parameters[DDL_TIME]) <= _now()
    assert [(c.name, c.type) for c in t.sd.cols] == [("id", "int")]
    assert [(c.name, c.type) for c in t.partitionKeys] == [("ds", "string"), ("hr", "int")]
    assert t.sd.serdeInfo.serializationLib == "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
    assert t.sd.serdeInfo.parameters == {"serialization.format": "1"}
    assert t.sd.inputFormat == "org.apache.hadoop.mapred.TextInputFormat"


def test_create_table_in_default_database(hms):
    name = hms.unique()
    hms.client.create_table(hms.make_table("default", name, partition_keys=[]))
    t = hms.client.get_table("default", name)
    assert t.sd.location == f"{hms.warehouse_uri}/{name}"
    assert path_of(t.sd.location).is_dir()
    hms.client.drop_table("default", name, True)
    assert not path_of(t.sd.location).exists()


def test_create_external_table(hms, tmp_path):
    db = hms.new_db()
    location = f"file:{tmp_path}/ext"
    hms.client.create_table(hms.make_table(db, "ext", location=location, params={"EXTERNAL": "TRUE"}))
    t = hms.client.get_table(db, "ext")
    assert t.tableType == "EXTERNAL_TABLE"
    assert t.sd.location == location
    assert t.parameters["EXTERNAL"] == "TRUE"
    assert (tmp_path / "ext").is_dir()
    assert_fully_populated(t)


def test_create_table_explicit_type_is_kept(hms, tmp_path):
    db = hms.new_db()
    hms.client.create_table(hms.make_table(db, "e", location=f"file:{tmp_path}/e", table_type="EXTERNAL_TABLE",
                                           params={"EXTERNAL": "TRUE"}))
    assert hms.client.get_table(db, "e").tableType == "EXTERNAL_TABLE"


def test_names_and_columns_are_lowercased(hms):
    db = hms.unique("MixedDb")
    hms.client.create_database(hms.make_database(db))
    hms.client.create_table(hms.make_table(db, "MyTable", cols=[("ID", "int"), ("Name", "string")],
                                           partition_keys=[("DS", "string")]))
    t = hms.client.get_table(db.upper(), "MYTABLE")
    assert (t.dbName, t.tableName) == (db.lower(), "mytable")
    assert [c.name for c in t.sd.cols] == ["id", "name"]
    assert [c.name for c in t.partitionKeys] == ["ds"]
    assert hms.client.get_all_tables(db) == ["mytable"]
    assert t.sd.location.endswith(f"/{db.lower()}.db/mytable")


def test_nulls_sent_are_never_read_back_as_null(hms):
    db = hms.new_db()
    table = hms.make_table(db, "bare", partition_keys=None)
    table.parameters = None
    table.sd.serdeInfo.parameters = None
    table.sd.parameters = None
    table.sd.bucketCols = None
    table.sd.sortCols = None
    hms.client.create_table(table)
    t = hms.client.get_table(db, "bare")
    assert_fully_populated(t)
    assert t.partitionKeys == []
    assert t.sd.serdeInfo.parameters == {}
    assert set(t.parameters) == {DDL_TIME}


def test_create_duplicate_table(hms):
    db = hms.new_db()
    hms.new_table(db, "t", cols=[("a", "int")])
    with pytest.raises(hms.T.AlreadyExistsException) as info:
        hms.client.create_table(hms.make_table(db, "T", cols=[("b", "string")]))
    assert f"{db}.t" in info.value.message
    assert [c.name for c in hms.client.get_table(db, "t").sd.cols] == ["a"]


def test_get_missing_table(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.NoSuchObjectException) as info:
        hms.client.get_table(db, "nope")
    assert info.value.message == f"{db}.nope table not found"
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_table(hms.unique("nodb"), "nope")


def test_get_table_req(hms):
    db = hms.new_db()
    hms.new_table(db, "t")
    result = hms.client.get_table_req(hms.T.GetTableRequest(dbName=db, tblName="T"))
    assert result.table.tableName == "t"
    assert result.table.dbName == db
    assert_fully_populated(result.table)
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_table_req(hms.T.GetTableRequest(dbName=db, tblName="missing"))


# -- listing -------------------------------------------------------------------------------------


def test_get_tables_patterns_and_get_all_tables(hms):
    db = hms.new_db()
    for name in ["sales", "salary", "x", "other"]:
        hms.client.create_table(hms.make_table(db, name, partition_keys=[]))
    c = hms.client
    assert c.get_all_tables(db) == ["other", "salary", "sales", "x"]
    assert c.get_tables(db, "*") == ["other", "salary", "sales", "x"]
    assert c.get_tables(db, ".*") == ["other", "salary", "sales", "x"]
    assert c.get_tables(db, "sal*|x") == ["salary", "sales", "x"]
    assert c.get_tables(db, "SAL*") == ["salary", "sales"]
    assert c.get_tables(db, "sa.es") == ["sales"]
    assert c.get_tables(db, "sal") == []
    assert c.get_tables(db.upper(), "x") == ["x"]
    assert c.get_all_tables(hms.new_db()) == []


def test_get_table_objects_by_name_skips_missing(hms):
    db = hms.new_db()
    hms.new_table(db, "a")
    hms.new_table(db, "b", partition_keys=[])
    tables = hms.client.get_table_objects_by_name(db, ["b", "missing", "A"])
    assert sorted(t.tableName for t in tables) == ["a", "b"]
    for t in tables:
        assert_fully_populated(t)
    assert hms.client.get_table_objects_by_name(db, ["missing"]) == []
    assert hms.client.get_table_objects_by_name(db, []) == []


def test_get_table_meta(hms):
    db = hms.new_db()
    hms.new_table(db, "managed_t")
    hms.client.create_table(hms.make_view(db, "view_v"))
    metas = [m for m in hms.client.get_table_meta("*", "*", []) if m.dbName == db]
    assert sorted((m.tableName, m.tableType) for m in metas) == [
        ("managed_t", "MANAGED_TABLE"), ("view_v", "VIRTUAL_VIEW"),
    ]
    only_views = hms.client.get_table_meta(db, "*", ["VIRTUAL_VIEW"])
    assert [(m.dbName, m.tableName, m.tableType) for m in only_views] == [(db, "view_v", "VIRTUAL_VIEW")]
    assert [m.tableName for m in hms.client.get_table_meta(db, "man*", [])] == ["managed_t"]


def test_view_has_no_location_and_is_listed_by_type(hms):
    db = hms.new_db()
    hms.new_table(db, "base")
    hms.client.create_table(hms.make_view(db, "v", text="SELECT id FROM base"))
    v = hms.client.get_table(db, "v")
    assert v.tableType == "VIRTUAL_VIEW"
    assert v.viewOriginalText == "SELECT id FROM base"
    assert v.viewExpandedText == "SELECT id FROM base"
    assert not v.sd.location
    db_dir = path_of(hms.client.get_database(db).locationUri)
    assert sorted(p.name for p in db_dir.iterdir()) == ["base"]
    assert hms.client.get_tables_by_type(db, "*", "VIRTUAL_VIEW") == ["v"]
    assert hms.client.get_tables_by_type(db, "*", "MANAGED_TABLE") == ["base"]
    assert hms.client.get_tables_by_type(db, "x*", "VIRTUAL_VIEW") == []
    hms.client.drop_table(db, "v", True)
    assert hms.client.get_all_tables(db) == ["base"]


# -- drop ----------------------------------------------------------------------------------------


def test_drop_managed_table_delete_data(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    hms.client.add_partition(hms.make_partition(db, "t", ["2024-01-01", "1"]))
    part_dir = path_of(t.sd.location) / "ds=2024-01-01" / "hr=1"
    assert part_dir.is_dir()
    hms.client.drop_table(db, "t", True)
    assert not path_of(t.sd.location).exists()
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_table(db, "t")
    # re-creating at the same default path works and starts empty
    t2 = hms.new_table(db, "t")
    assert t2.sd.location == t.sd.location
    assert hms.client.get_partition_names(db, "t", -1) == []


def test_drop_managed_table_keep_data(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    hms.client.drop_table(db, "t", False)
    assert path_of(t.sd.location).is_dir()
    assert hms.client.get_all_tables(db) == []


def test_drop_external_table_keeps_data(hms, tmp_path):
    db = hms.new_db()
    location = f"file:{tmp_path}/ext"
    hms.client.create_table(hms.make_table(db, "ext", location=location, params={"EXTERNAL": "TRUE"}))
    (tmp_path / "ext" / "data.txt").write_text("1\n")
    hms.client.drop_table(db, "ext", True)
    assert (tmp_path / "ext" / "data.txt").read_text() == "1\n"
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_table(db, "ext")


def test_drop_table_with_environment_context(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    hms.client.drop_table_with_environment_context(db, "t", True, hms.env(ifPurge="TRUE"))
    assert not path_of(t.sd.location).exists()
    assert hms.client.get_all_tables(db) == []


def test_drop_missing_table(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.drop_table(db, "missing", True)


# -- alter: rename -------------------------------------------------------------------------------


def test_rename_managed_table_moves_directory_and_partitions(hms):
    db = hms.new_db()
    old = hms.new_table(db, "old_t")
    hms.client.add_partitions([hms.make_partition(db, "old_t", ["2024-01-01", str(h)]) for h in (1, 2)])
    (path_of(old.sd.location) / "ds=2024-01-01" / "hr=1" / "f.txt").write_text("x")
    renamed = hms.client.get_table(db, "old_t")
    renamed.tableName = "new_t"
    hms.client.alter_table(db, "old_t", renamed)

    t = hms.client.get_table(db, "new_t")
    db_location = hms.client.get_database(db).locationUri
    assert t.sd.location == f"{db_location}/new_t"
    assert not path_of(old.sd.location).exists()
    assert (path_of(t.sd.location) / "ds=2024-01-01" / "hr=1" / "f.txt").read_text() == "x"
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_table(db, "old_t")
    assert hms.client.get_all_tables(db) == ["new_t"]
    parts = hms.client.get_partitions(db, "new_t", -1)
    assert sorted(p.sd.location for p in parts) == [
        f"{db_location}/new_t/ds=2024-01-01/hr=1", f"{db_location}/new_t/ds=2024-01-01/hr=2",
    ]
    assert all(p.tableName == "new_t" for p in parts)
    assert all(path_of(p.sd.location).is_dir() for p in parts)
    assert hms.client.get_partition_names(db, "new_t", -1) == ["ds=2024-01-01/hr=1", "ds=2024-01-01/hr=2"]


def test_rename_managed_table_to_other_database(hms):
    db1, db2 = hms.new_db("a"), hms.new_db("b")
    old = hms.new_table(db1, "t", partition_keys=[])
    moved = hms.client.get_table(db1, "t")
    moved.dbName, moved.tableName = db2, "t2"
    hms.client.alter_table(db1, "t", moved)
    t = hms.client.get_table(db2, "t2")
    assert t.sd.location == f"{hms.client.get_database(db2).locationUri}/t2"
    assert path_of(t.sd.location).is_dir()
    assert not path_of(old.sd.location).exists()
    assert hms.client.get_all_tables(db1) == []


def test_rename_external_table_keeps_location(hms, tmp_path):
    db = hms.new_db()
    location = f"file:{tmp_path}/ext"
    hms.client.create_table(hms.make_table(db, "e1", location=location, params={"EXTERNAL": "TRUE"}))
    t = hms.client.get_table(db, "e1")
    t.tableName = "e2"
    hms.client.alter_table(db, "e1", t)
    assert hms.client.get_table(db, "e2").sd.location == location
    assert (tmp_path / "ext").is_dir()


def test_rename_to_existing_table(hms):
    db = hms.new_db()
    a = hms.new_table(db, "a")
    hms.new_table(db, "b", cols=[("other", "string")])
    a.tableName = "b"
    with pytest.raises(hms.T.InvalidOperationException) as info:
        hms.client.alter_table(db, "a", a)
    assert f"{db}.b" in info.value.message and "already exists" in info.value.message
    assert path_of(hms.client.get_table(db, "a").sd.location).is_dir()
    assert [c.name for c in hms.client.get_table(db, "b").sd.cols] == ["other"]
    assert hms.client.get_all_tables(db) == ["a", "b"]


def test_rename_to_existing_table_without_target_directory(hms, tmp_path):
    db = hms.new_db()
    a = hms.new_table(db, "a")
    hms.client.create_table(hms.make_table(db, "b", location=f"file:{tmp_path}/b", params={"EXTERNAL": "TRUE"}))
    a.tableName = "b"
    with pytest.raises(hms.T.InvalidOperationException) as info:
        hms.client.alter_table(db, "a", a)
    assert info.value.message == f"new table {db}.b already exists"
    assert path_of(hms.client.get_table(db, "a").sd.location).is_dir()
    assert hms.client.get_table(db, "b").tableType == "EXTERNAL_TABLE"
    assert hms.client.get_all_tables(db) == ["a", "b"]
    assert not (path_of(hms.client.get_database(db).locationUri) / "b").exists()


def test_alter_missing_table(hms):
    """Java HiveAlterHandler: InvalidOperationException("table <db>.<name> doesn't exist")."""
    db = hms.new_db()
    with pytest.raises(hms.T.InvalidOperationException) as info:
        hms.client.alter_table(db, "missing", hms.make_table(db, "missing"))
    assert f"{db}.missing" in info.value.message
    assert hms.client.get_all_tables(db) == []


# -- alter: parameters, stats, CAS ---------------------------------------------------------------


def test_alter_do_not_update_stats_keeps_parameters_exactly(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    t.parameters = {"a": "1", DDL_TIME: "1000", "numRows": "5"}
    hms.client.alter_table_with_environment_context(db, "t", t, hms.env(DO_NOT_UPDATE_STATS="true"))
    assert hms.client.get_table(db, "t").parameters == {"a": "1", DDL_TIME: "1000", "numRows": "5"}


def test_alter_refreshes_ddl_time(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    t.parameters = {"a": "1", DDL_TIME: "1000"}
    before = _now()
    hms.client.alter_table(db, "t", t)
    params = hms.client.get_table(db, "t").parameters
    assert params["a"] == "1"
    assert before <= int(params[DDL_TIME]) <= _now()
    t.parameters = {"a": "2", DDL_TIME: "1000"}
    hms.client.alter_table_with_environment_context(db, "t", t, hms.env(DO_NOT_UPDATE_STATS="false"))
    params = hms.client.get_table(db, "t").parameters
    assert params["a"] == "2" and int(params[DDL_TIME]) >= before


def test_alter_compare_and_swap(hms):
    db = hms.new_db()
    t = hms.new_table(db, "ice", partition_keys=[],
                      params={"table_type": "ICEBERG", "metadata_location": "file:/m/v1.json"})
    t.parameters.update(metadata_location="file:/m/v2.json", previous_metadata_location="file:/m/v1.json")
    hms.client.alter_table_with_environment_context(db, "ice", t, hms.env(
        expected_parameter_key="metadata_location", expected_parameter_value="file:/m/v1.json"))
    current = hms.client.get_table(db, "ice")
    assert current.parameters["metadata_location"] == "file:/m/v2.json"
    assert current.parameters["previous_metadata_location"] == "file:/m/v1.json"

    # a writer that still believes v1 is current loses, and nothing of its change lands
    stale = hms.client.get_table(db, "ice")
    stale.parameters.update(metadata_location="file:/m/v3.json", owner_note="stale")
    stale.sd.cols.append(hms.T.FieldSchema(name="extra", type="string", comment=None))
    with pytest.raises(hms.T.MetaException) as info:
        hms.client.alter_table_with_environment_context(db, "ice", stale, hms.env(
            expected_parameter_key="metadata_location", expected_parameter_value="file:/m/v1.json"))
    assert "metadata_location" in info.value.message
    after = hms.client.get_table(db, "ice")
    assert after.parameters == current.parameters
    assert [c.name for c in after.sd.cols] == ["id"]


def test_alter_table_req_compare_and_swap(hms):
    if not hasattr(hms.T, "AlterTableRequest"):
        pytest.skip("alter_table_req is a Hive 3+ method")
    db = hms.new_db()
    t = hms.new_table(db, "ice", partition_keys=[], params={"metadata_location": "v1"})

    def request(table, expected):
        return hms.T.AlterTableRequest(dbName=db, tableName="ice", table=table, environmentContext=hms.env(
            expected_parameter_key="metadata_location", expected_parameter_value=expected))

    t.parameters["metadata_location"] = "v2"
    hms.client.alter_table_req(request(t, "v1"))
    assert hms.client.get_table(db, "ice").parameters["metadata_location"] == "v2"
    t.parameters["metadata_location"] = "v3"
    with pytest.raises(hms.T.MetaException) as info:
        hms.client.alter_table_req(request(t, "v1"))
    assert "metadata_location" in info.value.message
    assert hms.client.get_table(db, "ice").parameters["metadata_location"] == "v2"


def test_alter_cannot_change_partition_keys(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    for keys in ([("ds", "string")], [("ds", "string"), ("hr", "string")], [("ds", "string"), ("hr", "int"), ("m", "int")]):
        changed = hms.client.get_table(db, "t")
        changed.partitionKeys = [hms.T.FieldSchema(name=n, type=ty, comment=None) for n, ty in keys]
        with pytest.raises(hms.T.InvalidOperationException) as info:
            hms.client.alter_table(db, "t", changed)
        assert info.value.message == "partition keys can not be changed."
    assert [(k.name, k.type) for k in hms.client.get_table(db, "t").partitionKeys] == [("ds", "string"), ("hr", "int")]
    assert hms.client.get_table(db, "t").parameters == t.parameters


def test_alter_add_columns(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    t.sd.cols.append(hms.T.FieldSchema(name="Added", type="map<string,array<int>>", comment="new"))
    hms.client.alter_table(db, "t", t)
    cols = hms.client.get_table(db, "t").sd.cols
    assert [(c.name, c.type, c.comment) for c in cols] == [("id", "int", None), ("added", "map<string,array<int>>", "new")]
    with hms.connection() as other:
        assert [c.name for c in other.get_table(db, "t").sd.cols] == ["id", "added"]
    assert [c.name for c in hms.client.get_fields(db, "t")] == ["id", "added"]
    assert [c.name for c in hms.client.get_schema(db, "t")] == ["id", "added", "ds", "hr"]
