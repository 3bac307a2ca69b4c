"""Avro object container files: the writer's schema from the header.

Registered with Hive's AvroSerDe and the whole schema in ``avro.schema.literal`` (SerDe and table
parameters, as Glue does): Hive-based readers, Spark's among them, take the columns from that
literal, so the column list here is what they will show.
"""

from __future__ import annotations

import io
import json

import fastavro

from classifiers import serdes
from classifiers.api import Classification, ClassifyOptions, Column, Sample, unknown
from classifiers.hive_schema import STRING, quote_name

MAGIC = b"Obj\x01"
_PRIMITIVES = {"null": "void", "boolean": "boolean", "int": "int", "long": "bigint", "float": "float",
               "double": "double", "bytes": "binary", "string": STRING}
_LOGICAL = {"date": "date", "timestamp-millis": "timestamp", "timestamp-micros": "timestamp",
            "local-timestamp-millis": "timestamp", "local-timestamp-micros": "timestamp",
            "uuid": STRING}


class _Converter:
    """Avro schema JSON -> Hive type strings, resolving named types; recursion becomes string."""

    def __init__(self, max_depth: int) -> None:
        self.named: dict[str, object] = {}
        self.max_depth = max_depth

    def hive(self, schema: object, depth: int = 0, namespace: str = "") -> str:
        if depth > self.max_depth:
            return STRING
        if isinstance(schema, str):
            if schema in _PRIMITIVES:
                return "string" if schema == "null" else _PRIMITIVES[schema]
            named = self.named.get(schema) or self.named.get(f"{namespace}.{schema}")
            return self.hive(named, depth + 1, namespace) if named is not None else STRING
        if isinstance(schema, list):
            branches = [b for b in schema if b != "null"]
            if len(branches) == 1:
                return self.hive(branches[0], depth, namespace)  # ["null", X]: a nullable X
            return "uniontype<" + ",".join(self.hive(b, depth + 1, namespace) for b in branches) + ">"
        if not isinstance(schema, dict):
            return STRING
        kind = schema.get("type")
        logical = schema.get("logicalType")
        if logical == "decimal":
            return f"decimal({schema.get('precision', 10)},{schema.get('scale', 0)})"
        if logical in _LOGICAL:
            return _LOGICAL[logical]
        if kind in ("record", "error", "enum", "fixed") and "name" in schema:
            ns = schema.get("namespace", namespace)
            name = str(schema["name"])
            self.named[name] = schema
            self.named[f"{ns}.{name}" if ns and "." not in name else name] = schema
            namespace = ns
        if kind in ("record", "error"):
            fields = schema.get("fields", [])
            if depth >= self.max_depth:
                return STRING
            return "struct<" + ",".join(
                f"{quote_name(str(f['name']))}:{self.hive(f['type'], depth + 1, namespace)}" for f in fields) + ">"
        if kind == "array":
            return f"array<{self.hive(schema.get('items'), depth + 1, namespace)}>"
        if kind == "map":
            return f"map<string,{self.hive(schema.get('values'), depth + 1, namespace)}>"
        if kind == "enum":
            return STRING
        if kind == "fixed":
            return "binary"
        return self.hive(kind, depth, namespace)


def hive_columns(schema: object, max_depth: int = 64) -> tuple[Column, ...]:
    """Columns of a top-level Avro record schema."""
    if not isinstance(schema, dict) or schema.get("type") not in ("record", "error"):
        raise ValueError("the top-level Avro schema is not a record")
    converter = _Converter(max_depth)
    converter.hive(schema)  # registers the named types
    return tuple(Column(str(f["name"]).lower(), converter.hive(f["type"], 1, schema.get("namespace", "")),
                        f.get("doc")) for f in schema["fields"])


class AvroClassifier:
    name = "avro"

    def classify(self, sample: Sample, options: ClassifyOptions) -> Classification:
        if sample.head[:4] != MAGIC:
            return unknown("avro: no Obj\\x01 magic at the start")
        try:
            reader = fastavro.reader(io.BytesIO(sample.head))
            schema = json.loads(reader.metadata["avro.schema"])
            columns = hive_columns(schema, options.max_nesting)
        except (ValueError, KeyError, EOFError, TypeError, fastavro.read.SchemaResolutionError) as exc:
            return unknown(f"avro: the header cannot be read ({type(exc).__name__}: {exc})")
        sampled = 0
        try:
            for _ in reader:
                sampled += 1
                if sampled >= options.max_records:
                    break
        except Exception:  # noqa: BLE001 - the sample may end inside a block; the header is what counts
            pass
        literal = serdes.avro_parameters(schema)
        codec = reader.metadata.get("avro.codec", "null")
        return Classification(
            classification="avro", certainty=1.0, columns=columns, serde=serdes.AVRO_SERDE,
            input_format=serdes.AVRO_INPUT, output_format=serdes.AVRO_OUTPUT,
            serde_parameters=dict(literal),
            table_parameters={"classification": "avro", "typeOfData": "file", **literal},
            record_count=sampled if sample.complete and sampled < options.max_records else None,
            records_sampled=sampled,
            average_record_size=len(sample.head) // sampled if sampled else None,
            classifier=self.name,
            reason=f"Avro container, schema {schema.get('name')!r} with {len(columns)} fields, codec {codec}",
        )
