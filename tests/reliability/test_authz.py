"""The permission table covers the handler, and the checks read every database and location a call names."""

from __future__ import annotations

import pytest

from metastore.exceptions import MetaError
from metastore.security.authz import ADMIN, PERMISSIONS, authorize, required_permission, target_databases
from metastore.security.locations import LocationPolicy, normalize_location
from metastore.security.users import User, UsersFile, check_password, hash_password
from metastore.wire.adapter import ThriftHandler
from metastore.wire.idl import hms


def test_every_served_method_has_a_permission():
    service = hms().ThriftHiveMetastore
    served = {name for name in service.thrift_services if callable(getattr(ThriftHandler, name, None))}
    assert served - set(PERMISSIONS) == set()
    assert required_permission("grant_role") == ADMIN  # not in the table: admin only


def args(method: str, **values):
    return getattr(hms().ThriftHiveMetastore, method + "_args")(**values)


def test_target_databases_sees_every_named_database():
    t = hms()
    rename = args("alter_table", dbname="Sales", tbl_name="x", new_tbl=t.Table(dbName="@hive#HR", tableName="x"))
    assert target_databases("alter_table", rename) == {"sales", "hr"}
    parts = args("add_partitions", new_parts=[t.Partition(dbName="a"), t.Partition(dbName="b")])
    assert target_databases("add_partitions", parts) == {"a", "b"}
    assert target_databases("create_database", args("create_database", database=t.Database(name="New"))) == {"new"}
    assert target_databases("drop_database", args("drop_database", name="old")) == {"old"}
    lock = args("lock", rqst=t.LockRequest(component=[t.LockComponent(dbname="z")]))
    assert target_databases("lock", lock) == {"z"}


def test_writer_may_not_mix_in_another_database():
    t = hms()
    writer = User("w", "writer", ("a",))
    authorize(writer, "add_partitions", args("add_partitions", new_parts=[t.Partition(dbName="a")]))
    with pytest.raises(MetaError, match="not authorized: user w may not add_partitions database b"):
        authorize(writer, "add_partitions", args("add_partitions", new_parts=[t.Partition(dbName="a"),
                                                                              t.Partition(dbName="b")]))
    with pytest.raises(MetaError, match="not authorized: user w may not grant_role the catalog"):
        authorize(writer, "grant_role", None)
    authorize(User("r", "reader"), "get_table", args("get_table", dbname="a", tbl_name="t"))


@pytest.mark.parametrize(("location", "normal"), [
    ("/data/x/../y", "file:///data/y"), ("file:/data/./x", "file:///data/x"), ("file:///data//x/", "file:///data/x"),
    ("s3://bucket/a/../../b", "s3://bucket/b"), ("S3A://b/k", "s3a://b/k"),
])
def test_locations_are_normalised(location, normal):
    assert normalize_location(location) == normal


def test_location_policy():
    policy = LocationPolicy(["s3://lake/raw", "file:/data"], "file:/wh")
    policy.check("s3://lake/raw/t")
    policy.check("file:/wh/db.db/t", managed=True)
    for bad in ("s3://lake/rawdata", "s3://lake/raw/../cooked", "file:/data/../etc", "hdfs://nn/data"):
        with pytest.raises(MetaError, match="outside the allowed location roots"):
            policy.check(bad)
    with pytest.raises(MetaError, match="managed tables must live in the warehouse"):
        policy.check("file:/data/t", managed=True)
    assert not LocationPolicy([], "file:/wh").active


def test_password_hashes_are_salted_and_checked(tmp_path):
    first, second = hash_password("pw"), hash_password("pw")
    assert first != second and first.startswith("scrypt$")
    assert check_password("pw", first) and not check_password("pW", first) and not check_password("pw", "junk")
    users = UsersFile(tmp_path / "u.json")
    users.add("a", "secret", "admin")
    users.save()
    assert UsersFile(tmp_path / "u.json").verify("a", "secret")
    assert not UsersFile(tmp_path / "u.json").verify("b", "secret")
