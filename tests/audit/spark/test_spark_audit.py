"""Spark DDL recorded by the audit: versions, diffs and notifications (one Spark session per backend)."""

from __future__ import annotations

import json

import pytest
from hmsclient.genthrift.hive_metastore.ttypes import NotificationEventRequest

from metastore.app import build_metastore


@pytest.fixture(scope="module")
def scenario(spark_env):
    """Spark DDL on one table; returns (notification events it caused, the audit trail, table history)."""
    with spark_env.hms() as client:
        start = client.get_current_notificationEventId().eventId
    sql = spark_env.sql
    sql("CREATE DATABASE IF NOT EXISTS audit_spark")
    sql("CREATE TABLE audit_spark.visits (id INT, page STRING) PARTITIONED BY (ds STRING) STORED AS PARQUET")
    sql("ALTER TABLE audit_spark.visits ADD COLUMNS (referrer STRING COMMENT 'http referer')")
    sql("ALTER TABLE audit_spark.visits SET TBLPROPERTIES ('owner_team' = 'growth')")
    sql("ALTER TABLE audit_spark.visits SET TBLPROPERTIES ('owner_team' = 'growth')")  # same value again
    sql("ALTER TABLE audit_spark.visits ADD PARTITION (ds = '2024-01-01') PARTITION (ds = '2024-01-02')")
    sql("ALTER TABLE audit_spark.visits DROP PARTITION (ds = '2024-01-01')")
    sql("ALTER TABLE audit_spark.visits RENAME TO audit_spark.page_visits")
    with spark_env.hms() as client:
        events = client.get_next_notification(NotificationEventRequest(lastEvent=start)).events
    ms = build_metastore(spark_env.server.db_url, str(spark_env.server.warehouse))
    try:
        yield events, ms.audit, ms.audit.history("audit_spark.page_visits")
    finally:
        ms.catalog.dispose()


def test_spark_ddl_becomes_notifications(scenario):
    events, _, _ = scenario
    assert [(e.eventType, e.tableName) for e in events] == [
        ("CREATE_DATABASE", None),
        ("CREATE_TABLE", "visits"),
        ("ALTER_TABLE", "visits"),  # ADD COLUMNS
        ("ALTER_TABLE", "visits"),  # SET TBLPROPERTIES; the identical second one made no event
        ("ADD_PARTITION", "visits"),
        ("DROP_PARTITION", "visits"),
        ("ALTER_TABLE", "page_visits"),  # RENAME: the event names the new table, its message the old
    ]
    rename = json.loads(events[-1].message)
    assert (rename["db"], rename["table"]) == ("audit_spark", "visits")
    assert json.loads(events[4].message)["partitions"] == [{"ds": "2024-01-01"}, {"ds": "2024-01-02"}]


def test_spark_ddl_versions_and_diffs(scenario):
    _, audit, history = scenario
    versioned = [(c.version, c.operation) for c in history if c.version]
    assert versioned == [(4, "ALTER_TABLE"), (3, "ALTER_TABLE"), (2, "ALTER_TABLE"), (1, "CREATE_TABLE")]
    items = {c.version: [(i.kind, i.name, i.old, i.new) for i in c.items] for c in history if c.version}
    assert items[2][0] == ("column_added", "referrer", None, "string")
    # Spark keeps its own copy of the schema in a table parameter, rewritten with the columns
    assert [(k, n) for k, n, _, _ in items[2][1:]] == [("parameter_changed", "spark.sql.sources.schema")]
    assert ("parameter_added", "owner_team", None, "growth") in items[3]
    assert items[4][0] == ("table_renamed", None, "audit_spark.visits", "audit_spark.page_visits")
    assert {i[0] for i in items[4]} <= {"table_renamed", "location_changed", "serde_parameter_changed"}
    partition_kinds = [(c.operation, c.items[0].kind, c.items[0].name) for c in history if not c.version]
    assert partition_kinds == [("DROP_PARTITION", "partitions_dropped", "1"), ("ADD_PARTITION", "partitions_added", "2")]
    assert [(i.kind, i.name) for i in audit.diff("audit_spark.page_visits", 1, 2).items] == [
        ("column_added", "referrer"), ("parameter_changed", "spark.sql.sources.schema")]
