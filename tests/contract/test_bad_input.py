"""Bad input: the declared exception type, a message naming the problem, and nothing written."""

from __future__ import annotations

import pytest

from tests.contract.conftest import path_of


def _db_dir_entries(hms, db):
    return sorted(p.name for p in path_of(hms.client.get_database(db).locationUri).iterdir())


def _assert_table_not_created(hms, db, name=None):
    assert hms.client.get_all_tables(db) == []
    assert _db_dir_entries(hms, db) == []
    if name:
        with pytest.raises(hms.T.NoSuchObjectException):
            hms.client.get_table(db, name)


# -- tables --------------------------------------------------------------------------------------


def test_empty_table_name(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.create_table(hms.make_table(db, ""))
    assert "Table name is empty" in info.value.message
    _assert_table_not_created(hms, db)


def test_table_name_too_long(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.create_table(hms.make_table(db, "t" * 129))
    assert "129 characters" in info.value.message and "128" in info.value.message
    _assert_table_not_created(hms, db, "t" * 129)
    # the limit itself is fine
    hms.client.create_table(hms.make_table(db, "t" * 128))
    assert hms.client.get_all_tables(db) == ["t" * 128]


def test_table_name_with_dash(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.create_table(hms.make_table(db, "bad-name"))
    assert "'bad-name'" in info.value.message
    _assert_table_not_created(hms, db, "bad-name")


def test_database_name_with_dash(hms):
    name = hms.unique() + "-x"
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.create_database(hms.make_database(name))
    assert f"'{name}'" in info.value.message
    assert name not in hms.client.get_all_databases()
    assert not (path_of(hms.warehouse_uri) / f"{name}.db").exists()


def test_unknown_column_type(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.create_table(hms.make_table(db, "t", cols=[("id", "int"), ("x", "foo")]))
    assert "'x'" in info.value.message and "'foo'" in info.value.message
    _assert_table_not_created(hms, db, "t")


def test_unknown_partition_key_type(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.create_table(hms.make_table(db, "t", partition_keys=[("ds", "strin g<")]))
    assert "'ds'" in info.value.message
    _assert_table_not_created(hms, db, "t")


def test_duplicate_column_case_insensitive(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.create_table(hms.make_table(db, "t", cols=[("a", "int"), ("A", "string")]))
    assert "duplicate column 'a'" in info.value.message
    _assert_table_not_created(hms, db, "t")


def test_column_equal_to_partition_key(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.create_table(hms.make_table(db, "t", cols=[("id", "int"), ("DS", "string")]))
    assert "duplicate column 'ds'" in info.value.message
    _assert_table_not_created(hms, db, "t")


def test_table_in_missing_database(hms):
    """metastore/hms/service.py looks the database up -> NoSuchObjectException (create_table slot 4)."""
    db = hms.unique("nodb")
    with pytest.raises(hms.T.NoSuchObjectException) as info:
        hms.client.create_table(hms.make_table(db, "t"))
    assert f"Database '{db}' does not exist" in info.value.message
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_database(db)
    assert db not in hms.client.get_all_databases()
    assert not (path_of(hms.warehouse_uri) / f"{db}.db").exists()


def test_create_table_with_environment_context_validates_too(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.create_table_with_environment_context(
            hms.make_table(db, "t", cols=[("b", "int"), ("B", "int")]), hms.env(a="b"))
    assert "duplicate column 'b'" in info.value.message
    _assert_table_not_created(hms, db, "t")


def test_alter_table_with_unknown_column_type(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    t.sd.cols.append(hms.T.FieldSchema(name="x", type="foo", comment=None))
    with pytest.raises(hms.T.InvalidOperationException) as info:
        hms.client.alter_table(db, "t", t)
    assert "'foo'" in info.value.message
    assert [c.name for c in hms.client.get_table(db, "t").sd.cols] == ["id"]


def test_alter_table_with_unknown_column_type_changes_nothing(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    t.sd.cols.append(hms.T.FieldSchema(name="x", type="foo", comment=None))
    with pytest.raises((hms.T.InvalidOperationException, hms.T.MetaException)) as info:
        hms.client.alter_table(db, "t", t)
    assert "'foo'" in info.value.message
    assert [c.name for c in hms.client.get_table(db, "t").sd.cols] == ["id"]


# -- partitions ----------------------------------------------------------------------------------


def test_partition_with_wrong_number_of_values(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    for values in (["2024-01-01"], ["2024-01-01", "1", "x"]):
        with pytest.raises(hms.T.InvalidObjectException) as info:
            hms.client.add_partition(hms.make_partition(db, "t", values))
        assert f"got {len(values)} partition values" in info.value.message
        assert "ds, hr" in info.value.message
    assert hms.client.get_partition_names(db, "t", -1) == []
    assert list(path_of(t.sd.location).iterdir()) == []


def test_partition_with_empty_value(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.add_partition(hms.make_partition(db, "t", ["2024-01-01", ""]))
    assert "'hr'" in info.value.message and "empty" in info.value.message
    assert hms.client.get_partition_names(db, "t", -1) == []
    assert list(path_of(t.sd.location).iterdir()) == []


def test_partition_of_unpartitioned_table(hms):
    db = hms.new_db()
    hms.new_table(db, "t", partition_keys=[])
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.add_partition(hms.make_partition(db, "t", ["x"]))
    assert "not partitioned" in info.value.message
    assert hms.client.get_partitions(db, "t", -1) == []


def test_partition_for_missing_table(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.add_partition(hms.make_partition(db, "missing", ["2024-01-01", "1"]))
    assert "missing" in info.value.message


def test_partition_for_missing_table_writes_nothing(hms):
    db = hms.new_db()
    with pytest.raises((hms.T.InvalidObjectException, hms.T.MetaException)) as info:
        hms.client.add_partition(hms.make_partition(db, "missing", ["2024-01-01", "1"]))
    assert f"{db}.missing" in info.value.message
    with pytest.raises((hms.T.InvalidObjectException, hms.T.MetaException)):
        hms.client.add_partitions([hms.make_partition(db, "missing", ["2024-01-01", "1"])])
    assert hms.client.get_all_tables(db) == []
    assert _db_dir_entries(hms, db) == []


def test_add_partitions_batch_with_one_invalid_adds_none(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    batch = [hms.make_partition(db, "t", ["2024-01-01", str(h)]) for h in range(3)]
    batch.insert(2, hms.make_partition(db, "t", ["2024-01-02"]))  # one value short
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.add_partitions(batch)
    assert "got 1 partition values" in info.value.message
    with pytest.raises(hms.T.InvalidObjectException):
        hms.client.add_partitions_req(hms.T.AddPartitionsRequest(dbName=db, tblName="t", parts=batch,
                                                                 ifNotExists=True, needResult=True))
    assert hms.client.get_partition_names(db, "t", -1) == []
    assert list(path_of(t.sd.location).iterdir()) == []


def test_add_partitions_batch_with_bad_column_type_adds_none(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    bad = hms.make_partition(db, "t", ["2024-01-01", "9"])
    bad.sd.cols = [hms.T.FieldSchema(name="id", type="foo", comment=None)]
    batch = [hms.make_partition(db, "t", ["2024-01-01", "1"]), bad]
    with pytest.raises(hms.T.InvalidObjectException) as info:
        hms.client.add_partitions(batch)
    assert "'foo'" in info.value.message
    assert hms.client.get_partition_names(db, "t", -1) == []
    assert list(path_of(t.sd.location).iterdir()) == []


def test_add_partitions_batch_spanning_two_tables_adds_none(hms):
    db = hms.new_db()
    hms.new_table(db, "t1")
    hms.new_table(db, "t2")
    batch = [hms.make_partition(db, "t1", ["2024-01-01", "1"]), hms.make_partition(db, "t2", ["2024-01-01", "1"])]
    with pytest.raises(hms.T.MetaException) as info:
        hms.client.add_partitions(batch)
    assert f"{db}.t2" in info.value.message
    assert hms.client.get_partition_names(db, "t1", -1) == []
    assert hms.client.get_partition_names(db, "t2", -1) == []
