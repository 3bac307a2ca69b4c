"""HMS notifications served from the change log, read by real Thrift clients against a real server.

hmsclient (Hive 2.3 IDL, what Spark-era tools use) reads events and the current id; PyIceberg's Hive 4
bindings add eventTypeSkipList and get_notification_events_count. Messages are checked field by field
and their embedded objects decoded with Apache Thrift's own TJSONProtocol.
"""

from __future__ import annotations

import json

import hive_metastore.ttypes as h4
import hmsclient.genthrift.hive_metastore.ttypes as h23
import pytest
from hmsclient import hmsclient
from thrift.protocol import TJSONProtocol
from thrift.TSerialization import deserialize

from tests.contract.conftest import close, connect

SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"


def _table(db: str, name: str, cols: list[tuple[str, str]]) -> h23.Table:
    sd = h23.StorageDescriptor(
        cols=[h23.FieldSchema(name=n, type=t) for n, t in cols], inputFormat="org.apache.hadoop.mapred.TextInputFormat",
        outputFormat="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        serdeInfo=h23.SerDeInfo(serializationLib=SERDE, parameters={}), parameters={},
    )
    return h23.Table(tableName=name, dbName=db, sd=sd, partitionKeys=[h23.FieldSchema(name="ds", type="string")],
                     parameters={}, tableType="MANAGED_TABLE")


def _decode(cls: type, text: str):  # noqa: ANN202
    return deserialize(cls(), text.encode(), TJSONProtocol.TJSONProtocolFactory())


@pytest.fixture(scope="module")
def events(server):
    """A scenario written by user 'etl' (set_ugi); returns (event id before it, its events)."""
    with hmsclient.HMSClient(host=server.host, port=server.port) as client:
        start = client.get_current_notificationEventId().eventId
        client.set_ugi("etl", [])
        client.create_database(h23.Database(name="notif", parameters={}))
        client.create_table(_table("notif", "clicks", [("id", "int"), ("url", "string")]))
        table = client.get_table("notif", "clicks")
        client.alter_table("notif", "clicks", table)  # identical rewrite: no event
        table.sd.cols.append(h23.FieldSchema(name="referrer", type="string"))
        client.alter_table("notif", "clicks", table)
        parts = [h23.Partition(values=[f"2024-05-0{d}"], dbName="notif", tableName="clicks") for d in (1, 2, 3)]
        client.add_partitions(parts)
        client.drop_partition("notif", "clicks", ["2024-05-02"], False)
        client.drop_table("notif", "clicks", True)
        found = client.get_next_notification(h23.NotificationEventRequest(lastEvent=start)).events
    return start, found


def test_events_follow_the_writes_in_order(events):
    start, found = events
    assert [(e.eventType, e.dbName, e.tableName) for e in found] == [
        ("CREATE_DATABASE", "notif", None), ("CREATE_TABLE", "notif", "clicks"), ("ALTER_TABLE", "notif", "clicks"),
        ("ADD_PARTITION", "notif", "clicks"), ("DROP_PARTITION", "notif", "clicks"), ("DROP_TABLE", "notif", "clicks"),
    ]
    assert [e.eventId for e in found] == list(range(start + 1, start + 7))
    assert {e.messageFormat for e in found} == {"json-0.2"}
    assert all(e.eventTime > 1_700_000_000 for e in found)


def test_messages_have_the_java_fields_and_decodable_objects(events):
    _, found = events
    create_db, create, alter, add, drop_part, drop = (json.loads(e.message) for e in found)
    assert _decode(h23.Database, create_db["dbJson"]).name == "notif"
    assert set(create) == {"server", "servicePrincipal", "db", "table", "tableType", "tableObjJson", "timestamp", "files"}
    assert (create["db"], create["table"], create["tableType"]) == ("notif", "clicks", "MANAGED_TABLE")
    assert [c.name for c in _decode(h23.Table, create["tableObjJson"]).sd.cols] == ["id", "url"]
    before = _decode(h23.Table, alter["tableObjBeforeJson"])
    after = _decode(h23.Table, alter["tableObjAfterJson"])
    assert ([c.name for c in before.sd.cols], [c.name for c in after.sd.cols]) == (
        ["id", "url"], ["id", "url", "referrer"])
    assert alter["isTruncateOp"] == "false"
    assert add["partitions"] == [{"ds": "2024-05-01"}, {"ds": "2024-05-02"}, {"ds": "2024-05-03"}]
    assert [_decode(h23.Partition, p).values for p in add["partitionListJson"]] == [
        ["2024-05-01"], ["2024-05-02"], ["2024-05-03"]]
    assert drop_part["partitions"] == [{"ds": "2024-05-02"}]
    assert _decode(h23.Table, drop["tableObjJson"]).tableName == "clicks"


def test_max_events_and_the_current_id(server, events):
    start, found = events
    with hmsclient.HMSClient(host=server.host, port=server.port) as client:
        first_two = client.get_next_notification(h23.NotificationEventRequest(lastEvent=start, maxEvents=2)).events
        assert [e.eventId for e in first_two] == [start + 1, start + 2]
        assert client.get_current_notificationEventId().eventId >= found[-1].eventId
        assert client.get_current_notification_id() >= found[-1].eventId  # hmsclient's wrapper


def test_hive4_skip_list_and_events_count(server, events):
    start, _ = events
    client = connect("hive4", server.host, server.port)
    try:
        skipped = client.get_next_notification(h4.NotificationEventRequest(
            lastEvent=start, maxEvents=10, eventTypeSkipList=["ADD_PARTITION", "DROP_PARTITION"])).events
        assert [e.eventType for e in skipped] == ["CREATE_DATABASE", "CREATE_TABLE", "ALTER_TABLE", "DROP_TABLE"]
        assert {e.catName for e in skipped} == {"hive"}
        count = client.get_notification_events_count(h4.NotificationEventsCountRequest(fromEventId=start, dbName="NOTIF"))
        assert count.eventsCount == 6
        limited = client.get_notification_events_count(h4.NotificationEventsCountRequest(
            fromEventId=start, dbName="notif", toEventId=start + 3, limit=2))
        assert limited.eventsCount == 2
    finally:
        close(client)


def test_the_actor_is_the_set_ugi_user_else_the_client_address(server):
    with hmsclient.HMSClient(host=server.host, port=server.port) as anonymous:
        anonymous.create_database(h23.Database(name="notif_anon", parameters={}))
        local_port = anonymous._oprot.trans._TBufferedTransport__trans.handle.getsockname()[1]
    from metastore.app import build_metastore

    ms = build_metastore(server.db_url, str(server.warehouse))
    try:
        (change,) = ms.audit.changes(since="1h", database="notif_anon")
        assert change.actor == f"127.0.0.1:{local_port}"
        assert {c.actor for c in ms.audit.changes(since="1h", database="notif")} == {"etl"}
    finally:
        ms.catalog.dispose()
