"""Trino's and Hive 3/4's call surface beyond the basics: parameter filters on table names, the
``_req`` request-style methods with ``catName``, and the transaction calls non-ACID work meets."""

from __future__ import annotations

import pytest
from thrift.Thrift import TApplicationException

from tests.contract.test_partitions import ALL_NAMES, pname, setup_table

OTHER_CATALOG = ("Catalog spark does not exist; this metastore has one catalog, 'hive'. "
                 "Leave the catalog name unset or use 'hive'")


def requires(hms, *gens):
    if hms.gen not in gens:
        pytest.skip(f"not in the {hms.gen} IDL")


# -- get_table_names_by_filter -------------------------------------------------------------------


def filter_setup(hms):
    db = hms.new_db()
    hms.client.create_table(hms.make_table(db, "v1", params={"presto_view": "true", "comment": "a view"}))
    hms.client.create_table(hms.make_table(db, "v2", params={"presto_view": "true"}))
    hms.client.create_table(hms.make_table(db, "plain", params={"presto_view": "false"}))
    hms.client.create_table(hms.make_table(db, "bare"))
    return db


def test_table_names_by_parameter_filter(hms):
    db = filter_setup(hms)
    f = hms.client.get_table_names_by_filter
    assert f(db, 'hive_filter_field_params__presto_view = "true"', -1) == ["v1", "v2"]
    assert f(db, 'hive_filter_field_params__presto_view = "true"', 1) == ["v1"]
    assert f(db, 'hive_filter_field_params__presto_view <> "true"', -1) == ["bare", "plain"]
    assert f(db, 'hive_filter_field_params__presto_view LIKE "tr.*"', -1) == ["v1", "v2"]
    assert f(db, 'hive_filter_field_params__presto_view LIKE "true"', -1) == ["v1", "v2"]  # Trino's retry
    assert f(db, 'hive_filter_field_params__presto_view = "true" and hive_filter_field_params__comment = "a view"',
             -1) == ["v1"]
    assert f(db, 'hive_filter_field_owner__ = "tester"', -1) == ["bare", "plain", "v1", "v2"]
    assert f(db, "hive_filter_field_last_access__ = 0", -1) == ["bare", "plain", "v1", "v2"]
    assert f(db, "", -1) == ["bare", "plain", "v1", "v2"]


def test_table_names_by_filter_errors(hms):
    db = filter_setup(hms)
    with pytest.raises(hms.T.MetaException) as info:
        hms.client.get_table_names_by_filter(db, 'owner = "x"', -1)
    assert info.value.message == ("Invalid key name in filter: 'owner'. Use hive_filter_field_owner__, "
                                  "hive_filter_field_last_access__ or hive_filter_field_params__<parameter name>")
    with pytest.raises(hms.T.MetaException) as info:
        hms.client.get_table_names_by_filter(db, 'hive_filter_field_params__x = ', -1)
    assert info.value.message.startswith("Error parsing table filter: ")
    with pytest.raises(hms.T.MetaException) as info:
        hms.client.get_table_names_by_filter(hms.unique("nodb"), 'hive_filter_field_params__x = "1"', -1)
    assert "does not exist" in info.value.message


# -- request-style methods and catName -------------------------------------------------------------


def test_get_table_req_and_catalog(hms):
    requires(hms, "hive3", "hive4")
    db, _ = setup_table(hms)
    T = hms.T
    table = hms.client.get_table_req(T.GetTableRequest(dbName=db, tblName="T", catName="hive")).table
    assert table == hms.client.get_table(db, "t")
    with pytest.raises(T.NoSuchObjectException) as info:
        hms.client.get_table_req(T.GetTableRequest(dbName=db, tblName="t", catName="spark"))
    assert info.value.message == OTHER_CATALOG
    assert hms.client.get_table(f"@hive#{db}", "t") == table  # Hive 3 catalog-prefixed database name
    with pytest.raises(T.NoSuchObjectException) as info:
        hms.client.get_table(f"@spark#{db}", "t")
    assert info.value.message == OTHER_CATALOG
    assert db in hms.client.get_databases("@hive#")
    objects = hms.client.get_table_objects_by_name_req(T.GetTablesRequest(dbName=db, tblNames=["t", "nosuch"]))
    assert [t.tableName for t in objects.tables] == ["t"]
    with pytest.raises(T.MetaException) as info:  # no NoSuchObjectException slot: a wrong catalog is no empty list
        hms.client.get_table_objects_by_name_req(T.GetTablesRequest(dbName=db, tblNames=["t"], catName="spark"))
    assert info.value.message == OTHER_CATALOG


def test_partition_req_methods(hms):
    requires(hms, "hive4")
    db, _ = setup_table(hms)
    T, c = hms.T, hms.client
    names = [pname("2024-01-02", "1"), pname("2024-01-03", "4")]
    by_names = c.get_partitions_by_names_req(T.GetPartitionsByNamesRequest(db_name=db, tbl_name="t", names=names))
    assert [pname(*p.values) for p in by_names.partitions] == names
    ps = c.get_partitions_ps_with_auth_req(T.GetPartitionsPsWithAuthRequest(
        dbName=db, tblName="t", partVals=["2024-01-01", ""], maxParts=-1, catName="hive"))
    assert [pname(*p.values) for p in ps.partitions] == ALL_NAMES[:4]
    every = c.get_partitions_req(T.PartitionsRequest(dbName=db, tblName="t", maxParts=-1))
    assert [pname(*p.values) for p in every.partitions] == ALL_NAMES
    ps_names = c.get_partition_names_ps_req(T.GetPartitionNamesPsRequest(dbName=db, tblName="t", partValues=["", "2"]))
    assert ps_names.names == [pname(d, "2") for d in ("2024-01-01", "2024-01-02", "2024-01-03")]
    for call in (
        lambda: c.get_partitions_ps_with_auth_req(T.GetPartitionsPsWithAuthRequest(
            dbName=db, tblName="t", partVals=["", ""], maxParts=-1, catName="spark")),
        lambda: c.get_partitions_req(T.PartitionsRequest(dbName=db, tblName="t", maxParts=-1, catName="spark")),
        lambda: c.get_partition_names_ps_req(T.GetPartitionNamesPsRequest(
            dbName=db, tblName="t", partValues=[""], catName="spark")),
    ):
        with pytest.raises((T.NoSuchObjectException, T.MetaException)) as info:
            call()
        assert info.value.message == OTHER_CATALOG


def test_alter_and_rename_partition_req(hms):
    requires(hms, "hive4")
    db, _ = setup_table(hms)
    T, c = hms.T, hms.client
    parts = c.get_partitions_by_names(db, "t", [pname("2024-01-01", "1"), pname("2024-01-01", "2")])
    for p in parts:
        p.parameters["numRows"] = "42"
    c.alter_partitions_req(T.AlterPartitionsRequest(dbName=db, tableName="t", partitions=parts,
                                                    environmentContext=hms.env(DO_NOT_UPDATE_STATS="true")))
    again = c.get_partitions_by_names(db, "t", [pname("2024-01-01", "1"), pname("2024-01-01", "2")])
    assert [p.parameters["numRows"] for p in again] == ["42", "42"]
    new = again[0]
    new.values = ["2024-01-09", "1"]
    c.rename_partition_req(T.RenamePartitionRequest(dbName=db, tableName="t", partVals=["2024-01-01", "1"],
                                                    newPart=new))
    assert pname("2024-01-09", "1") in c.get_partition_names(db, "t", -1)
    with pytest.raises(T.MetaException) as info:  # declares InvalidOperation and Meta only
        c.alter_partitions_req(T.AlterPartitionsRequest(catName="spark", dbName=db, tableName="t", partitions=parts))
    assert info.value.message == OTHER_CATALOG


def test_alter_partitions_with_environment_context(hms):
    db, _ = setup_table(hms)
    c = hms.client
    parts = c.get_partitions_by_names(db, "t", [pname("2024-01-02", "3")])
    old_ddl = parts[0].parameters["transient_lastDdlTime"]
    parts[0].parameters.update(numRows="7", transient_lastDdlTime="1")
    c.alter_partitions_with_environment_context(db, "t", parts, hms.env(DO_NOT_UPDATE_STATS="true"))
    got = c.get_partition(db, "t", ["2024-01-02", "3"])
    assert (got.parameters["numRows"], got.parameters["transient_lastDdlTime"]) == ("7", "1")
    parts[0].parameters["numRows"] = "8"
    c.alter_partitions_with_environment_context(db, "t", parts, hms.env())
    got = c.get_partition(db, "t", ["2024-01-02", "3"])
    assert got.parameters["numRows"] == "8" and int(got.parameters["transient_lastDdlTime"]) >= int(old_ddl)


def test_get_config_value(hms):
    assert hms.client.get_config_value("hive.metastore.warehouse.dir", "x") == hms.warehouse_uri
    assert hms.client.get_config_value("hive.no.such.key", "fallback") == "fallback"
    with pytest.raises(hms.T.ConfigValSecurityException) as info:
        hms.client.get_config_value("javax.jdo.option.ConnectionPassword", "")
    assert info.value.message == ("For security reasons, the config key javax.jdo.option.ConnectionPassword "
                                  "cannot be accessed")


# -- transactions (non-ACID) -----------------------------------------------------------------------


def test_open_transactions_are_none(hms):
    if hms.gen == "hive2.3":
        # Hive 2.3 declares open_txns as a set (Hive 3+: list): its reader skips our field, and the
        # Python binding then has no value (tests/test_idl_compat.py STRUCT_FIELD_CONFLICTS).
        assert hms.client.get_open_txns().txn_high_water_mark == 0
    else:
        got = hms.client.get_open_txns()
        assert (got.txn_high_water_mark, list(got.open_txns), got.abortedBits) == (0, [], b"")
    info = hms.client.get_open_txns_info()
    assert (info.txn_high_water_mark, info.open_txns) == (0, [])


def test_valid_write_ids_for_non_acid_tables(hms):
    requires(hms, "hive3", "hive4")
    db, _ = setup_table(hms)
    T = hms.T
    got = hms.client.get_valid_write_ids(T.GetValidWriteIdsRequest(fullTableNames=[f"{db}.t"], validTxnList="0:"))
    (ids,) = got.tblValidWriteIds
    assert (ids.fullTableName, ids.writeIdHighWaterMark, ids.invalidWriteIds) == (f"{db}.t", 0, [])
    with pytest.raises(T.MetaException) as info:
        hms.client.get_valid_write_ids(T.GetValidWriteIdsRequest(fullTableNames=[f"{db}.nosuch"], validTxnList=""))
    assert info.value.message == f"{db}.nosuch table not found"


def test_transaction_ids_are_unknown(hms):
    T, c = hms.T, hms.client
    with pytest.raises(T.NoSuchTxnException) as info:
        c.commit_txn(T.CommitTxnRequest(txnid=17))
    assert info.value.message == ("No such transaction txnid:17: metahive does not run ACID transactions "
                                  "(open_txns is not supported); use non-transactional tables")
    with pytest.raises(T.NoSuchTxnException):
        c.abort_txn(T.AbortTxnRequest(txnid=3))
    with pytest.raises(T.NoSuchTxnException) as info:
        c.abort_txns(T.AbortTxnsRequest(txn_ids=[4, 5]))
    assert "txnid:4, txnid:5" in info.value.message
    assert c.heartbeat_txn_range(T.HeartbeatTxnRangeRequest(min=3, max=5)).nosuch == {3, 4, 5}
    if hms.gen != "hive2.3":
        with pytest.raises(T.NoSuchTxnException):
            c.allocate_table_write_ids(T.AllocateTableWriteIdsRequest(dbName="default", tableName="t", txnIds=[9]))


def test_open_txns_is_an_unknown_method(hms):
    """ACID writers fail fast on the reply an old Java metastore gives, and the connection stays usable."""
    T = hms.T
    with pytest.raises(TApplicationException) as info:
        hms.client.open_txns(T.OpenTxnRequest(num_txns=1, user="u", hostname="h"))
    assert info.value.type == TApplicationException.UNKNOWN_METHOD
    assert info.value.message == "Invalid method name: 'open_txns'"
    assert "default" in hms.client.get_all_databases()
