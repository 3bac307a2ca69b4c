"""HMS notification messages from change records, shaped like the Java server's ``json-0.2`` messages.

Field names follow the Java ``JSON*Message`` classes (``db``, ``table``, ``tableType``,
``tableObjJson``, ``tableObjBeforeJson``/``tableObjAfterJson``, ``partitions``,
``partitionListJson``, ``keyValues``, ...). Embedded objects are Thrift-JSON text produced by the
``encode`` function the wire layer passes in. One ALTER_PARTITION event covers a whole
alter_partitions call: its Java fields describe the first partition and ``partitionListBeforeJson``
/ ``partitionListAfterJson`` (metahive additions) carry them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from metastore.audit import records as r
from metastore.audit.definitions import from_doc, partition_from_doc
from metastore.model import Database, FieldSchema, Function, Partition, Table

MESSAGE_FORMAT = "json-0.2"
Encode = Callable[[Any], str]


def _table(doc: dict[str, Any]) -> Table:
    return from_doc(Table, doc)


def _partitions(doc: dict[str, Any]) -> tuple[Table, list[Partition]]:
    table = _table(doc["table"])
    return table, [partition_from_doc(p, []) for p in doc["partitions"]]


def _key_values(keys: list[FieldSchema], part: Partition) -> dict[str, str]:
    return {k.name: v for k, v in zip(keys, part.values, strict=False)}


def message_fields(change: r.StoredChange, encode: Encode) -> dict[str, Any]:
    """The event-type specific fields of the message (common ones are added by ``message``)."""
    op, before, after = change.operation, change.before, change.after
    if op == r.CREATE_DATABASE:
        return {"dbJson": encode(from_doc(Database, after))}
    if op == r.ALTER_DATABASE:
        return {"dbObjBeforeJson": encode(from_doc(Database, before)), "dbObjAfterJson": encode(from_doc(Database, after))}
    if op == r.DROP_DATABASE:
        return {"dbJson": encode(from_doc(Database, before))}
    if op == r.CREATE_TABLE:
        table = _table(after)
        return {"table": table.table_name, "tableType": table.table_type, "tableObjJson": encode(table), "files": []}
    if op == r.ALTER_TABLE:
        old, new = _table(before), _table(after)
        return {"db": old.db_name, "table": old.table_name, "tableType": new.table_type,
                "tableObjBeforeJson": encode(old), "tableObjAfterJson": encode(new), "isTruncateOp": "false",
                "writeId": new.write_id}
    if op == r.DROP_TABLE:
        table = _table(before)
        return {"table": table.table_name, "tableType": table.table_type, "tableObjJson": encode(table)}
    if op in (r.ADD_PARTITION, r.DROP_PARTITION):
        table, parts = _partitions(after if op == r.ADD_PARTITION else before)
        fields = {"table": table.table_name, "tableType": table.table_type, "tableObjJson": encode(table),
                  "partitions": [_key_values(table.partition_keys, p) for p in parts]}
        if op == r.ADD_PARTITION:
            fields["partitionListJson"] = [encode(p) for p in parts]
            fields["partitionFiles"] = []
        return fields
    if op == r.ALTER_PARTITION:
        table, olds = _partitions(before)
        _, news = _partitions(after)
        return {"table": table.table_name, "tableType": table.table_type, "tableObjJson": encode(table),
                "keyValues": _key_values(table.partition_keys, olds[0]),
                "partitionObjBeforeJson": encode(olds[0]), "partitionObjAfterJson": encode(news[0]),
                "isTruncateOp": "false", "writeId": news[0].write_id,
                "partitionListBeforeJson": [encode(p) for p in olds],
                "partitionListAfterJson": [encode(p) for p in news]}
    if op in (r.CREATE_FUNCTION, r.ALTER_FUNCTION):
        return {"functionObjJson": encode(from_doc(Function, after))}
    if op == r.DROP_FUNCTION:
        return {"functionName": from_doc(Function, before).function_name}
    return {}


def message(change: r.StoredChange, encode: Encode, server: str = "", principal: str = "") -> str:
    """The JSON text of the notification for ``change``."""
    doc: dict[str, Any] = {"server": server, "servicePrincipal": principal, "db": change.db_name}
    if change.table_name is not None:
        doc["table"] = change.table_name
    doc.update(message_fields(change, encode))
    doc["timestamp"] = change.event_time
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
