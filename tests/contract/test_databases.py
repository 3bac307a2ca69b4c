"""Database contract: defaults, lookups, patterns, alter, drop semantics and their disk effects."""

from __future__ import annotations

import pytest

from tests.contract.conftest import path_of


def test_default_database(hms):
    db = hms.client.get_database("default")
    assert db.name == "default"
    assert db.locationUri == hms.warehouse_uri
    assert path_of(db.locationUri).is_dir()
    assert isinstance(db.parameters, dict)
    assert "default" in hms.client.get_all_databases()


def test_create_database_defaults(hms):
    name = hms.unique("Mixed_Case")
    hms.client.create_database(hms.make_database(name, description="a db", params={"k": "v"}))
    lower = name.lower()
    for lookup in (name, lower, name.upper()):
        db = hms.client.get_database(lookup)
        assert db.name == lower
    assert db.description == "a db"
    assert db.parameters == {"k": "v"}
    assert db.locationUri == f"{hms.warehouse_uri}/{lower}.db"
    assert path_of(db.locationUri).is_dir()
    assert lower in hms.client.get_all_databases()
    assert name not in hms.client.get_all_databases()


def test_hive3_catalog_prefixed_database_names(hms):
    """Hive 3+ clients with a catalog name send ``@<catalog>#<db>``."""
    name = hms.new_db(description="cat")
    assert hms.client.get_database(f"@hive#{name}").name == name
    hms.new_table(name, "t")
    assert hms.client.get_table(f"@hive#{name}", "t").tableName == "t"
    assert hms.client.get_all_tables(f"@hive#{name}") == ["t"]


def test_owner_is_kept(hms):
    name = hms.new_db()
    db = hms.client.get_database(name)
    assert (db.ownerName, db.ownerType) == ("tester", hms.T.PrincipalType.USER)


def test_create_database_explicit_location(hms, tmp_path):
    name = hms.unique()
    location = f"file:{tmp_path}/somewhere/{name}"
    hms.client.create_database(hms.make_database(name, location=location))
    assert hms.client.get_database(name).locationUri == location
    assert (tmp_path / "somewhere" / name).is_dir()


def test_create_database_null_parameters_reads_back_as_dict(hms):
    name = hms.unique()
    db = hms.make_database(name)
    db.parameters = None
    hms.client.create_database(db)
    assert hms.client.get_database(name).parameters == {}


def test_create_duplicate_database(hms):
    name = hms.new_db("dup", description="first")
    for again in (name, name.upper()):
        with pytest.raises(hms.T.AlreadyExistsException) as info:
            hms.client.create_database(hms.make_database(again, description="second"))
        assert name in info.value.message
    assert hms.client.get_database(name).description == "first"


def test_get_missing_database(hms):
    name = hms.unique("missing")
    with pytest.raises(hms.T.NoSuchObjectException) as info:
        hms.client.get_database(name)
    assert name in info.value.message


def test_get_databases_patterns(hms):
    u = hms.unique()
    names = [f"{u}_sales", f"{u}_salary", f"{u}_x", f"{u}_other"]
    for n in names:
        hms.client.create_database(hms.make_database(n))
    c = hms.client
    assert c.get_databases(f"{u}_sal*|{u}_x") == sorted([f"{u}_sales", f"{u}_salary", f"{u}_x"])
    assert c.get_databases(f"{u.upper()}_SAL*") == sorted([f"{u}_sales", f"{u}_salary"])
    assert c.get_databases(f"{u}_sa.es") == [f"{u}_sales"]
    assert c.get_databases(f"{u}_sal") == []  # a full match, not a prefix match
    assert c.get_databases(f"{u}_x|{u}_nothing") == [f"{u}_x"]
    every = c.get_all_databases()
    assert set(names) | {"default"} <= set(every)
    assert every == sorted(every)
    assert c.get_databases("*") == every
    assert c.get_databases(".*") == every


def test_alter_database(hms):
    name = hms.new_db(description="before", params={"a": "1", "b": "2"})
    original = hms.client.get_database(name)
    changed = hms.client.get_database(name)
    changed.description = "after"
    changed.parameters = {"a": "10", "c": "3"}
    hms.client.alter_database(name, changed)
    db = hms.client.get_database(name)
    assert db.description == "after"
    assert db.parameters == {"a": "10", "c": "3"}
    assert db.locationUri == original.locationUri
    with hms.connection() as other:  # persisted, not cached on the connection
        assert other.get_database(name).parameters == {"a": "10", "c": "3"}


def test_alter_missing_database(hms):
    name = hms.unique("missing")
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.alter_database(name, hms.make_database(name))
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_database(name)


def test_drop_non_empty_database_without_cascade(hms):
    name = hms.new_db()
    hms.new_table(name, "t1")
    with pytest.raises(hms.T.InvalidOperationException) as info:
        hms.client.drop_database(name, True, False)
    assert info.value.message == f"Database {name} is not empty. One or more tables exist."
    assert hms.client.get_database(name).name == name
    assert hms.client.get_all_tables(name) == ["t1"]
    assert path_of(hms.client.get_table(name, "t1").sd.location).is_dir()


def test_drop_empty_database_keeps_data_without_delete_data(hms):
    name = hms.new_db()
    location = hms.client.get_database(name).locationUri
    hms.client.drop_database(name, False, False)
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_database(name)
    assert name not in hms.client.get_all_databases()
    assert path_of(location).is_dir()


def test_drop_database_cascade_removes_tables(hms):
    name = hms.new_db()
    t1 = hms.new_table(name, "t1")
    hms.new_table(name, "t2", partition_keys=[])
    hms.client.add_partition(hms.make_partition(name, "t1", ["2024-01-01", "1"]))
    hms.client.drop_database(name, False, True)
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_database(name)
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_table(name, "t1")
    assert path_of(t1.sd.location).is_dir()  # deleteData=False keeps the files
    # the name is free again, and the new database is empty
    hms.client.create_database(hms.make_database(name))
    assert hms.client.get_all_tables(name) == []


def test_drop_database_delete_data_removes_directory(hms):
    name = hms.new_db()
    location = path_of(hms.client.get_database(name).locationUri)
    t1 = hms.new_table(name, "t1")
    hms.client.add_partition(hms.make_partition(name, "t1", ["2024-01-01", "1"]))
    assert location.is_dir()
    hms.client.drop_database(name, True, True)
    assert not location.exists()
    assert not path_of(t1.sd.location).exists()
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_database(name)


def test_drop_missing_database(hms):
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.drop_database(hms.unique("missing"), True, True)


def test_drop_default_database_is_refused(hms):
    with pytest.raises(hms.T.MetaException) as info:
        hms.client.drop_database("default", False, False)
    assert "default" in info.value.message
    assert hms.client.get_database("default").name == "default"
