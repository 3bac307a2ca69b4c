"""Connection-level contract: set_ugi, fb303 shutdown, unknown methods, get_config_value."""

from __future__ import annotations

import time

import pytest
from thrift.Thrift import TApplicationException


def test_set_ugi_returns_groups_then_user(hms):
    assert hms.client.set_ugi("alice", ["g1", "g2"]) == ["g1", "g2", "alice"]
    assert hms.client.set_ugi("bob", []) == ["bob"]


def test_shutdown_is_a_per_connection_noop(hms):
    hms.client.set_ugi("alice", ["g1"])
    hms.client.shutdown()  # oneway: no reply is read
    # the same connection still answers, and the reply is the one for this call (no stray reply)
    assert "default" in hms.client.get_all_databases()
    assert hms.client.set_ugi("carol", ["x"]) == ["x", "carol"]
    time.sleep(0.2)
    assert hms.server.process.poll() is None, hms.server.log()[-2000:]
    with hms.connection() as other:
        assert other.get_database("default").name == "default"


def test_shutdown_then_close_then_reconnect(hms):
    """What every Hive 2.3/3.x HiveMetaStoreClient.close() does: shutdown, close, later reconnect."""
    with hms.connection() as c:
        c.shutdown()
    with hms.connection() as c:
        assert c.set_ugi("alice", ["g1", "g2"]) == ["g1", "g2", "alice"]
        assert "default" in c.get_all_databases()


def test_unknown_method_is_java_style_unknown_method(hms):
    if hms.gen == "hive2.3":  # Hive 2.3 still declares the index API; we don't implement it
        with pytest.raises(TApplicationException) as info:
            hms.client.get_index_names("default", "t", -1)
        error = info.value
    else:
        error = hms.raw_call("get_index_names")
    assert error is not None
    assert error.type == TApplicationException.UNKNOWN_METHOD == 1
    assert error.message == "Invalid method name: 'get_index_names'"
    # the connection is still in sync
    assert "default" in hms.client.get_all_databases()


def test_unknown_method_raw_message(hms):
    error = hms.raw_call("no_such_method_at_all")
    assert error is not None
    assert error.type == TApplicationException.UNKNOWN_METHOD
    assert error.message == "Invalid method name: 'no_such_method_at_all'"
    assert "default" in hms.client.get_all_databases()
    assert hms.client.set_ugi("u", []) == ["u"]


def test_get_config_value_warehouse(hms):
    assert hms.client.get_config_value("hive.metastore.warehouse.dir", "x") == hms.warehouse_uri
    # an unknown hive key answers the default
    assert hms.client.get_config_value("hive.metahive.no.such.key", "fallback") == "fallback"


def test_get_config_value_non_hive_key_is_refused(hms):
    with pytest.raises(hms.T.ConfigValSecurityException) as info:
        hms.client.get_config_value("javax.jdo.option.ConnectionPassword", "x")
    assert "javax.jdo.option.ConnectionPassword" in info.value.message
    assert "cannot be accessed" in info.value.message
    assert hms.client.get_config_value("hive.metastore.warehouse.dir", "x") == hms.warehouse_uri
