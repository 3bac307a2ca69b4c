"""Delimited text: delimiter, header, quoting, column types and the SerDe engines read it with.

Glue's rules, and where users complain, better ones:

* delimiters ``,`` ``|`` tab ``;`` ``\\x01``; at least two columns and two rows (one-column files
  need a custom CSV classifier with ``allow_single_column``);
* header: every cell a string, under 150 characters, and some column of the data typed; *plus*
  an all-string file keeps a header that is clearly one (unique names, none repeated in the
  data, and shaped unlike the values below them), where Glue would turn it into a data row;
* BOMs are stripped (Glue folds them into the first column name);
* unquoted files get LazySimpleSerDe with typed columns and empty fields as NULL; files with
  quoted fields get OpenCSVSerde, which reads every column as string, so the columns are
  registered as string and the inferred type is kept in the column comment.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from classifiers import serdes
from classifiers.api import Classification, ClassifyOptions, Column, Sample, unknown
from classifiers.hive_schema import STRING, VOID, format_type, parse_type, widen_tree
from classifiers.text import Text, decode

DELIMITERS = (",", "|", "\t", ";", "\x01")
MAX_HEADER_CELL = 150
NULL_TOKENS = {"NA", "N/A", "NULL", "null", "\\N", "None"}
_INT = re.compile(r"[+-]?(0|[1-9]\d*)")
_DECIMAL = re.compile(r"[+-]?(\d+)\.(\d+)")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+|[+-]?(inf|infinity|nan)", re.IGNORECASE)
_DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
# (pattern, Joda format for LazySimpleSerDe's ``timestamp.formats``, which Hive's default needs not)
DEFAULT_TIMESTAMP = "yyyy-MM-dd HH:mm:ss"
_TIMESTAMPS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?"), DEFAULT_TIMESTAMP),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"), "yyyy-MM-dd'T'HH:mm:ss"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{1,3}"), "yyyy-MM-dd'T'HH:mm:ss.SSS"),
    (re.compile(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}"), "yyyy/MM/dd HH:mm:ss"),
)
_INT32 = 2**31
_INT64 = 2**63


@dataclass(frozen=True)
class CsvSettings:
    """How to read delimited text; the built-in classifier detects these, a custom one fixes them."""

    delimiter: str | None = None  # None: try DELIMITERS
    quote: str = '"'
    header: str = "UNKNOWN"  # UNKNOWN (detect), PRESENT or ABSENT
    names: tuple[str, ...] = ()  # column names to use instead of the header's
    types: tuple[str, ...] = ()  # Hive types to use instead of inferring
    allow_single_column: bool = False
    serde: str | None = None  # "OpenCSVSerDe", "LazySimpleSerDe", or None to decide
    trim: bool = True


@dataclass
class _Parsed:
    delimiter: str
    rows: list[list[str]]
    width: int
    consistency: float
    quoted: bool
    multiline: bool = False


# ---- values ----------------------------------------------------------------------------------

def value_type(value: str, formats: set[str] | None = None) -> str:
    """The Hive type of one text value (``void`` for an empty one); timestamp formats seen go to ``formats``."""
    kind, fmt = _value_kind(value.strip())
    if fmt and formats is not None:
        formats.add(fmt)
    return kind


@lru_cache(maxsize=16384)
def _value_kind(v: str) -> tuple[str, str | None]:
    if not v:
        return VOID, None
    if v.lower() in ("true", "false"):
        return "boolean", None
    if _INT.fullmatch(v):
        n = abs(int(v))
        if n < _INT32:
            return "int", None
        if n < _INT64:
            return "bigint", None
        digits = len(v.lstrip("+-"))
        return (f"decimal({digits},0)" if digits <= 38 else STRING), None
    m = _DECIMAL.fullmatch(v)
    if m:
        digits, scale = len(m.group(1).lstrip("0") or "0"), len(m.group(2))
        return (f"decimal({digits + scale},{scale})" if digits + scale <= 38 else "double"), None
    if _FLOAT.fullmatch(v):
        return "double", None
    if _DATE.fullmatch(v):
        return "date", None
    for pattern, fmt in _TIMESTAMPS:
        if pattern.fullmatch(v):
            return "timestamp", fmt
    return STRING, None


def column_type(values: Sequence[str], formats: set[str] | None = None) -> str:
    """Widen the types of a column's values; decimals of mixed scale are double."""
    t: str = VOID
    scales: set[int] = set()
    for v in values:
        vt = value_type(v, formats)
        if vt.startswith("decimal"):
            scales.add(int(vt.rsplit(",", 1)[1].rstrip(")")))
        elif vt in ("int", "bigint"):
            scales.add(0)
        t = widen_tree(t, vt)  # type: ignore[assignment]
    if isinstance(t, str) and t.startswith("decimal"):
        precision, scale = (int(x) for x in t[len("decimal("):-1].split(","))
        if precision > 15 or (len(scales) == 1 and scale >= 2):
            # money-like (every value with the same 2+ decimals) or beyond a double's precision
            return f"decimal({min(38, max(precision, 10))},{scale})"
        return "double"  # 1.5 and 2.25, or 0.5 and 1.5: a measurement
    return t if isinstance(t, str) else STRING


# ---- parsing ---------------------------------------------------------------------------------

def _parse(text: Text, delimiter: str, quote: str, max_records: int) -> _Parsed | None:
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text.text, newline=""), delimiter=delimiter, quotechar=quote,
                        skipinitialspace=False)
    try:
        for row in reader:
            if not row or row == [""]:
                continue
            rows.append(row)
            if len(rows) > max_records + 1:
                break
    except csv.Error:
        return None
    if not text.complete and rows and len(rows) <= max_records + 1:
        rows.pop()  # the sample ends inside this record
    if not rows:
        return None
    counts = Counter(len(r) for r in rows)
    width, hits = counts.most_common(1)[0]
    t = text.text
    quoted = t.startswith(quote) or (delimiter + quote) in t or ("\n" + quote) in t
    return _Parsed(delimiter, rows, width, hits / len(rows), quoted,
                   multiline=any("\n" in cell for row in rows for cell in row))


def _best(text: Text, settings: CsvSettings, max_records: int) -> _Parsed | None:
    best: _Parsed | None = None
    for delimiter in ((settings.delimiter,) if settings.delimiter else DELIMITERS):
        parsed = _parse(text, delimiter, settings.quote, max_records)
        if parsed is None:
            continue
        if parsed.consistency == 1.0 and parsed.width >= 2:
            return parsed  # first delimiter that splits every row the same way, as Glue
        if best is None or (parsed.width >= 2, parsed.consistency) > (best.width >= 2, best.consistency):
            best = parsed
    return best


# ---- header ----------------------------------------------------------------------------------

def _shape(v: str) -> tuple[bool, ...]:
    return (any(c.isdigit() for c in v), " " in v, any(c.isupper() for c in v),
            any(c.islower() for c in v), any(not c.isalnum() and c not in " _" for c in v))


def _header_candidate(first: Sequence[str]) -> bool:
    """Glue's rules 1-3: every cell a string, short, a usable name (the last may be empty)."""
    for i, cell in enumerate(first):
        c = cell.strip()
        last = i == len(first) - 1
        if not c and not last:
            return False
        if c and (value_type(c) != STRING or len(c) >= MAX_HEADER_CELL or not c.isprintable()):
            return False
    return True


def _clearly_header(first: Sequence[str], data: Sequence[Sequence[str]]) -> bool:
    """An all-string file's first row is a header when its cells are unique names, none of them
    repeated below, and most are shaped unlike their column's values (case, digits, length)."""
    names = [c.strip().lower() for c in first if c.strip()]
    if len(set(names)) != len(names):
        return False
    different = 0
    for i, cell in enumerate(first):
        values = [r[i].strip() for r in data if i < len(r) and r[i].strip()]
        if not values:
            continue
        if cell.strip() in values:
            return False
        lengths = [len(v) for v in values]
        shapes = {_shape(v) for v in values}
        c = cell.strip()
        if _shape(c) not in shapes or not min(lengths) <= len(c) <= max(lengths):
            different += 1
    return different * 2 >= len(first)


def has_header(first: Sequence[str], data: Sequence[Sequence[str]], types: Sequence[str]) -> bool:
    if not data or not _header_candidate(first):
        return False
    if any(t not in (STRING, VOID) for t in types):
        return True  # Glue's rule 4: the data is typed, the first row is not
    return _clearly_header(first, data)


def _names(first: Sequence[str] | None, width: int) -> list[str]:
    names: list[str] = []
    seen: Counter[str] = Counter()
    for i in range(width):
        raw = first[i].strip().lower() if first is not None and i < len(first) else ""
        name = raw or f"col{i}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def _null_token(rows: Sequence[Sequence[str]]) -> str | None:
    """The one spelling of NULL a file uses (``NA``, ``\\N``, ``NULL``...), if it uses exactly one."""
    found = {c.strip() for r in rows for c in r if c.strip() in NULL_TOKENS}
    return found.pop() if len(found) == 1 else None


def _spark_options(parsed: _Parsed, quote: str, header: bool, quoted: bool, encoding: str,
                   formats: set[str]) -> dict[str, str]:
    """Options for Spark's CSV source: Spark 4 ignores ``skip.header.line.count`` on Hive text
    tables, so CSV tables are also registered for Spark's own reader (see docs/classifiers.md)."""
    options = {"header": str(header).lower(), "sep": parsed.delimiter, "quote": quote,
               "escape": quote if quoted else "\\"}
    if parsed.multiline:
        options["multiLine"] = "true"
    if encoding != "UTF-8":
        options["encoding"] = encoding
    # Spark takes one timestampFormat for the file; without one it reads ISO forms (space or T).
    custom = [f for f in formats if "'T'" not in f and f != DEFAULT_TIMESTAMP]
    if len(formats) == 1 and custom:
        options["timestampFormat"] = custom[0]
    return options


def _registration(parsed: _Parsed, names: Sequence[str], types: Sequence[str], header: bool, open_csv: bool,
                  quote: str, encoding: str, formats: set[str], null_token: str | None, classification: str
                  ) -> tuple[tuple[Column, ...], str, dict[str, str], dict[str, str]]:
    """Columns, SerDe, SerDe parameters and table parameters for Hive readers and Spark's CSV source."""
    table_parameters = {"classification": classification, "delimiter": parsed.delimiter,
                        "areColumnsQuoted": str(open_csv).lower(), "columnsOrdered": "true", "typeOfData": "file"}
    if header:
        table_parameters["skip.header.line.count"] = "1"
    if open_csv:
        columns = tuple(Column(n, STRING, None if t in (STRING, VOID) else
                               f"inferred {format_type(t)}; OpenCSVSerde reads every column as string")
                        for n, t in zip(names, types, strict=True))
        serde, params = serdes.OPEN_CSV_SERDE, serdes.open_csv_parameters(parsed.delimiter, quote)
        if encoding != "UTF-8":
            params["serialization.encoding"] = encoding
    else:
        columns = tuple(Column(n, format_type(t)) for n, t in zip(names, types, strict=True))
        serde = serdes.LAZY_SIMPLE_SERDE
        params = serdes.lazy_simple_parameters(parsed.delimiter, null_format=null_token or "", encoding=encoding,
                                               timestamp_formats=sorted(formats - {DEFAULT_TIMESTAMP}))
    params.update(_spark_options(parsed, quote, header, open_csv, encoding, formats))
    if null_token:
        params["nullValue"] = null_token
    table_parameters.update(serdes.spark_datasource_parameters(
        "csv", [(c.name, parse_type(c.type)) for c in columns]))
    return columns, serde, params, table_parameters


# ---- the classifier --------------------------------------------------------------------------

def classify_text(text: Text, options: ClassifyOptions, settings: CsvSettings,
                  classifier: str = "csv", classification: str = "csv") -> Classification:
    """Classify decoded text as delimited records under ``settings``."""
    parsed = _best(text, settings, options.max_records)
    if parsed is None:
        return unknown(f"{classifier}: no delimiter splits the text into records")
    if parsed.width < 2 and not settings.allow_single_column:
        return unknown(f"{classifier}: every delimiter gives a single column (a custom CSV "
                       "classifier with allow_single_column=True accepts one-column files)")
    if parsed.consistency < 0.9:
        return unknown(f"{classifier}: records have different field counts "
                       f"(only {parsed.consistency:.0%} have {parsed.width})")
    if settings.names and len(settings.names) != parsed.width:
        return unknown(f"{classifier}: {len(settings.names)} column names given, the file has {parsed.width} columns")
    rows = [r for r in parsed.rows if len(r) == parsed.width]
    if len(rows) < 2:
        return unknown(f"{classifier}: fewer than two records with {parsed.width} fields")
    if settings.trim:
        rows = [[c.strip() for c in r] for r in rows]
    formats: set[str] = set()
    notes: list[str] = []
    null_token = _null_token(rows[1:])
    if null_token:
        rows = [["" if c == null_token else c for c in r] for r in rows]
    data = rows[1:options.max_records + 1]
    types = [column_type([r[i] for r in data], formats) for i in range(parsed.width)]
    if settings.header == "PRESENT":
        header = True
    elif settings.header == "ABSENT":
        header = False
    else:
        header = has_header(rows[0], data, types)
    if not header:  # the first row is data too
        formats = set()
        data = rows[:options.max_records]
        types = [column_type([r[i] for r in data], formats) for i in range(parsed.width)]
    if settings.types:
        types = [settings.types[i] if i < len(settings.types) else t for i, t in enumerate(types)]
    names = list(settings.names) + _names(rows[0] if header else None, parsed.width)[len(settings.names):]
    open_csv = (settings.serde or "").lower() == "opencsvserde" or (settings.serde is None and parsed.quoted)
    columns, serde, params, table_parameters = _registration(
        parsed, names, types, header, open_csv, settings.quote, text.encoding, formats, null_token, classification)
    if null_token:
        notes.append(f"{null_token!r} read as NULL")
    if text.bom:
        notes.append(f"{text.encoding} byte-order mark stripped")
    if parsed.consistency < 1.0:
        notes.append(f"{1 - parsed.consistency:.0%} of records have another field count")
    if parsed.multiline:
        notes.append("quoted values span lines (Hive text readers split such records)")
    certainty = 1.0 if parsed.consistency == 1.0 else 0.5
    sampled = len(data)
    return Classification(
        classification=classification, certainty=certainty, columns=columns, serde=serde,
        input_format=serdes.TEXT_INPUT, output_format=serdes.TEXT_OUTPUT, serde_parameters=params,
        table_parameters=table_parameters,
        record_count=sampled if text.complete and len(parsed.rows) <= options.max_records else None,
        records_sampled=sampled,
        average_record_size=sum(len(parsed.delimiter.join(r)) + 1 for r in rows) // len(rows),
        classifier=classifier,
        reason=(f"{parsed.width} columns split by {parsed.delimiter!r}, "
                f"{'header' if header else 'no header'}, {'quoted' if open_csv else 'unquoted'}"
                + "".join(f"; {n}" for n in notes)),
    )


class CsvClassifier:
    """The built-in CSV classifier."""

    name = "csv"

    def classify(self, sample: Sample, options: ClassifyOptions) -> Classification:
        text = decode(sample)
        if text is None:
            return unknown("csv: the sample is not text")
        if not text.text.strip():
            return unknown("csv: the sample is empty")
        return classify_text(text, options, CsvSettings())
