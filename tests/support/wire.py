"""Decode what the adapter returns (objects or pre-encoded values) into Thrift structs, in-process."""

from __future__ import annotations

import struct
from typing import Any

from thriftpy2.protocol.cybin import TCyBinaryProtocol
from thriftpy2.transport.memory import TCyMemoryBuffer

from metastore.wire.encoded import EncodedValue
from metastore.wire.idl import hms


def decode_result(method: str, value: Any) -> Any:
    """The ``success`` value as a client would decode it from the wire."""
    if not isinstance(value, EncodedValue):
        return value
    data = struct.pack(">bh", value.ttype, 0) + b"".join(value.chunks) + b"\x00"
    result = getattr(hms().ThriftHiveMetastore, method + "_result")()
    TCyBinaryProtocol(TCyMemoryBuffer(data)).read_struct(result)
    return result.success
