"""Partition contract on a table partitioned by ``ds string, hr int`` (3 days x 4 hours)."""

from __future__ import annotations

import time

import pytest
from thrift.Thrift import TApplicationException

from tests.contract.conftest import path_of

DAYS = ["2024-01-01", "2024-01-02", "2024-01-03"]
HOURS = ["1", "2", "3", "4"]
DDL_TIME = "transient_lastDdlTime"


def pname(ds, hr):
    return f"ds={ds}/hr={hr}"


ALL_NAMES = sorted(pname(d, h) for d in DAYS for h in HOURS)


def setup_table(hms, name="t", **kw):
    """A fresh database with table ``name`` holding the 12 partitions; returns (db, table)."""
    db = hms.new_db()
    table = hms.new_table(db, name, **kw)
    parts = [hms.make_partition(db, name, [d, h]) for d in DAYS for h in HOURS]
    assert hms.client.add_partitions(parts) == 12
    return db, table


def values_of(parts):
    return sorted(tuple(p.values) for p in parts)


def names_of(parts):
    return sorted(pname(*p.values) for p in parts)


# -- add -----------------------------------------------------------------------------------------


def test_add_partitions_returns_count(hms):
    db, t = setup_table(hms)
    assert hms.client.get_partition_names(db, "t", -1) == ALL_NAMES
    for name in ALL_NAMES:
        assert (path_of(t.sd.location) / name).is_dir()
    assert hms.client.add_partitions([]) == 0


def test_append_partition_gets_its_own_location_under_the_table(hms):
    """append_partition sends no storage descriptor: the partition lives at <table>/<name>, like Hive."""
    db = hms.new_db()
    t = hms.new_table(db, "t")
    p = hms.client.append_partition(db, "t", ["2024-01-05", "7"])
    assert p.sd.location == f"{t.sd.location}/ds=2024-01-05/hr=7"
    q = hms.client.append_partition_by_name(db, "t", "ds=2024-01-06/hr=8")
    assert q.sd.location == f"{t.sd.location}/ds=2024-01-06/hr=8"
    assert path_of(q.sd.location).is_dir()
    stored = hms.client.get_partition(db, "t", ["2024-01-05", "7"])
    assert (stored.sd.location, [c.name for c in stored.sd.cols]) == (p.sd.location, [c.name for c in t.sd.cols])


def test_add_partition_returns_the_stored_partition(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    before = int(time.time())
    p = hms.client.add_partition(hms.make_partition(db, "t", ["2024-01-05", "7"], params={"k": "v"}))
    assert p.values == ["2024-01-05", "7"]
    assert (p.dbName, p.tableName) == (db, "t")
    assert p.sd.location == f"{t.sd.location}/ds=2024-01-05/hr=7"
    assert path_of(p.sd.location).is_dir()
    assert p.parameters["k"] == "v"
    assert int(p.parameters[DDL_TIME]) >= before
    assert p.createTime >= before
    assert [(c.name, c.type) for c in p.sd.cols] == [("id", "int")]
    stored = hms.client.get_partition(db, "t", ["2024-01-05", "7"])
    assert stored.sd.location == p.sd.location
    assert stored.parameters == p.parameters


def test_add_partition_with_environment_context_and_explicit_location(hms, tmp_path):
    db = hms.new_db()
    hms.new_table(db, "t")
    location = f"file:{tmp_path}/elsewhere"
    p = hms.client.add_partition_with_environment_context(
        hms.make_partition(db, "t", ["2024-01-01", "1"], location=location), hms.env(a="b"))
    assert p.sd.location == location
    assert (tmp_path / "elsewhere").is_dir()
    assert hms.client.get_partition(db, "t", ["2024-01-01", "1"]).sd.location == location


def test_add_partitions_req_if_not_exists(hms):
    db, _ = setup_table(hms)
    batch = [hms.make_partition(db, "t", v) for v in (
        ["2024-01-01", "1"], ["2024-01-04", "1"], ["2024-01-02", "2"], ["2024-01-04", "2"])]
    result = hms.client.add_partitions_req(hms.T.AddPartitionsRequest(
        dbName=db, tblName="t", parts=batch, ifNotExists=True, needResult=True))
    assert values_of(result.partitions) == [("2024-01-04", "1"), ("2024-01-04", "2")]
    assert all(p.sd.location.endswith(pname(*p.values)) for p in result.partitions)

    batch = [hms.make_partition(db, "t", v) for v in (["2024-01-04", "1"], ["2024-01-04", "3"])]
    result = hms.client.add_partitions_req(hms.T.AddPartitionsRequest(
        dbName=db, tblName="t", parts=batch, ifNotExists=True, needResult=False))
    assert not result.partitions
    assert hms.client.get_partition_names_ps(db, "t", ["2024-01-04"], -1) == [
        "ds=2024-01-04/hr=1", "ds=2024-01-04/hr=2", "ds=2024-01-04/hr=3"]
    assert len(hms.client.get_partition_names(db, "t", -1)) == 15

    # all exist: nothing added, empty result
    result = hms.client.add_partitions_req(hms.T.AddPartitionsRequest(
        dbName=db, tblName="t", parts=batch, ifNotExists=True, needResult=True))
    assert not result.partitions


def test_add_duplicate_partition(hms):
    db, _ = setup_table(hms)
    with pytest.raises(hms.T.AlreadyExistsException) as info:
        hms.client.add_partition(hms.make_partition(db, "t", ["2024-01-02", "3"]))
    assert "ds=2024-01-02/hr=3" in info.value.message
    batch = [hms.make_partition(db, "t", ["2024-01-09", "1"]), hms.make_partition(db, "t", ["2024-01-01", "1"])]
    with pytest.raises(hms.T.AlreadyExistsException) as info:
        hms.client.add_partitions(batch)
    assert "ds=2024-01-01/hr=1" in info.value.message
    with pytest.raises(hms.T.AlreadyExistsException):
        hms.client.add_partitions_req(hms.T.AddPartitionsRequest(
            dbName=db, tblName="t", parts=batch, ifNotExists=False, needResult=True))
    assert hms.client.get_partition_names(db, "t", -1) == ALL_NAMES
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_partition(db, "t", ["2024-01-09", "1"])


def test_duplicate_within_one_batch_adds_nothing(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    batch = [hms.make_partition(db, "t", ["2024-01-01", "1"]), hms.make_partition(db, "t", ["2024-01-01", "2"]),
             hms.make_partition(db, "t", ["2024-01-01", "1"])]
    with pytest.raises((hms.T.AlreadyExistsException, hms.T.MetaException)) as info:
        hms.client.add_partitions(batch)
    assert "ds=2024-01-01/hr=1" in info.value.message
    assert hms.client.get_partition_names(db, "t", -1) == []
    assert list(path_of(t.sd.location).iterdir()) == []


# -- get -----------------------------------------------------------------------------------------


def test_get_partition_variants(hms):
    db, t = setup_table(hms)
    c = hms.client
    p = c.get_partition(db, "t", ["2024-01-02", "3"])
    assert p.values == ["2024-01-02", "3"]
    assert p.sd.location == f"{t.sd.location}/ds=2024-01-02/hr=3"
    assert isinstance(p.parameters, dict) and p.sd.serdeInfo is not None
    assert c.get_partition_with_auth(db, "t", ["2024-01-02", "3"], None, None).values == ["2024-01-02", "3"]
    assert c.get_partition_with_auth(db, "T", ["2024-01-02", "3"], "alice", ["g"]).sd.location == p.sd.location
    assert c.get_partition_by_name(db, "t", "ds=2024-01-02/hr=3").values == ["2024-01-02", "3"]


def test_get_missing_partition(hms):
    db, _ = setup_table(hms)
    c = hms.client
    with pytest.raises(hms.T.NoSuchObjectException):
        c.get_partition(db, "t", ["2024-01-02", "9"])
    with pytest.raises(hms.T.NoSuchObjectException):
        c.get_partition_with_auth(db, "t", ["2024-01-09", "1"], None, None)
    with pytest.raises(hms.T.NoSuchObjectException) as info:
        c.get_partition_by_name(db, "t", "ds=2024-01-09/hr=1")
    assert "ds=2024-01-09/hr=1" in info.value.message
    with pytest.raises(hms.T.NoSuchObjectException):
        c.get_partition(db, "missing", ["2024-01-02", "1"])


def test_get_partitions_and_max_parts(hms):
    db, _ = setup_table(hms)
    parts = hms.client.get_partitions(db, "t", -1)
    assert [pname(*p.values) for p in parts] == ALL_NAMES
    five = hms.client.get_partitions(db, "t", 5)
    # hive-metastore-client sends max_parts as i32 where the protocol has i16: the server never
    # sees the limit and answers with every partition (tests/test_idl_compat.py METHOD_CONFLICTS).
    expected = ALL_NAMES if hms.gen == "hive3" else ALL_NAMES[:5]
    assert [pname(*p.values) for p in five] == expected
    assert [pname(*p.values) for p in hms.client.get_partitions_with_auth(db, "t", -1, None, None)] == ALL_NAMES
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_partitions(db, "missing", -1)


def test_get_partitions_ps_with_auth(hms):
    db, _ = setup_table(hms)
    c = hms.client
    hr1 = c.get_partitions_ps_with_auth(db, "t", ["", "1"], -1, None, None)
    assert values_of(hr1) == [(d, "1") for d in DAYS]
    day2 = c.get_partitions_ps_with_auth(db, "t", ["2024-01-02"], -1, None, None)
    assert values_of(day2) == [("2024-01-02", h) for h in HOURS]
    one = c.get_partitions_ps_with_auth(db, "t", ["2024-01-02", "4"], -1, "alice", ["g1"])
    assert values_of(one) == [("2024-01-02", "4")]
    assert c.get_partitions_ps_with_auth(db, "t", ["2024-01-09"], -1, None, None) == []
    assert len(c.get_partitions_ps_with_auth(db, "t", [], -1, None, None)) == 12
    assert values_of(c.get_partitions_ps(db, "t", ["2024-01-03"], 2)) == [("2024-01-03", "1"), ("2024-01-03", "2")]
    with pytest.raises(hms.T.MetaException) as info:
        c.get_partitions_ps_with_auth(db, "t", ["2024-01-02", "1", "x"], -1, None, None)
    assert "Incorrect number of partition values" in info.value.message


def test_get_partition_names_and_ps(hms):
    db, _ = setup_table(hms)
    c = hms.client
    assert c.get_partition_names(db, "t", -1) == ALL_NAMES
    assert c.get_partition_names(db, "t", 3) == ALL_NAMES[:3]
    assert c.get_partition_names_ps(db, "t", ["2024-01-02"], -1) == [pname("2024-01-02", h) for h in HOURS]
    assert c.get_partition_names_ps(db, "t", ["", "2"], -1) == [pname(d, "2") for d in DAYS]
    assert c.get_partition_names_ps(db, "t", ["2024-01-03", "4"], -1) == ["ds=2024-01-03/hr=4"]
    with pytest.raises(hms.T.NoSuchObjectException) as info:
        c.get_partition_names_ps(db, "missing", [""], -1)
    assert f"{db}.missing" in info.value.message


def test_get_partition_names_on_missing_table_raises_on_both_generations(hms):
    """Hive 2.3 declares only MetaException (slot 1); Hive 3/4 NoSuchObjectException in slot 1."""
    db = hms.new_db()
    expected = hms.T.MetaException if hms.gen == "hive2.3" else hms.T.NoSuchObjectException
    try:
        hms.client.get_partition_names(db, "missing", -1)
    except TApplicationException as e:  # "get_partition_names failed: unknown result"
        pytest.fail(f"exception landed in a slot this generation does not declare: {e!r}")
    except expected as e:
        assert f"{db}.missing" in e.message
    else:
        pytest.fail("no exception for a missing table")
    assert hms.client.get_all_tables(db) == []  # the connection is still in sync


def test_get_partitions_by_names(hms):
    db, _ = setup_table(hms)
    names = ["ds=2024-01-03/hr=2", "ds=2024-01-09/hr=1", "ds=2024-01-01/hr=4", "ds=x/hr=1",
             "hr=2/ds=2024-01-03", "ds=2024-01-03"]
    parts = hms.client.get_partitions_by_names(db, "t", names)
    assert names_of(parts) == ["ds=2024-01-01/hr=4", "ds=2024-01-03/hr=2"]
    assert hms.client.get_partitions_by_names(db, "t", []) == []
    assert hms.client.get_partitions_by_names(db, "t", ["ds=2024-01-09/hr=1"]) == []


# -- filters -------------------------------------------------------------------------------------


FILTERS = [
    ('ds = "2024-01-02"', [("2024-01-02", h) for h in HOURS]),
    ("hr > 1 and hr <= 3", [(d, h) for d in DAYS for h in ("2", "3")]),
    ("(hr = 1 or hr = 2)", [(d, h) for d in DAYS for h in ("1", "2")]),
    ('ds != "2024-01-01"', [(d, h) for d in DAYS[1:] for h in HOURS]),
    ('ds like ".*02"', [("2024-01-02", h) for h in HOURS]),
    ('ds like "%02"', [("2024-01-02", h) for h in HOURS]),
    ('hr = 1 and ds >= "2024-01-02"', [("2024-01-02", "1"), ("2024-01-03", "1")]),
    ('ds = "2024-01-03" or hr = 4', sorted({("2024-01-03", h) for h in HOURS} | {(d, "4") for d in DAYS})),
    ('ds = "2024-01-09"', []),
    ("hr in (1, 4)", [(d, h) for d in DAYS for h in ("1", "4")]),
    ('ds between "2024-01-02" and "2024-01-03" and hr = 2', [("2024-01-02", "2"), ("2024-01-03", "2")]),
    ('not (ds = "2024-01-01" or hr > 1)', [("2024-01-02", "1"), ("2024-01-03", "1")]),
    ('"2024-01-02" = ds and 2 >= hr', [("2024-01-02", "1"), ("2024-01-02", "2")]),
    ("", [(d, h) for d in DAYS for h in HOURS]),
]


@pytest.mark.parametrize("filter_text,expected", FILTERS, ids=[f or "empty" for f, _ in FILTERS])
def test_get_partitions_by_filter(hms, filter_text, expected):
    db, _ = setup_table(hms)
    parts = hms.client.get_partitions_by_filter(db, "t", filter_text, -1)
    assert values_of(parts) == sorted(expected)
    assert hms.client.get_num_partitions_by_filter(db, "t", filter_text) == len(expected)


def test_filter_compares_integer_keys_numerically(hms):
    db, _ = setup_table(hms)
    hms.client.add_partition(hms.make_partition(db, "t", ["2024-01-01", "10"]))
    assert values_of(hms.client.get_partitions_by_filter(db, "t", "hr > 9", -1)) == [("2024-01-01", "10")]
    assert values_of(hms.client.get_partitions_by_filter(db, "t", "hr >= 4 and hr < 10", -1)) == [
        (d, "4") for d in DAYS]
    assert hms.client.get_num_partitions_by_filter(db, "t", "hr < 2") == 3
    # string keys compare as strings
    assert values_of(hms.client.get_partitions_by_filter(db, "t", 'ds > "2024-01-02"', -1)) == [
        ("2024-01-03", h) for h in HOURS]


def test_filter_max_parts(hms):
    db, _ = setup_table(hms)
    parts = hms.client.get_partitions_by_filter(db, "t", "hr = 1", 2)
    assert len(parts) == 2
    assert set(values_of(parts)) <= {(d, "1") for d in DAYS}


@pytest.mark.parametrize("bad", ['ds = "2024-01-02" and', "ds ==== 1", "(hr = 1", 'ds = "unterminated'])
def test_unparseable_filter(hms, bad):
    db, _ = setup_table(hms)
    with pytest.raises(hms.T.MetaException) as info:
        hms.client.get_partitions_by_filter(db, "t", bad, -1)
    assert info.value.message
    with pytest.raises(hms.T.MetaException):
        hms.client.get_num_partitions_by_filter(db, "t", bad)
    assert len(hms.client.get_partition_names(db, "t", -1)) == 12


def test_filter_on_non_partition_column(hms):
    db, _ = setup_table(hms)
    with pytest.raises(hms.T.MetaException) as info:
        hms.client.get_partitions_by_filter(db, "t", "id = 1", -1)
    assert "'id'" in info.value.message and "not a partition key" in info.value.message


def test_filter_on_missing_table(hms):
    db = hms.new_db()
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_partitions_by_filter(db, "missing", "hr = 1", -1)


# -- alter / rename ------------------------------------------------------------------------------


def test_alter_partition(hms):
    db, _ = setup_table(hms)
    p = hms.client.get_partition(db, "t", ["2024-01-02", "2"])
    p.parameters = {**p.parameters, "numRows": "42", "note": "x"}
    hms.client.alter_partition(db, "t", p)
    with hms.connection() as other:
        stored = other.get_partition(db, "t", ["2024-01-02", "2"])
    assert stored.parameters["numRows"] == "42" and stored.parameters["note"] == "x"
    assert stored.sd.location == p.sd.location
    untouched = hms.client.get_partition(db, "t", ["2024-01-02", "3"])
    assert "numRows" not in untouched.parameters


def test_alter_partition_with_environment_context_keeps_stats(hms):
    db, _ = setup_table(hms)
    p = hms.client.get_partition(db, "t", ["2024-01-02", "2"])
    p.parameters = {"numRows": "1", DDL_TIME: "1000"}
    hms.client.alter_partition_with_environment_context(db, "t", p, hms.env(DO_NOT_UPDATE_STATS="true"))
    assert hms.client.get_partition(db, "t", ["2024-01-02", "2"]).parameters == {"numRows": "1", DDL_TIME: "1000"}


def test_alter_partitions(hms):
    db, _ = setup_table(hms)
    parts = hms.client.get_partitions_ps(db, "t", ["2024-01-03"], -1)
    for p in parts:
        p.parameters = {**p.parameters, "numFiles": p.values[1]}
    hms.client.alter_partitions(db, "t", parts)
    stored = hms.client.get_partitions_ps(db, "t", ["2024-01-03"], -1)
    assert sorted((p.values[1], p.parameters["numFiles"]) for p in stored) == [(h, h) for h in HOURS]
    assert all("numFiles" not in p.parameters for p in hms.client.get_partitions_ps(db, "t", ["2024-01-01"], -1))


def test_alter_missing_partition(hms):
    db, _ = setup_table(hms)
    p = hms.make_partition(db, "t", ["2024-01-09", "1"])
    with pytest.raises(hms.T.InvalidOperationException) as info:
        hms.client.alter_partition(db, "t", p)
    assert "ds=2024-01-09/hr=1" in info.value.message
    assert len(hms.client.get_partition_names(db, "t", -1)) == 12


def test_rename_partition(hms):
    db, t = setup_table(hms)
    old = hms.client.get_partition(db, "t", ["2024-01-01", "1"])
    (path_of(old.sd.location) / "f.txt").write_text("data")
    new = hms.client.get_partition(db, "t", ["2024-01-01", "1"])
    new.values = ["2024-02-01", "1"]
    hms.client.rename_partition(db, "t", ["2024-01-01", "1"], new)
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_partition(db, "t", ["2024-01-01", "1"])
    moved = hms.client.get_partition(db, "t", ["2024-02-01", "1"])
    assert moved.sd.location == f"{t.sd.location}/ds=2024-02-01/hr=1"
    assert (path_of(moved.sd.location) / "f.txt").read_text() == "data"
    assert not path_of(old.sd.location).exists()
    names = hms.client.get_partition_names(db, "t", -1)
    assert len(names) == 12 and "ds=2024-02-01/hr=1" in names and "ds=2024-01-01/hr=1" not in names
    assert values_of(hms.client.get_partitions_by_filter(db, "t", 'ds = "2024-02-01"', -1)) == [("2024-02-01", "1")]


def test_rename_partition_onto_existing(hms):
    db, _ = setup_table(hms)
    new = hms.client.get_partition(db, "t", ["2024-01-01", "1"])
    new.values = ["2024-01-01", "2"]
    with pytest.raises(hms.T.InvalidOperationException) as info:
        hms.client.rename_partition(db, "t", ["2024-01-01", "1"], new)
    assert "ds=2024-01-01/hr=2" in info.value.message
    assert hms.client.get_partition_names(db, "t", -1) == ALL_NAMES


# -- drop ----------------------------------------------------------------------------------------


def test_drop_partition_delete_data(hms):
    db, t = setup_table(hms)
    location = path_of(t.sd.location) / "ds=2024-01-01/hr=1"
    assert hms.client.drop_partition(db, "t", ["2024-01-01", "1"], True) is True
    assert not location.exists()
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.get_partition(db, "t", ["2024-01-01", "1"])
    assert hms.client.get_partition_names(db, "t", -1) == ALL_NAMES[1:]


def test_drop_partition_keep_data(hms):
    db, t = setup_table(hms)
    assert hms.client.drop_partition(db, "t", ["2024-01-01", "2"], False) is True
    assert (path_of(t.sd.location) / "ds=2024-01-01/hr=2").is_dir()
    assert len(hms.client.get_partition_names(db, "t", -1)) == 11


def test_drop_partition_of_external_table_keeps_data(hms, tmp_path):
    db = hms.new_db()
    hms.client.create_table(hms.make_table(db, "e", location=f"file:{tmp_path}/e", params={"EXTERNAL": "TRUE"}))
    p = hms.client.add_partition(hms.make_partition(db, "e", ["2024-01-01", "1"]))
    assert p.sd.location == f"file:{tmp_path}/e/ds=2024-01-01/hr=1"
    assert hms.client.drop_partition(db, "e", ["2024-01-01", "1"], True) is True
    assert (tmp_path / "e" / "ds=2024-01-01" / "hr=1").is_dir()
    assert hms.client.get_partition_names(db, "e", -1) == []


def test_drop_partition_by_name(hms):
    db, t = setup_table(hms)
    assert hms.client.drop_partition_by_name(db, "t", "ds=2024-01-02/hr=3", True) is True
    assert not (path_of(t.sd.location) / "ds=2024-01-02/hr=3").exists()
    assert "ds=2024-01-02/hr=3" not in hms.client.get_partition_names(db, "t", -1)
    with pytest.raises(hms.T.NoSuchObjectException):
        hms.client.drop_partition_by_name(db, "t", "ds=2024-01-02/hr=3", True)


def test_drop_partition_with_environment_context(hms):
    db, t = setup_table(hms)
    assert hms.client.drop_partition_with_environment_context(
        db, "t", ["2024-01-03", "4"], True, hms.env(ifPurge="TRUE")) is True
    assert not (path_of(t.sd.location) / "ds=2024-01-03/hr=4").exists()
    assert hms.client.get_partition_names(db, "t", -1) == ALL_NAMES[:-1]


def test_drop_missing_partition(hms):
    db, _ = setup_table(hms)
    for values in (["2024-01-09", "1"], ["2024-01-01"]):
        with pytest.raises(hms.T.NoSuchObjectException):
            hms.client.drop_partition(db, "t", values, True)
    assert len(hms.client.get_partition_names(db, "t", -1)) == 12


# -- escaping ------------------------------------------------------------------------------------


SPECIAL = [("a/b", "ds=a%2Fb/hr=1"), ("x=y", "ds=x%3Dy/hr=1"), ("50%", "ds=50%25/hr=1"),
           ("with space", "ds=with space/hr=1")]


def test_special_characters_round_trip(hms):
    db = hms.new_db()
    t = hms.new_table(db, "t")
    hms.client.add_partitions([hms.make_partition(db, "t", [v, "1"]) for v, _ in SPECIAL])
    expected_names = sorted(n for _, n in SPECIAL)
    assert hms.client.get_partition_names(db, "t", -1) == expected_names
    for value, name in SPECIAL:
        p = hms.client.get_partition(db, "t", [value, "1"])
        assert p.values == [value, "1"]
        assert p.sd.location == f"{t.sd.location}/{name}"
        assert hms.client.get_partition_by_name(db, "t", name).values == [value, "1"]
        assert hms.client.get_partition_names_ps(db, "t", [value], -1) == [name]
        assert values_of(hms.client.get_partitions_by_filter(db, "t", f'ds = "{value}"', -1)) == [(value, "1")]
    found = hms.client.get_partitions_by_names(db, "t", [n for _, n in SPECIAL])
    assert values_of(found) == sorted((v, "1") for v, _ in SPECIAL)
    hms.client.drop_partition_by_name(db, "t", "ds=a%2Fb/hr=1", False)
    assert hms.client.get_partition_names(db, "t", -1) == [n for n in expected_names if n != "ds=a%2Fb/hr=1"]


def test_special_characters_directories_are_hive_escaped(hms):
    """Hadoop's Path does not percent-decode: the directory for ``ds=a%2Fb`` is literally named so."""
    db = hms.new_db()
    t = hms.new_table(db, "t")
    hms.client.add_partitions([hms.make_partition(db, "t", [v, "1"]) for v, _ in SPECIAL])
    table_dir = path_of(t.sd.location)
    assert sorted(p.name for p in table_dir.iterdir()) == sorted(n.split("/")[0] for _, n in SPECIAL)


def test_partition_value_cannot_escape_the_table_directory(hms, tmp_path):
    """A value containing ``/../`` is escaped into one path segment; it never names another directory."""
    db = hms.new_db()
    hms.client.create_table(hms.make_table(db, "t", location=f"file:{tmp_path}/base/t"))  # managed
    victim = tmp_path / "victim" / "hr=1"
    victim.mkdir(parents=True)
    (victim / "keep.txt").write_text("precious")
    value = "a/../../../victim"
    p = hms.client.add_partition(hms.make_partition(db, "t", [value, "1"]))
    assert p.sd.location == f"file:{tmp_path}/base/t/ds=a%2F..%2F..%2F..%2Fvictim/hr=1"
    hms.client.drop_partition(db, "t", [value, "1"], True)
    assert (victim / "keep.txt").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "victim"]


def test_like_is_case_sensitive_on_every_backend(hms, request):
    """Hive's LIKE (a Java regex in 2.x/3.x, SQL LIKE in 4) is case-sensitive; both backends must agree."""
    db = hms.new_db()
    hms.new_table(db, "t")
    hms.client.add_partitions([hms.make_partition(db, "t", [v, "1"]) for v in ["abc", "ABC", "b"]])
    for text in ('ds like "%bc"', 'ds like ".*bc"'):
        assert values_of(hms.client.get_partitions_by_filter(db, "t", text, -1)) == [("abc", "1")]
        assert hms.client.get_num_partitions_by_filter(db, "t", text) == 1
