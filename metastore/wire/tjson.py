"""Thrift structs in Thrift's JSON protocol (``TJSONProtocol``), as HMS notification messages embed them.

The Java server serialises the table, partition, database and function objects inside its JSON
messages with ``TJSONProtocol``; replication and cache-invalidation clients (Impala, Kudu, Hive
replication) deserialise them the same way. Write-only: metahive never reads this form.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from thriftpy2.thrift import TType

_NAMES = {
    TType.BOOL: "tf", TType.BYTE: "i8", TType.I16: "i16", TType.I32: "i32", TType.I64: "i64",
    TType.DOUBLE: "dbl", TType.STRING: "str", TType.STRUCT: "rec", TType.MAP: "map", TType.LIST: "lst",
    TType.SET: "set",
}


def _split(spec: Any) -> tuple[int, Any]:
    """(ttype, nested spec) from a thriftpy2 container element spec (an int or a (ttype, spec) tuple)."""
    if isinstance(spec, tuple):
        return spec[0], spec[1]
    return spec, None


def _value(ttype: int, spec: Any, value: Any) -> Any:
    if ttype == TType.BOOL:
        return 1 if value else 0
    if ttype == TType.STRING:
        return base64.b64encode(value).decode() if isinstance(value, bytes) else value
    if ttype == TType.DOUBLE:
        return float(value)
    if ttype in (TType.BYTE, TType.I16, TType.I32, TType.I64):
        return int(value)
    if ttype == TType.STRUCT:
        return struct_doc(value)
    if ttype in (TType.LIST, TType.SET):
        etype, espec = _split(spec)
        return [_NAMES[etype], len(value), *(_value(etype, espec, v) for v in value)]
    if ttype == TType.MAP:
        (ktype, kspec), (vtype, vspec) = _split(spec[0]), _split(spec[1])
        if ktype in (TType.LIST, TType.SET, TType.MAP, TType.STRUCT):
            value = {}  # JSON object keys cannot hold containers (skewed-value maps): left empty
        items = {_key(ktype, kspec, k): _value(vtype, vspec, v) for k, v in value.items()}
        return [_NAMES[ktype], _NAMES[vtype], len(value), items]
    raise TypeError(f"unsupported Thrift type {ttype}")


def _key(ktype: int, spec: Any, key: Any) -> str:
    """Map keys are JSON strings (numbers as their text)."""
    value = _value(ktype, spec, key)
    return value if isinstance(value, str) else json.dumps(value)


def struct_doc(obj: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for fid, spec in sorted(obj.thrift_spec.items()):
        value = getattr(obj, spec[1], None)
        if value is None:
            continue
        ttype = spec[0]
        nested = spec[2] if len(spec) > 3 else None
        doc[str(fid)] = {_NAMES[ttype]: _value(ttype, nested, value)}
    return doc


def dumps(obj: Any) -> str:
    """``obj`` (a thriftpy2 struct) as TJSONProtocol text."""
    return json.dumps(struct_doc(obj), separators=(",", ":"), ensure_ascii=False)
