"""Partitions pre-encoded in Thrift binary form, assembled into replies without building objects.

A partition is stored (by the store, as opaque bytes it gets from ``WireEncoder``) as its Thrift
fields minus ``dbName``/``tableName`` and minus ``sd.cols``, with ``sd`` as the last field and left
open. A reply splices, per partition: the db/table fields (same for all), the stored body, the
shared column list (encoded once per column set), and two stop bytes. Thrift readers accept fields
in any order, so Java, Apache-Python and thriftpy2 clients decode exactly the same Partition.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from thriftpy2.protocol.cybin import TCyBinaryProtocol
from thriftpy2.transport.memory import TCyMemoryBuffer

from metastore.catalog import NameListing
from metastore.column_stats import ColumnStats
from metastore.model import FieldSchema, Partition, StorageDescriptor, Table, storage_shape
from metastore.wire.convert import to_thrift
from metastore.wire.idl import hms

T_STOP, T_STRUCT, T_STRING, T_MAP, T_LIST = 0, 12, 11, 13, 15
_SD_FIELD = struct.pack(">bh", T_STRUCT, 6)  # Partition.sd
_TABLE_SD_FIELD = struct.pack(">bh", T_STRUCT, 7)  # Table.sd
CHUNK = 2000  # partitions per write to the socket


def _fields(obj: object) -> bytes:
    """The encoded fields of a struct, without its stop byte."""
    buf = TCyMemoryBuffer()
    TCyBinaryProtocol(buf).write_struct(obj)
    return buf.getvalue()[:-1]


def _string_field(fid: int, value: str) -> bytes:
    data = value.encode()
    return struct.pack(">bhi", T_STRING, fid, len(data)) + data


class WireEncoder:
    """Implements the store's ``ReplyEncoder``: the served form of partitions and column lists."""

    def partition_body(self, part: Partition) -> bytes:
        # The memo makes to_thrift skip the column list (served separately) without copying the sd.
        p = to_thrift(part, {id(part.sd.cols): (part.sd.cols, [])})
        sd = p.sd
        p.dbName = p.tableName = p.sd = None
        sd.cols = None
        return _fields(p) + _SD_FIELD + _fields(sd)

    def partition_bodies(self, parts: Sequence[Partition]) -> list[bytes]:
        """``partition_body`` of each; descriptors of one shape are encoded once, then the location spliced in."""
        rests: dict[tuple[object, ...], bytes] = {}
        bodies = []
        for part in parts:
            sd = part.sd
            shape = storage_shape(sd)
            rest = rests.get(shape)
            if rest is None:
                rest = rests[shape] = self._sd_fields(sd, with_location=False)
            head = _fields(to_thrift(part, skip=("db_name", "table_name", "sd"))) + _SD_FIELD
            bodies.append(head + _string_field(2, sd.location) + rest if sd.location is not None else head + rest)
        return bodies

    @staticmethod
    def _sd_fields(sd: StorageDescriptor, *, with_location: bool) -> bytes:
        """A descriptor's encoded fields but ``cols`` (served apart), optionally without ``location``
        (field 2: encoded first, as ``cols`` is absent, so splicing it back in front gives the same bytes)."""
        t = to_thrift(sd, {id(sd.cols): (sd.cols, [])})
        t.cols = None
        if not with_location:
            t.location = None
        return _fields(t)

    def table_body(self, table: Table) -> bytes:
        """All of a table's fields (``sd`` last and open, without ``cols``); ``id`` is left out."""
        t = to_thrift(table, {id(table.sd.cols): (table.sd.cols, [])})
        sd = t.sd
        t.sd = t.id = None
        sd.cols = None
        return _fields(t) + _TABLE_SD_FIELD + _fields(sd)

    def column_stats(self, stats: ColumnStats) -> bytes:
        """A whole ``ColumnStatisticsObj`` (stop byte included), spliced into statistics replies."""
        from metastore.wire.statistics_methods import stats_struct  # it builds on this module

        buf = TCyMemoryBuffer()
        TCyBinaryProtocol(buf).write_struct(stats_struct(hms(), stats))
        return buf.getvalue()

    def columns(self, cols: list[FieldSchema]) -> bytes:
        sd = hms().StorageDescriptor()
        for spec in sd.thrift_spec.values():
            setattr(sd, spec[1], None)
        sd.cols = to_thrift(cols)
        return _fields(sd)


@dataclass(slots=True)
class EncodedValue:
    """A result value already in wire form: ``ttype`` and the chunks of its encoding."""

    ttype: int
    chunks: Iterable[bytes]
    count: int | None = None  # elements of a list (partitions returned, for metrics)


def partition_list(db: str, table: str, bodies: list[bytes], cd_ids: list[int],
                   columns: dict[int, bytes]) -> Iterator[bytes]:
    """``list<Partition>`` encoding, yielded in chunks so large replies stream out."""
    yield struct.pack(">bi", T_STRUCT, len(bodies))
    prefix = _string_field(2, db) + _string_field(3, table)
    end = b"\x00\x00"
    for start in range(0, len(bodies), CHUNK):
        yield b"".join(
            prefix + body + columns[cd] + end
            for body, cd in zip(bodies[start:start + CHUNK], cd_ids[start:start + CHUNK], strict=True)
        )


def string_list(listing: NameListing) -> EncodedValue:
    """``list<string>`` of partition names; a cached listing keeps its encoding for later calls."""
    served = listing.served
    if served is None:
        buf = TCyMemoryBuffer()
        TCyBinaryProtocol(buf).write_struct(hms().ThriftHiveMetastore.get_partition_names_result(success=listing.names))
        served = [buf.getvalue()[3:-1]]  # without the result's field header (type, id) and stop byte
        if listing.cached:
            listing.served = served
    return EncodedValue(T_LIST, iter(served), len(listing.names))


def table_value(body: bytes, columns: bytes, extra: bytes = b"") -> EncodedValue:
    """One ``Table`` struct from its stored body and its encoded column list (+ ``extra`` encoded fields)."""
    return EncodedValue(T_STRUCT, (body, columns, b"\x00", extra, b"\x00"))


def struct_field(field_id: int, value: object) -> bytes:
    """One struct-valued field, encoded."""
    buf = TCyMemoryBuffer()
    TCyBinaryProtocol(buf).write_struct(value)
    return struct.pack(">bh", T_STRUCT, field_id) + buf.getvalue()


def table_list(bodies: list[bytes], cd_ids: list[int], columns: dict[int, bytes]) -> EncodedValue:
    def chunks() -> Iterator[bytes]:
        yield struct.pack(">bi", T_STRUCT, len(bodies))
        yield b"".join(body + columns[cd] + b"\x00\x00" for body, cd in zip(bodies, cd_ids, strict=True))

    return EncodedValue(T_LIST, chunks())


def as_list(chunks: Iterator[bytes], count: int | None = None) -> EncodedValue:
    return EncodedValue(T_LIST, chunks, count)


def in_struct(field_id: int, value: EncodedValue) -> EncodedValue:
    """A response struct whose only set field is ``value`` (e.g. ``PartitionsResponse.partitions``)."""

    def chunks() -> Iterator[bytes]:
        yield struct.pack(">bh", value.ttype, field_id)
        yield from value.chunks
        yield b"\x00"

    return EncodedValue(T_STRUCT, chunks(), value.count)
