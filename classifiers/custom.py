"""Classifiers users define (Glue's custom classifiers): grok, CSV, JSON path and XML row tag.

They run before the built-in ones and answer under their own classification name.  Bad
definitions fail when the classifier is built (``ValueError`` saying what to fix), not per file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from classifiers import serdes
from classifiers.api import Classification, ClassifyOptions, Column, Sample, unknown
from classifiers.csv import CsvSettings, classify_text
from classifiers.grok import Grok, expand, parse_custom_patterns
from classifiers.json import read_records, registration, schema_of
from classifiers.text import decode
from classifiers.xml import classify_rows, parse_text

REGEX_SERDE = "org.apache.hadoop.hive.serde2.RegexSerDe"
_NAME = re.compile(r"^[a-z0-9_][a-z0-9_-]*$")


def _check_name(classification: str) -> str:
    if not _NAME.match(classification or ""):
        raise ValueError(f"classification {classification!r} must be lower-case letters, digits, '_' or '-'")
    return classification


class GrokClassifier:
    """Lines matching a grok pattern; certainty is the share of sampled lines that match."""

    def __init__(self, classification: str, grok_pattern: str, custom_patterns: str = "") -> None:
        self.name = _check_name(classification)
        self.custom_patterns = custom_patterns
        self.grok: Grok = expand(grok_pattern, parse_custom_patterns(custom_patterns))
        if not self.grok.fields:
            raise ValueError("the grok pattern names no fields; write %{PATTERN:field} for each column")
        self._regex = self.grok.compiled()

    def classify(self, sample: Sample, options: ClassifyOptions) -> Classification:
        text = decode(sample)
        if text is None:
            return unknown(f"{self.name}: the sample is not text")
        lines = text.text.splitlines()
        if not text.complete and lines:
            lines.pop()  # cut off by the sample's end
        lines = [line for line in lines if line.strip()][: options.max_records]
        if not lines:
            return unknown(f"{self.name}: no lines to match")
        matched = sum(1 for line in lines if self._regex.fullmatch(line))
        if not matched:
            return unknown(f"{self.name}: none of {len(lines)} lines matches the grok pattern")
        names: list[str] = []
        for f in self.grok.fields:
            names.append(f.name if f.name not in names else f"{f.name}_{len(names)}")
        return Classification(
            classification=self.name, certainty=matched / len(lines),
            columns=tuple(Column(n, f.type) for n, f in zip(names, self.grok.fields, strict=True)),
            serde=REGEX_SERDE, input_format=serdes.TEXT_INPUT, output_format=serdes.TEXT_OUTPUT,
            serde_parameters={"input.regex": self.grok.regex},
            table_parameters={"classification": self.name, "typeOfData": "file",
                              "grokPattern": self.grok.pattern,
                              **({"grokCustomPatterns": self.custom_patterns} if self.custom_patterns else {})},
            records_sampled=len(lines), classifier=self.name,
            reason=f"grok: {matched} of {len(lines)} lines match",
        )


@dataclass
class CustomCsvClassifier:
    """Delimited text with fixed settings (delimiter, quote, header mode, names, types, SerDe)."""

    classification: str
    settings: CsvSettings = field(default_factory=CsvSettings)

    def __post_init__(self) -> None:
        self.name = _check_name(self.classification)
        s = self.settings
        if s.delimiter is not None and len(s.delimiter) != 1:
            raise ValueError(f"delimiter must be one character, got {s.delimiter!r}")
        if len(s.quote) != 1 or s.quote == s.delimiter:
            raise ValueError(f"quote must be one character other than the delimiter, got {s.quote!r}")
        if s.header not in ("UNKNOWN", "PRESENT", "ABSENT"):
            raise ValueError(f"header must be UNKNOWN, PRESENT or ABSENT, got {s.header!r}")
        if s.serde not in (None, "OpenCSVSerDe", "LazySimpleSerDe"):
            raise ValueError(f"serde must be OpenCSVSerDe, LazySimpleSerDe or None, got {s.serde!r}")

    def classify(self, sample: Sample, options: ClassifyOptions) -> Classification:
        text = decode(sample)
        if text is None or not text.text.strip():
            return unknown(f"{self.name}: the sample is empty or not text")
        return classify_text(text, options, self.settings, classifier=self.name, classification=self.name)


_STEP = re.compile(r"\.([A-Za-z_$][\w$-]*)|\[\*\]|\['((?:[^'\\]|\\.)*)'\]|\[\"((?:[^\"\\]|\\.)*)\"\]")


def parse_json_path(path: str) -> tuple[str | None, ...]:
    """``$[*]``, ``$.records[*]``, ``$.a.b``, ``$['a b'][*]`` -> steps (a key, or None for ``[*]``)."""
    if not path.startswith("$"):
        raise ValueError(f"JSON path {path!r} must start with '$' (e.g. $[*] or $.records[*])")
    steps: list[str | None] = []
    pos = 1
    while pos < len(path):
        m = _STEP.match(path, pos)
        if not m:
            raise ValueError(f"JSON path {path!r}: cannot read {path[pos:]!r}; use .key, ['key'] or [*]")
        steps.append(m.group(1) or m.group(2) or m.group(3) if m.group(0) != "[*]" else None)
        pos = m.end()
    return tuple(steps)


def _select(value: object, steps: tuple[str | None, ...]) -> list[object]:
    if not steps:
        return [value]
    step, rest = steps[0], steps[1:]
    if step is None:
        return [v for item in value for v in _select(item, rest)] if isinstance(value, list) else []
    return _select(value[step], rest) if isinstance(value, dict) and step in value else []


class JsonPathClassifier:
    """JSON whose rows are the values a JSON path selects in each document; scalars give ``record``."""

    def __init__(self, classification: str, json_path: str) -> None:
        self.name = _check_name(classification)
        self.json_path = json_path
        self.steps = parse_json_path(json_path)

    def classify(self, sample: Sample, options: ClassifyOptions) -> Classification:
        text = decode(sample)
        if text is None:
            return unknown(f"{self.name}: the sample is not text")
        try:
            records = read_records(text.text, options.max_records, text.complete)
        except (json.JSONDecodeError, RecursionError) as exc:
            return unknown(f"{self.name}: not valid JSON ({exc})")
        if records.layout == "array":  # read_records already split the top-level array
            if self.steps[:1] != (None,):
                return unknown(f"{self.name}: the document is an array; {self.json_path} selects nothing")
            documents, steps = records.values, self.steps[1:]
        else:
            documents, steps = records.values, self.steps
        rows = [v for doc in documents for v in _select(doc, steps)][: options.max_records]
        if not rows:
            return unknown(f"{self.name}: {self.json_path} selects nothing in {len(documents)} documents")
        rows = [r if isinstance(r, dict) else {"record": r} for r in rows]
        schema = schema_of(rows, options.max_nesting)
        spark_reads = self.steps in ((), (None,))
        return Classification(
            classification=self.name, certainty=1.0,
            **registration(schema, self.name, multiline=records.layout != "lines"),
            records_sampled=len(rows), classifier=self.name,
            reason=f"{self.json_path} selects {len(rows)} rows"
                   + ("" if spark_reads else "; engines read whole documents, not the path's elements"),
        )


class XmlRowTagClassifier:
    """XML whose rows are the elements with a given tag, at any depth (self-closing ones too)."""

    def __init__(self, classification: str, row_tag: str) -> None:
        self.name = _check_name(classification)
        tag = row_tag.strip().strip("<>/ ")
        if not re.fullmatch(r"[A-Za-z_][\w.:-]*", tag):
            raise ValueError(f"row tag {row_tag!r} must be an element name without angle brackets, e.g. row")
        self.row_tag = tag

    def classify(self, sample: Sample, options: ClassifyOptions) -> Classification:
        text = decode(sample)
        root, whole = parse_text(text, options.max_records)
        if text is None or root is None:
            return unknown(f"{self.name}: not well-formed XML")
        return classify_rows(root, self.row_tag, options, self.name, self.name, whole, anywhere=True)
