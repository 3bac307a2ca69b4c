"""Test files written by real writers: pyarrow, pyorc, fastavro, Apache avro, csv, json, lxml, codecs.

Every generator writes one file and returns its path; the rows it wrote are in ``PEOPLE`` (the
same logical data in every format, so end-to-end tests can check values).
"""

from __future__ import annotations

import bz2
import csv
import datetime as dt
import decimal
import gzip
import io
import json
import struct
import zipfile
from pathlib import Path

import cramjam
import fastavro
import pyarrow as pa
import pyarrow.orc as po
import pyarrow.parquet as pq
import zstandard
from lxml import etree

PEOPLE = [
    {"id": 1, "name": "Ada", "score": 91.5, "balance": decimal.Decimal("1200.50"), "born": dt.date(1990, 5, 1),
     "active": True, "tags": ["x", "y"], "address": {"city": "Paris", "zip": "75001"}},
    {"id": 2, "name": "Grace, \"Amazing\"", "score": 78.25, "balance": decimal.Decimal("-3.10"),
     "born": dt.date(1985, 12, 9), "active": False, "tags": [], "address": {"city": "Rome", "zip": "00118"}},
    {"id": 3, "name": "Linus", "score": None, "balance": decimal.Decimal("0.00"), "born": dt.date(2001, 1, 31),
     "active": True, "tags": ["z"], "address": {"city": "Oslo", "zip": None}},
]


def arrow_people() -> pa.Table:
    return pa.table({
        "id": pa.array([p["id"] for p in PEOPLE], pa.int64()),
        "name": [p["name"] for p in PEOPLE],
        "score": pa.array([p["score"] for p in PEOPLE], pa.float64()),
        "balance": pa.array([p["balance"] for p in PEOPLE], pa.decimal128(10, 2)),
        "born": pa.array([p["born"] for p in PEOPLE], pa.date32()),
        "active": [p["active"] for p in PEOPLE],
        "tags": pa.array([p["tags"] for p in PEOPLE], pa.list_(pa.string())),
        "address": pa.array([p["address"] for p in PEOPLE],
                            pa.struct([("city", pa.string()), ("zip", pa.string())])),
    })


def write_parquet(path: Path, **kwargs) -> Path:
    pq.write_table(arrow_people(), path, **kwargs)
    return path


def write_parquet_int96(path: Path) -> Path:
    table = pa.table({"id": pa.array([1, 2], pa.int32()),
                      "at": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 6, 1)], pa.timestamp("ns")),
                      "attrs": pa.array([[("k", 1)], []], pa.map_(pa.string(), pa.int32()))})
    pq.write_table(table, path, use_deprecated_int96_timestamps=True)
    return path


def write_orc_pyarrow(path: Path) -> Path:
    po.write_table(arrow_people(), path, compression="zlib")
    return path


def write_orc_pyorc(path: Path) -> Path:
    import pyorc

    with open(path, "wb") as f, pyorc.Writer(
            f, "struct<id:bigint,name:string,score:double,born:date,tags:array<string>>",
            compression=pyorc.CompressionKind.ZSTD) as writer:
        for p in PEOPLE:
            writer.write((p["id"], p["name"], p["score"], p["born"], p["tags"]))
    return path


AVRO_SCHEMA = {
    "type": "record", "name": "Person", "namespace": "test.people",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string"},
        {"name": "score", "type": ["null", "double"], "default": None},
        {"name": "balance", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "born", "type": {"type": "int", "logicalType": "date"}},
        {"name": "active", "type": "boolean"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
            {"name": "city", "type": "string"}, {"name": "zip", "type": ["null", "string"]}]}},
    ],
}


def write_avro_fastavro(path: Path, codec: str = "deflate") -> Path:
    with open(path, "wb") as f:
        fastavro.writer(f, fastavro.parse_schema(AVRO_SCHEMA), PEOPLE, codec=codec)
    return path


def write_avro_apache(path: Path) -> Path:
    """The same data through Apache's ``avro`` package (another writer, another header layout)."""
    import avro.datafile
    import avro.io
    import avro.schema

    schema = avro.schema.parse(json.dumps({
        "type": "record", "name": "Event", "fields": [
            {"name": "id", "type": "long"},
            {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["OPEN", "CLOSE"]}},
            {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
            {"name": "props", "type": {"type": "map", "values": "string"}},
        ]}))
    with open(path, "wb") as f:
        writer = avro.datafile.DataFileWriter(f, avro.io.DatumWriter(), schema, codec="deflate")
        for i in range(5):
            writer.append({"id": i, "kind": "OPEN" if i % 2 == 0 else "CLOSE",
                           "at": dt.datetime(2024, 1, 1, 0, 0, i, tzinfo=dt.UTC), "props": {"n": str(i)}})
        writer.close()
    return path


def csv_rows(header: bool = True) -> list[list[str]]:
    rows = [[str(p["id"]), p["name"], "" if p["score"] is None else str(p["score"]), str(p["balance"]),
             p["born"].isoformat(), str(p["active"]).lower()] for p in PEOPLE]
    return ([["id", "name", "score", "balance", "born", "active"]] if header else []) + rows


def write_csv(path: Path, delimiter: str = ",", quoting: int = csv.QUOTE_MINIMAL, header: bool = True,
              rows: list[list[str]] | None = None, encoding: str = "utf-8") -> Path:
    quote = None if quoting == csv.QUOTE_NONE else '"'
    with open(path, "w", newline="", encoding=encoding) as f:
        csv.writer(f, delimiter=delimiter, quoting=quoting, quotechar=quote, lineterminator="\n").writerows(
            rows if rows is not None else csv_rows(header))
    return path


def json_people() -> list[dict]:
    return [{"Id": p["id"], "userName": p["name"], "score": p["score"], "active": p["active"], "tags": p["tags"],
             "Address": p["address"]} for p in PEOPLE]


def write_json_lines(path: Path) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in json_people()))
    return path


def write_json_array(path: Path) -> Path:
    path.write_text(json.dumps(json_people(), indent=2))
    return path


def write_xml(path: Path) -> Path:
    root = etree.Element("people")
    for p in PEOPLE:
        row = etree.SubElement(root, "person", id=str(p["id"]))
        etree.SubElement(row, "name").text = p["name"]
        if p["score"] is not None:
            etree.SubElement(row, "score").text = str(p["score"])
        for tag in p["tags"]:
            etree.SubElement(row, "tag").text = tag
        address = etree.SubElement(row, "address")
        etree.SubElement(address, "city").text = p["address"]["city"]
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return path


# ---- whole-file compression ------------------------------------------------------------------

def hadoop_snappy(data: bytes, block: int = 256 * 1024) -> bytes:
    """Hadoop's SnappyCodec block stream: [raw length][chunk length][raw snappy] per block."""
    out = bytearray()
    for i in range(0, len(data), block):
        piece = data[i:i + block]
        raw = bytes(cramjam.snappy.compress_raw(piece))
        out += struct.pack(">II", len(piece), len(raw)) + raw
    return bytes(out)


def compress(data: bytes, codec: str) -> bytes:
    if codec == "gzip":
        return gzip.compress(data)
    if codec == "bzip2":
        return bz2.compress(data)
    if codec == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    if codec == "lz4":
        return pa.compress(data, codec="lz4", asbytes=True)  # the LZ4 frame format
    if codec == "snappy":
        return bytes(cramjam.snappy.compress(data))  # the framing format
    if codec == "snappy-hadoop":
        return hadoop_snappy(data)
    if codec == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("data.csv", data)
        return buf.getvalue()
    raise ValueError(codec)
