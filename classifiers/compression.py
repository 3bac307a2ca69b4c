"""Whole-file compression, recognised by magic bytes and decompressed only as far as the sample needs.

The file name never decides (a ``.gz`` that is plain text is plain text).  Decompression reads
only the sample's head (a zip's member count also reads its tail) and stops after ``sample_bytes`` of output, so a 10 GB gzip costs the
same as a 1 MB one; a head cut in the middle of a compressed block yields what was decoded so far.
"""

from __future__ import annotations

import bz2
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace

import pyarrow as pa

from classifiers.api import Sample

NONE = "none"
_SNAPPY_FRAMED_MAGIC = b"\xff\x06\x00\x00sNaPpY"
_MAX_HADOOP_BLOCK = 64 * 1024 * 1024


@dataclass(frozen=True)
class Opened:
    """The sample to classify (decompressed when it was compressed) and the codec found."""

    sample: Sample
    compression: str
    problem: str = ""  # set when the data looked compressed but could not be decoded


def detect(head: bytes) -> str:
    """The whole-file codec whose magic bytes start ``head`` (``none`` when there is none)."""
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] == b"1AY&SY":
        return "bzip2"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    if head[:4] == b"\x04\x22\x4d\x18":
        return "lz4"
    if head.startswith(_SNAPPY_FRAMED_MAGIC):
        return "snappy"
    if head[:4] == b"PK\x03\x04":
        return "zip"
    if _looks_hadoop_snappy(head):
        return "snappy"
    return NONE


def open_sample(sample: Sample, limit: int) -> Opened:
    """Decompress the sample's head (at most ``limit`` bytes out) if it is compressed."""
    codec = detect(sample.head)
    if codec == NONE:
        if len(sample.head) > limit:
            sample = replace(sample, head=sample.head[:limit])
        return Opened(sample, NONE)
    if codec == "zip":
        members = _zip_members(sample)
        if members is not None and members != 1:
            return Opened(sample, codec, f"the zip archive holds {members} files; only single-file "
                                         "archives are classified (as in Glue)")
    decoder = _DECODERS[codec]
    try:
        data, finished = decoder(sample.head, limit)
    except (OSError, ValueError, EOFError, zlib.error, pa.ArrowException, struct.error) as exc:
        if codec == "snappy" and not sample.head.startswith(_SNAPPY_FRAMED_MAGIC):
            return Opened(sample if len(sample.head) <= limit else replace(sample, head=sample.head[:limit]), NONE)
        return Opened(sample, codec, f"{codec} data could not be decompressed: {exc}")
    whole = finished and sample.complete
    inner = Sample(name=_inner_name(sample.name, codec), head=data,
                   size=len(data) if whole else None, read_range=None)
    return Opened(inner, codec)


def _zip_members(sample: Sample) -> int | None:
    """The entry count in the zip's end-of-central-directory record, when the tail can be read."""
    if sample.size is None or (sample.read_range is None and not sample.complete):
        return None
    tail_len = min(sample.size, 22 + 65535)
    if sample.complete:
        tail = sample.head[-tail_len:]
    else:
        assert sample.read_range is not None
        tail = sample.read_range(sample.size - tail_len, tail_len)
    at = tail.rfind(b"PK\x05\x06")
    return struct.unpack("<H", tail[at + 10:at + 12])[0] if at >= 0 and len(tail) >= at + 12 else None


def _inner_name(name: str, codec: str) -> str:
    for ext in {"gzip": (".gz", ".gzip"), "bzip2": (".bz2",), "zstd": (".zst", ".zstd"),
                "lz4": (".lz4",), "snappy": (".snappy", ".sz"), "zip": (".zip",)}[codec]:
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


# ---- decoders: (head, limit) -> (data, reached the end of the compressed stream) -------------

def _gzip(head: bytes, limit: int) -> tuple[bytes, bool]:
    out = bytearray()
    data = head
    while data and len(out) < limit:  # a gzip file may hold several members
        d = zlib.decompressobj(wbits=47)
        out += d.decompress(data, limit - len(out))
        if not d.eof:
            return bytes(out), False
        data = d.unused_data.lstrip(b"\0")
    return bytes(out), not data


def _bzip2(head: bytes, limit: int) -> tuple[bytes, bool]:
    out = bytearray()
    data = head
    while data and len(out) < limit:
        d = bz2.BZ2Decompressor()
        out += d.decompress(data, limit - len(out))
        if not d.eof:
            return bytes(out), False
        data = d.unused_data
    return bytes(out), not data


def _arrow_stream(codec: str) -> Callable[[bytes, int], tuple[bytes, bool]]:
    def decode(head: bytes, limit: int) -> tuple[bytes, bool]:
        stream = pa.CompressedInputStream(pa.BufferReader(head), codec)
        out = bytearray()
        try:
            while len(out) < limit:
                chunk = stream.read(min(65536, limit - len(out)))
                if not chunk:
                    return bytes(out), True
                out += chunk
        except OSError:
            if not out:
                raise
            return bytes(out), False  # the head ends inside a block: keep what was decoded
        return bytes(out), False
    return decode


def _raw_snappy(block: bytes) -> bytes:
    size, _ = _varint(block)
    return pa.decompress(block, decompressed_size=size, codec="snappy", asbytes=True)


def _varint(data: bytes) -> tuple[int, int]:
    value = shift = 0
    for i, byte in enumerate(data[:5]):
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i + 1
        shift += 7
    raise ValueError("bad snappy length prefix")


def _snappy_framed(head: bytes, limit: int) -> tuple[bytes, bool]:
    out = bytearray()
    pos = 0
    while pos + 4 <= len(head) and len(out) < limit:
        kind = head[pos]
        length = int.from_bytes(head[pos + 1:pos + 4], "little")
        body = head[pos + 4:pos + 4 + length]
        if len(body) < length:
            return bytes(out), False
        if kind == 0x00:  # compressed chunk: 4-byte CRC, then raw snappy
            out += _raw_snappy(body[4:])
        elif kind == 0x01:  # uncompressed chunk
            out += body[4:]
        elif kind <= 0x7F and kind != 0xFF:
            raise ValueError(f"unknown snappy frame chunk type {kind:#x}")
        pos += 4 + length
    return bytes(out[:limit]), pos >= len(head)


def _looks_hadoop_snappy(head: bytes) -> bool:
    """Hadoop's SnappyCodec: big-endian block length, chunk length, then raw snappy."""
    if len(head) < 9:
        return False
    raw_len, chunk_len = struct.unpack(">II", head[:8])
    if not (0 < raw_len <= _MAX_HADOOP_BLOCK and 0 < chunk_len <= raw_len + raw_len // 6 + 32):
        return False
    try:
        size, _ = _varint(head[8:])
    except ValueError:
        return False
    return size == raw_len or size <= raw_len and chunk_len < raw_len


def _snappy_hadoop(head: bytes, limit: int) -> tuple[bytes, bool]:
    out = bytearray()
    pos = 0
    while pos + 8 <= len(head) and len(out) < limit:
        raw_len = struct.unpack(">I", head[pos:pos + 4])[0]
        pos += 4
        produced = 0
        while produced < raw_len and pos + 4 <= len(head):
            chunk_len = struct.unpack(">I", head[pos:pos + 4])[0]
            chunk = head[pos + 4:pos + 4 + chunk_len]
            if len(chunk) < chunk_len:
                return bytes(out), False
            piece = _raw_snappy(chunk)
            out += piece
            produced += len(piece)
            pos += 4 + chunk_len
    return bytes(out[:limit]), pos >= len(head)


def _zip(head: bytes, limit: int) -> tuple[bytes, bool]:
    """The first member of a zip archive, read from its local header (no central directory)."""
    (_, _, flags, method, _, _, _, _, _, name_len, extra_len) = struct.unpack("<IHHHHHIIIHH", head[:30])
    start = 30 + name_len + extra_len
    body = head[start:]
    if method == 0:
        return body[:limit], False
    if method != 8:
        raise ValueError(f"zip compression method {method} is not supported (only stored and deflate)")
    d = zlib.decompressobj(wbits=-15)
    out = d.decompress(body, limit)
    return out, False


_DECODERS: dict[str, Callable[[bytes, int], tuple[bytes, bool]]] = {
    "gzip": _gzip,
    "bzip2": _bzip2,
    "zstd": _arrow_stream("zstd"),
    "lz4": _arrow_stream("lz4"),
    "snappy": lambda head, limit: (_snappy_framed if head.startswith(_SNAPPY_FRAMED_MAGIC)
                                   else _snappy_hadoop)(head, limit),
    "zip": _zip,
}
