"""Change records written by the store: same transaction, actors, versions, no-ops, retention, restore,
cleanup, and the SQL views of docs/audit.md — on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest

from metastore.audit.context import acting_as
from metastore.audit.settings import AuditSettings
from metastore.exceptions import AlreadyExistsError, MetaError
from metastore.model import FieldSchema
from metastore.wire.convert import to_thrift
from tests.audit.conftest import T, make_table


def _alter(handler, db: str, name: str, change) -> None:  # noqa: ANN001
    table = to_thrift(handler.ms.get_table(db, name))
    change(table)
    handler.alter_table(db, name, table)


def _kinds(change) -> list[tuple]:  # noqa: ANN001
    return [(i.kind, i.name, i.old, i.new) for i in change.items]


def test_every_write_is_recorded_with_its_actor(stack):
    h = stack.connect(user="alice")
    h.create_database(T.Database(name="rec", parameters={}))
    h.create_table(make_table("rec", "orders", [("id", "int"), ("amount", "double")], [("ds", "string")]))
    stack.connect(address="10.9.9.9:1234").add_partitions(
        [T.Partition(values=[f"2024-01-0{d}"], dbName="rec", tableName="orders") for d in (1, 2)])
    with acting_as("crawler:nightly", run_id="run-7"):  # the in-process path (crawler, CLI)
        table = stack.ms.get_table("rec", "orders")
        table.sd.cols = [*table.sd.cols, FieldSchema("country", "string")]
        stack.ms.alter_table("rec", "orders", table)
    h.drop_partition("rec", "orders", ["2024-01-01"], False)
    found = stack.ms.audit.history("rec.orders")
    assert [(c.operation, c.actor, c.version, c.run_id) for c in found] == [
        ("DROP_PARTITION", "alice", None, None),
        ("ALTER_TABLE", "crawler:nightly", 2, "run-7"),
        ("ADD_PARTITION", "10.9.9.9:1234", None, None),  # no set_ugi: the client address
        ("CREATE_TABLE", "alice", 1, None),
    ]
    assert _kinds(found[1]) == [("column_added", "country", None, "string")]
    assert _kinds(found[2]) == [("partitions_added", "2", None, "ds=2024-01-01,ds=2024-01-02")]


def test_a_failed_write_records_nothing(stack):
    h = stack.handler
    h.create_database(T.Database(name="fail", parameters={}))
    h.create_table(make_table("fail", "t", [("a", "int")], params={"v": "1"}))
    before = stack.ms.audit.current_event_id()
    with pytest.raises(AlreadyExistsError):
        stack.ms.create_table(stack.ms.get_table("fail", "t"))
    new = to_thrift(stack.ms.get_table("fail", "t"))
    new.parameters["v"] = "2"
    ctx = T.EnvironmentContext(properties={"expected_parameter_key": "v", "expected_parameter_value": "0"})
    with pytest.raises(MetaError, match="The table has been modified"):
        h.alter_table_with_environment_context("fail", "t", new, ctx)
    assert stack.ms.audit.current_event_id() == before
    assert stack.ms.get_table("fail", "t").parameters["v"] == "1"


def test_no_op_rewrites_make_no_version(stack):
    h = stack.handler
    h.create_database(T.Database(name="noop", parameters={}))
    h.create_table(make_table("noop", "t", [("a", "int")]))
    for _ in range(3):  # Spark rewrites identical definitions; transient_lastDdlTime moves each time
        _alter(h, "noop", "t", lambda t: None)
    _alter(h, "noop", "t", lambda t: t.parameters.update(comment="orders"))
    assert [(c.operation, c.version) for c in stack.ms.audit.history("noop.t")] == [
        ("ALTER_TABLE", 2), ("CREATE_TABLE", 1)]


def test_retention_prunes_the_oldest_versions_on_write(stack):
    h = stack.handler
    h.create_database(T.Database(name="keep", parameters={}))
    h.create_table(make_table("keep", "t", [("a", "int")], [("ds", "string")]))
    h.add_partitions([T.Partition(values=["x"], dbName="keep", tableName="t")])
    log = stack.ms.catalog.audit_log()
    saved = log.settings
    log.settings = AuditSettings(max_versions=3)
    try:
        for i in range(5):
            _alter(h, "keep", "t", lambda t, i=i: t.parameters.update(step=str(i)))
    finally:
        log.settings = saved
    history = stack.ms.audit.history("keep.t")
    assert [c.version for c in history] == [6, 5, 4, None]  # partition events are not versions
    older = stack.sql("SELECT count(*) FROM mh_changes c WHERE version < (SELECT max(version) FROM mh_changes m "
                      "WHERE m.db_name = c.db_name AND m.table_name = c.table_name)")[0][0]
    assert older >= 2
    assert log.prune(1) == older  # every table keeps its newest version only
    assert [c.version for c in stack.ms.audit.history("keep.t")] == [6, None]


def test_diff_between_versions_and_restore_as_a_new_version(stack):
    h = stack.handler
    h.create_database(T.Database(name="rst", parameters={}))
    h.create_table(make_table("rst", "t", [("id", "int"), ("name", "string")]))
    _alter(h, "rst", "t", lambda t: setattr(t.sd, "cols", [T.FieldSchema(name="id", type="bigint")]))
    diff = stack.ms.audit.diff("rst.t", 1, 2)
    assert [(i.kind, i.name, i.old, i.new) for i in diff.items] == [
        ("column_removed", "name", "string", None), ("column_retyped", "id", "int", "bigint")]
    assert stack.ms.audit.restore(stack.ms, "rst.t", 1, actor="cli:ops") == 3
    assert [(c.name, c.type) for c in stack.ms.get_table("rst", "t").sd.cols] == [("id", "int"), ("name", "string")]
    latest = stack.ms.audit.history("rst.t", 1)[0]
    assert (latest.version, latest.actor) == (3, "cli:ops")
    assert _kinds(latest) == [("column_added", "name", None, "string"), ("column_retyped", "id", "bigint", "int")]
    assert stack.ms.audit.restore(stack.ms, "rst.t", 3) is None  # already current: nothing to do
    h.drop_table("rst", "t", False)
    assert stack.ms.audit.restore(stack.ms, "rst.t", 2) == 4  # a dropped table is re-created
    assert [c.name for c in stack.ms.get_table("rst", "t").sd.cols] == ["id"]


def test_history_follows_renames(stack):
    h = stack.handler
    h.create_database(T.Database(name="ren", parameters={}))
    h.create_table(make_table("ren", "old", [("a", "int")]))
    _alter(h, "ren", "old", lambda t: t.parameters.update(k="1"))
    _alter(h, "ren", "old", lambda t: setattr(t, "tableName", "new"))
    history = stack.ms.audit.history("ren.new")
    assert [(c.table_name, c.version, c.operation) for c in history] == [
        ("new", 3, "ALTER_TABLE"), ("old", 2, "ALTER_TABLE"), ("old", 1, "CREATE_TABLE")]
    assert [(i.kind, i.name) for i in stack.ms.audit.diff("ren.new", 1, 3).items] == [
        ("table_renamed", None), ("parameter_added", "k")]


def test_cleanup_deletes_expired_events_by_id_range_in_batches(stack):
    h = stack.handler
    h.create_database(T.Database(name="ttl", parameters={}))
    for i in range(5):
        h.create_table(make_table("ttl", f"t{i}", [("a", "int")]))
    newest = stack.ms.audit.current_event_id()
    total = stack.sql("SELECT count(*) FROM mh_changes")[0][0]
    log = stack.ms.catalog.audit_log()
    assert log.cleanup(3600, batch=2) == 0  # nothing is an hour old
    assert log.cleanup(3600, batch=2, now=int(time.time()) + 7200) == total
    assert stack.sql("SELECT count(*) FROM mh_changes")[0][0] == 0
    h.create_database(T.Database(name="ttl2", parameters={}))
    assert stack.ms.audit.current_event_id() == newest + 1  # ids are never reused


def test_sql_views_answer_the_documented_questions(stack):
    h = stack.connect(user="bob")
    h.create_database(T.Database(name="views", parameters={}))
    h.create_table(make_table("views", "sales", [("id", "int"), ("price", "float"), ("note", "string")]))
    _alter(h, "views", "sales", lambda t: setattr(t.sd, "cols", [T.FieldSchema(name="id", type="int"),
                                                                  T.FieldSchema(name="price", type="double")]))
    _alter(h, "views", "sales", lambda t: setattr(t.sd, "location", "file:/tmp/elsewhere/sales"))
    crawler = stack.connect(user="crawler:lake")
    for run in ("r1", "r2"):
        for name in ("a", "b") if run == "r2" else ("a",):
            params = {"CRAWL_RUN_ID": run}
            try:
                crawler.create_table(make_table("views", f"crawled_{name}", [("x", "int")], params=params))
            except Exception:  # noqa: BLE001 - exists from the first run: update it
                _alter(crawler, "views", f"crawled_{name}", lambda t, p=params: t.parameters.update(p))
    week_ago = int(time.time()) - 7 * 86400
    # Which tables dropped or retyped a column last week?
    assert stack.sql(
        "SELECT db_name, table_name, column_name, change, old_type, new_type, actor FROM mh_audit_column_changes "
        "WHERE change IN ('column_removed', 'column_retyped') AND event_time >= :since ORDER BY event_id, column_name",
        since=week_ago) == [
        ("views", "sales", "note", "column_removed", "string", None, "bob"),
        ("views", "sales", "price", "column_retyped", "float", "double", "bob"),
    ]
    # Who changed this table's location?
    rows = stack.sql("SELECT actor, old_value, new_value FROM mh_audit_items "
                     "WHERE db_name = 'views' AND table_name = 'sales' AND kind = 'location_changed'")
    assert [(a, n) for a, _, n in rows] == [("bob", "file:/tmp/elsewhere/sales")]
    # Which tables did crawler X change in its last run?
    assert stack.sql(
        "SELECT DISTINCT db_name, table_name FROM mh_audit_changes "
        "WHERE actor = 'crawler:lake' AND run_id = (SELECT run_id FROM mh_audit_changes "
        "WHERE actor = 'crawler:lake' AND run_id IS NOT NULL ORDER BY event_id DESC LIMIT 1) "
        "ORDER BY db_name, table_name") == [("views", "crawled_a"), ("views", "crawled_b")]
    changed_at = stack.sql("SELECT changed_at FROM mh_audit_changes WHERE table_name = 'sales' LIMIT 1")[0][0]
    assert str(changed_at)[:4] == time.strftime("%Y", time.gmtime())


def test_changes_query_filters_by_time_database_kind_and_actor(stack):
    h = stack.connect(user="carol")
    h.create_database(T.Database(name="q", parameters={}))
    h.create_table(make_table("q", "t", [("a", "int"), ("b", "int")]))
    _alter(h, "q", "t", lambda t: t.sd.cols.pop())
    found = stack.ms.audit.changes(since="1h", database="q", kinds=["column_removed"], actor="carol")
    assert [(c.table_name, c.version, _kinds(c)) for c in found] == [("t", 2, [("column_removed", "b", "int", None)])]
    assert stack.ms.audit.changes(since="1h", database="q", actor="nobody") == []
    assert stack.ms.audit.changes(since="1h", database="q", now=int(time.time()) + 7200) == []
