"""JSON: JSON lines, top-level arrays (one row per element), pretty-printed concatenated objects.

Glue registers a top-level array as one row holding an array; here each element is a row, as
Spark's JSON reader reads it.  Object keys become lower-case column names; the original-case
keys are kept in the OpenX SerDe's ``paths`` (Trino, Athena) and in the Spark schema (Spark's
JSON reader matches keys case-sensitively).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from classifiers import serdes
from classifiers.api import Classification, ClassifyOptions, Column, Sample, unknown
from classifiers.hive_schema import (
    STRING,
    VOID,
    Array,
    HiveType,
    Struct,
    format_type,
    widen_tree,
)
from classifiers.text import decode

_DECODER = json.JSONDecoder()
_WS = " \t\r\n"
_INT32 = 2**31
_INT64 = 2**63


@dataclass
class _Records:
    values: list[object]
    layout: str  # "lines", "array", "concatenated" (objects spanning lines) or "document"
    consumed: int = 0  # characters of the sample the records came from


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def _array_elements(text: str, pos: int, limit: int, complete: bool, end: list[int]) -> Iterator[object]:
    """Elements of the top-level array starting at ``text[pos] == '['``, one at a time
    (``end[0]`` follows the position after the last element read)."""
    pos = _skip_ws(text, pos + 1)
    if text[pos:pos + 1] == "]":
        return
    count = 0
    while pos < len(text) and count < limit:
        try:
            value, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError:
            if complete:
                raise
            return  # the sample ends inside this element
        end[0] = pos
        yield value
        count += 1
        pos = _skip_ws(text, pos)
        if text[pos:pos + 1] == ",":
            pos = _skip_ws(text, pos + 1)
        elif text[pos:pos + 1] == "]":
            return
        elif pos < len(text) or complete:
            raise json.JSONDecodeError("expected ',' or ']'", text, pos)


def read_records(text: str, limit: int, complete: bool) -> _Records:
    """Up to ``limit`` top-level records, and how they are laid out."""
    pos = _skip_ws(text, 0)
    if text[pos:pos + 1] == "[":
        end = [pos]
        values = list(_array_elements(text, pos, limit, complete, end))
        return _Records(values, "array", end[0])
    values: list[object] = []
    multiline = False
    while pos < len(text) and len(values) < limit:
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError:
            if complete:
                raise
            break  # the sample ends inside this record
        multiline = multiline or "\n" in text[pos:end]
        values.append(value)
        pos = _skip_ws(text, end)
    layout = "lines" if not multiline else "document" if len(values) == 1 else "concatenated"
    return _Records(values, layout, pos)


def infer(value: object, depth: int = 0, max_depth: int = 64) -> HiveType:
    """The Hive type of a parsed JSON value; nesting beyond ``max_depth`` becomes string."""
    if depth > max_depth:
        return STRING
    if value is None:
        return VOID
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        n = abs(value)
        return "int" if n < _INT32 else "bigint" if n < _INT64 else "decimal(38,0)" if n < 10**38 else STRING
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return STRING
    if isinstance(value, list):
        element: HiveType = VOID
        for item in value:
            element = widen_tree(element, infer(item, depth + 1, max_depth))
        return Array(element)
    if isinstance(value, dict):
        fields: dict[str, tuple[str, HiveType]] = {}
        for k, v in value.items():
            name, t = str(k), infer(v, depth + 1, max_depth)
            seen = fields.get(name.lower())  # keys differing only in case are one column
            fields[name.lower()] = (seen[0], widen_tree(seen[1], t)) if seen else (name, t)
        return Struct(tuple(fields.values()))
    return STRING


def schema_of(values: list[object], max_depth: int) -> Struct:
    """The union of the records' fields (objects only), widened."""
    merged: HiveType = Struct(())
    for value in values:
        merged = widen_tree(merged, infer(value, 0, max_depth))
    assert isinstance(merged, Struct)
    return merged


def registration(schema: Struct, classification: str, multiline: bool) -> dict[str, object]:
    """Columns, SerDe and parameters for JSON files with this schema."""
    fields = [(name, t if t != VOID else STRING) for name, t in schema.fields]
    columns = tuple(Column(name.lower() or f"col{i}", format_type(t)) for i, (name, t) in enumerate(fields))
    serde_parameters = {"paths": ",".join(name for name, _ in fields)}
    if multiline:
        serde_parameters["multiLine"] = "true"  # an option for Spark's JSON reader
    table_parameters = {"classification": classification, "typeOfData": "file",
                        **serdes.spark_datasource_parameters("json", fields)}
    return {"columns": columns, "serde": serdes.OPENX_JSON_SERDE, "input_format": serdes.TEXT_INPUT,
            "output_format": serdes.TEXT_OUTPUT, "serde_parameters": serde_parameters,
            "table_parameters": table_parameters}


class JsonClassifier:
    """The built-in JSON classifier."""

    name = "json"

    def classify(self, sample: Sample, options: ClassifyOptions) -> Classification:
        text = decode(sample)
        if text is None:
            return unknown("json: the sample is not text")
        start = text.text.lstrip(_WS)[:1]
        if start not in ("{", "["):
            return unknown("json: the sample does not start with '{' or '['")
        try:
            records = read_records(text.text, options.max_records, text.complete)
        except json.JSONDecodeError as exc:
            return unknown(f"json: not valid JSON ({exc.msg} at character {exc.pos})")
        except RecursionError:
            return unknown("json: nesting is deeper than the JSON parser allows")
        if not records.values:
            if not text.complete:
                return unknown(f"json: no complete record in the first {len(sample.head):,} bytes "
                               "(raise sample_bytes to read larger records)")
            return unknown("json: no records (an empty array)")
        objects = [v for v in records.values if isinstance(v, dict)]
        if len(objects) < len(records.values):
            return unknown(f"json: {len(records.values) - len(objects)} of {len(records.values)} "
                           "top-level records are not objects")
        schema = schema_of(objects, options.max_nesting)
        if not schema.fields:
            return unknown("json: the records have no keys")
        multiline = records.layout != "lines"
        notes = {"lines": "one record per line", "array": "top-level array, one row per element",
                 "document": "one document spanning lines",
                 "concatenated": "concatenated multi-line objects (engines that read line by line "
                                 "need one record per line)"}
        return Classification(
            classification="json", certainty=1.0, **registration(schema, "json", multiline),
            record_count=len(objects) if text.complete and len(objects) < options.max_records else None,
            records_sampled=len(objects),
            average_record_size=max(1, records.consumed // len(objects)),
            classifier=self.name,
            reason=f"{len(objects)} JSON records, {notes[records.layout]}",
        )
