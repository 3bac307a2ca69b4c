"""Hand-built Thrift binary messages, well-formed and hostile, for the wire-limit tests and fuzzing."""

from __future__ import annotations

import struct

STRING, STRUCT, LIST, STOP = 11, 12, 15, 0


def call_header(method: str, seqid: int = 1) -> bytes:
    name = method.encode()
    return struct.pack(">iI", -2147418111, len(name)) + name + struct.pack(">i", seqid)  # VERSION_1 | CALL


def string_field(fid: int, value: bytes) -> bytes:
    return struct.pack(">bhI", STRING, fid, len(value)) + value


def string_list_field(fid: int, values: list[bytes]) -> bytes:
    body = b"".join(struct.pack(">I", len(v)) + v for v in values)
    return struct.pack(">bhbI", LIST, fid, STRING, len(values)) + body


def get_table(db: str, table: str, seqid: int = 1) -> bytes:
    return call_header("get_table", seqid) + string_field(1, db.encode()) + string_field(2, table.encode()) + b"\x00"


def get_partitions_by_names(db: str, table: str, names: list[bytes]) -> bytes:
    return (call_header("get_partitions_by_names") + string_field(1, db.encode()) + string_field(2, table.encode())
            + string_list_field(3, names) + b"\x00")


def huge_string_prefix() -> bytes:
    """get_table whose db name claims 2 GB and carries 5 bytes."""
    return call_header("get_table") + struct.pack(">bhI", STRING, 1, 0x7FFFFFFF) + b"hello"


def huge_list_prefix() -> bytes:
    """get_partitions_by_names whose name list claims 2^31-1 elements."""
    return (call_header("get_partitions_by_names") + string_field(1, b"db") + string_field(2, b"t")
            + struct.pack(">bhbI", LIST, 3, STRING, 0x7FFFFFFF) + struct.pack(">I", 1) + b"x")


def many_empty_structs(count: int) -> bytes:
    """add_partitions with ``count`` empty Partition structs: 1 byte each on the wire, ~200 bytes decoded."""
    return call_header("add_partitions") + struct.pack(">bhbI", LIST, 1, STRUCT, count) + b"\x00" * count + b"\x00"


def deep_nesting(depth: int) -> bytes:
    """get_table with an unknown field holding structs nested ``depth`` deep."""
    return call_header("get_table") + struct.pack(">bh", STRUCT, 99) * depth + b"\x00" * (depth + 1)


def unknown_field_type() -> bytes:
    return call_header("get_table") + struct.pack(">bh", 0x7E, 1) + b"\x00" * 16


def bad_version() -> bytes:
    return struct.pack(">i", -2130706432) + b"\x00" * 12
