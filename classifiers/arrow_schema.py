"""Arrow schemas (what pyarrow reads from Parquet and ORC metadata) as Hive columns."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.types as pt

from classifiers.api import Column
from classifiers.hive_schema import STRING, quote_name


def hive_type(t: pa.DataType) -> str:
    """The Hive type engines read an Arrow type as (INT96 and all timestamps are ``timestamp``)."""
    if pt.is_dictionary(t):
        return hive_type(t.value_type)
    if pt.is_boolean(t):
        return "boolean"
    if pt.is_int8(t):
        return "tinyint"
    if pt.is_int16(t) or pt.is_uint8(t):
        return "smallint"
    if pt.is_int32(t) or pt.is_uint16(t):
        return "int"
    if pt.is_int64(t) or pt.is_uint32(t):
        return "bigint"
    if pt.is_uint64(t):
        return "decimal(20,0)"
    if pt.is_float16(t) or pt.is_float32(t):
        return "float"
    if pt.is_float64(t):
        return "double"
    if pt.is_decimal(t):
        return f"decimal({t.precision},{t.scale})" if t.precision <= 38 else STRING
    if pt.is_string(t) or pt.is_large_string(t) or getattr(pt, "is_string_view", lambda _: False)(t):
        return STRING
    if pt.is_binary(t) or pt.is_large_binary(t) or pt.is_fixed_size_binary(t):
        return "binary"
    if pt.is_date(t):
        return "date"
    if pt.is_timestamp(t):
        return "timestamp"
    if pt.is_list(t) or pt.is_large_list(t) or pt.is_fixed_size_list(t):
        return f"array<{hive_type(t.value_type)}>"
    if pt.is_map(t):
        return f"map<{hive_type(t.key_type)},{hive_type(t.item_type)}>"
    if pt.is_struct(t):
        fields = (t.field(i) for i in range(t.num_fields))
        return "struct<" + ",".join(f"{quote_name(f.name)}:{hive_type(f.type)}" for f in fields) + ">"
    return STRING  # time, interval, null, union: no Hive equivalent engines agree on


def columns(schema: pa.Schema) -> tuple[Column, ...]:
    return tuple(Column(f.name.lower(), hive_type(f.type)) for f in schema)
