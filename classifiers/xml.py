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
from classifiers.text import decode

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
        grouped[name] = widen_tree(grouped.get(name, VOID), t)
    for name, t in grouped.items():
        fields.append((name, Array(t) if counts[name] > 1 else t))
    text = (el.text or "").strip()
    if text:
        fields.append((VALUE_TAG, _text_type(text)))
    return Struct(tuple(fields))


def _parse(data: bytes, complete: bool) -> etree._Element | None:
    """Parse what the sample holds; a cut-off document keeps the elements closed so far."""
    parser = etree.XMLPullParser(events=("end",), resolve_entities=False, no_network=True,
                                 huge_tree=False, recover=not complete)
    try:
        parser.feed(data)
        if complete:
            return parser.close()
    except etree.XMLSyntaxError:
        if complete:
            return None
    root = None
    for _, el in parser.read_events():
        root = el
    while root is not None and root.getparent() is not None:
        root = root.getparent()
    return root


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


def classify_rows(root: etree._Element, row_tag: str, options: ClassifyOptions, classifier: str,
                  classification: str, complete: bool) -> Classification:
    rows = [c for c in root if isinstance(c.tag, str) and _local(c.tag) == row_tag][: options.max_records]
    if not rows:
        return unknown(f"{classifier}: no <{row_tag}> elements under <{_local(root.tag)}>")
    schema: HiveType = Struct(())
    for row in rows:
        t = element_type(row, 0, options.max_nesting)
        schema = widen_tree(schema, t if isinstance(t, Struct) else Struct(((VALUE_TAG, t),)))
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
        if text is None or not text.text.lstrip().startswith("<"):
            return unknown("xml: the sample does not start with '<'")
        data = text.text.encode("utf-8")
        if data.lstrip().startswith(b"<?xml"):
            data = data[data.index(b"?>") + 2:] if b"?>" in data else data  # encoding already decoded
        root = _parse(data, text.complete)
        if root is None:
            return unknown("xml: not well-formed XML")
        row_tag = find_row_tag(root)
        if row_tag is None:
            return unknown(f"xml: <{_local(root.tag)}> has no child elements to use as rows")
        result = classify_rows(root, row_tag, options, self.name, "xml", text.complete)
        if result.known and text.bom:
            result = replace(result, reason=result.reason + "; byte-order mark stripped")
        return result
