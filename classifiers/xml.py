"""XML: the row tag (the element repeated under the root) and each row's schema.

Attributes become ``_name`` fields, an element's own text next to attributes or children
``_VALUE``, nested elements structs, repeated elements arrays — the conventions of Spark 4's XML
source (and Glue's), which reads these tables: provider ``xml`` with the ``rowTag`` option.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from lxml import etree

from classifiers import serdes
from classifiers.api import Classification, ClassifyOptions, Column, Sample, unknown
from classifiers.csv import value_type
from classifiers.hive_schema import STRING, VOID, Array, HiveType, Struct, format_type, widen_tree
from classifiers.text import Text, decode

ATTRIBUTE_PREFIX = "_"
VALUE_TAG = "_VALUE"
# Spark's XML reader parses these types from text with its default formats; others stay string.
_KEEP = {"boolean", "int", "bigint", "double", "date", VOID}


def _local(tag: object) -> str:
    name = str(tag)
    return name.rsplit("}", 1)[-1] if name.startswith("{") else name


def _text_type(text: str | None) -> HiveType:
    t = value_type(text or "")
    if t.startswith("decimal"):
        return "double"
    return t if t in _KEEP else STRING


def widen_xml(a: HiveType, b: HiveType) -> HiveType:
    """``widen_tree``, except that an element seen once in one row and repeated in another is an array."""
    if a == b:
        return a
    if isinstance(a, Array) and not isinstance(b, Array) and b != VOID:
        return Array(widen_xml(a.element, b))
    if isinstance(b, Array) and not isinstance(a, Array) and a != VOID:
        return Array(widen_xml(a, b.element))
    if isinstance(a, Struct) and isinstance(b, Struct):
        merged: dict[str, tuple[str, HiveType]] = {}
        for name, t in (*a.fields, *b.fields):
            seen = merged.get(name.lower())
            merged[name.lower()] = (seen[0], widen_xml(seen[1], t)) if seen else (name, t)
        return Struct(tuple(merged.values()))
    return widen_tree(a, b)


def element_type(el: etree._Element, depth: int, max_depth: int) -> HiveType:
    """The type of one element: a primitive for plain text, else a struct."""
    children = [c for c in el if isinstance(c.tag, str)]
    if not children and not el.attrib:
        return _text_type(el.text)
    if depth >= max_depth:
        return STRING
    fields: list[tuple[str, HiveType]] = [(ATTRIBUTE_PREFIX + _local(k), _text_type(v)) for k, v in el.attrib.items()]
    counts = Counter(_local(c.tag) for c in children)
    grouped: dict[str, HiveType] = {}
    for child in children:
        name = _local(child.tag)
        t = element_type(child, depth + 1, max_depth)
        grouped[name] = widen_xml(grouped.get(name, VOID), t)
    for name, t in grouped.items():
        fields.append((name, Array(t) if counts[name] > 1 else t))
    text = (el.text or "").strip()
    if text:
        fields.append((VALUE_TAG, _text_type(text)))
    return Struct(tuple(fields))


_CHUNK = 64 * 1024


def parse(data: bytes, complete: bool, max_rows: int) -> tuple[etree._Element | None, bool]:
    """Parse what the sample holds, stopping once the root has ``max_rows`` closed children.

    Returns the root (None when the document is not XML) and whether the whole document was read;
    a cut-off document keeps the elements closed so far.
    """
    parser = etree.XMLPullParser(events=("start", "end"), resolve_entities=False, no_network=True,
                                 huge_tree=False, recover=not complete)
    root, depth, rows = None, 0, 0
    try:
        for pos in range(0, len(data), _CHUNK):
            parser.feed(data[pos:pos + _CHUNK])
            for event, el in parser.read_events():
                if event == "start":
                    depth += 1
                    if root is None:
                        root = el
                else:
                    depth -= 1
                    rows += depth == 1
            if rows > max_rows:
                return root, False
        if complete:
            return parser.close(), True
    except etree.XMLSyntaxError:
        if complete:
            return None, False
    return root, False


def parse_text(text: Text | None, max_rows: int) -> tuple[etree._Element | None, bool]:
    """The document's root, if the decoded sample is XML, and whether all of it was read."""
    if text is None or not text.text.lstrip().startswith("<"):
        return None, False
    data = text.text.lstrip().encode("utf-8")
    if data.startswith(b"<?xml") and b"?>" in data:
        data = data[data.index(b"?>") + 2:]  # the declared encoding was applied when decoding
    return parse(data, text.complete, max_rows)


def find_row_tag(root: etree._Element) -> str | None:
    """The most repeated child element of the root (or its only child)."""
    counts = Counter(_local(c.tag) for c in root if isinstance(c.tag, str))
    if not counts:
        return None
    tag, _ = counts.most_common(1)[0]
    return tag


def registration(row_tag: str, fields: Sequence[tuple[str, HiveType]], classification: str
                 ) -> dict[str, object]:
    fields = [(n, t if t != VOID else STRING) for n, t in fields]
    return {
        "columns": tuple(Column(n.lower(), format_type(t)) for n, t in fields),
        # No Hive XML SerDe ships with Spark; the hivexmlserde classes are what Hive installations
        # use, and Spark reads through its own source (table parameters) whatever is named here.
        "serde": "com.ibm.spss.hive.serde2.xml.XmlSerDe",
        "input_format": "com.ibm.spss.hive.serde2.xml.XmlInputFormat",
        "output_format": "org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat",
        "serde_parameters": {"rowTag": row_tag, "xmlinput.start": f"<{row_tag}", "xmlinput.end": f"</{row_tag}>"},
        "table_parameters": {"classification": classification, "typeOfData": "file", "rowTag": row_tag,
                             **serdes.spark_datasource_parameters("xml", fields)},
    }


def row_elements(root: etree._Element, row_tag: str, anywhere: bool, limit: int) -> list[etree._Element]:
    """The row elements: children of the root, or (for a given row tag) at any depth."""
    candidates = root.iter() if anywhere else iter(root)
    rows = []
    for el in candidates:
        if isinstance(el.tag, str) and _local(el.tag) == row_tag:
            rows.append(el)
            if len(rows) >= limit:
                break
    return rows


def classify_rows(root: etree._Element, row_tag: str, options: ClassifyOptions, classifier: str,
                  classification: str, complete: bool, anywhere: bool = False) -> Classification:
    rows = row_elements(root, row_tag, anywhere, options.max_records)
    if not rows:
        return unknown(f"{classifier}: no <{row_tag}> elements under <{_local(root.tag)}>")
    schema: HiveType = Struct(())
    for row in rows:
        t = element_type(row, 0, options.max_nesting)
        schema = widen_xml(schema, t if isinstance(t, Struct) else Struct(((VALUE_TAG, t),)))
    assert isinstance(schema, Struct)
    if not schema.fields:
        return unknown(f"{classifier}: the <{row_tag}> elements are empty")
    return Classification(
        classification=classification, certainty=1.0, **registration(row_tag, schema.fields, classification),
        record_count=len(rows) if complete and len(rows) < options.max_records else None,
        records_sampled=len(rows), classifier=classifier,
        reason=f"{len(rows)} <{row_tag}> rows under <{_local(root.tag)}>",
    )


class XmlClassifier:
    name = "xml"

    def classify(self, sample: Sample, options: ClassifyOptions) -> Classification:
        text = decode(sample)
        root, whole = parse_text(text, options.max_records)
        if text is None or root is None:
            return unknown("xml: not well-formed XML (or not text)")
        row_tag = find_row_tag(root)
        if row_tag is None:
            return unknown(f"xml: <{_local(root.tag)}> has no child elements to use as rows")
        result = classify_rows(root, row_tag, options, self.name, "xml", whole)
        if result.known and text.bom:
            result = replace(result, reason=result.reason + "; byte-order mark stripped")
        return result
