"""The contract between classifiers and their callers (the crawler, tests, custom rules).

A classifier is a pure function of a bounded ``Sample`` of one file: it never opens files,
sockets or the catalog.  It answers a ``Classification`` saying how sure it is, which
Hive schema the file has and how to register it so that engines can read it.

Fields may be added (with defaults); existing ones keep their meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class Column:
    """One column, with a Hive type string (``bigint``, ``struct<a:int>``, ``decimal(10,2)``…)."""

    name: str
    type: str
    comment: str | None = None


@dataclass(frozen=True)
class Sample:
    """A bounded view of one file.

    ``head`` holds the first bytes (at most the configured sample size).  Footer formats
    (Parquet, ORC) ask ``read_range(offset, length)`` for the few bytes they need; it is
    ``None`` when the caller can only give the head.  ``size`` is the whole file's size
    when known.  ``name`` is the path or key, used only as a hint (never decides alone).
    """

    name: str
    head: bytes
    size: int | None = None
    read_range: Callable[[int, int], bytes] | None = None


@dataclass(frozen=True)
class Classification:
    """What a classifier concluded about one file."""

    classification: str  # "csv", "json", "xml", "avro", "parquet", "orc", a custom name, or UNKNOWN
    certainty: float  # 0.0 .. 1.0
    columns: tuple[Column, ...] = ()
    serde: str | None = None  # SerDe class to register
    input_format: str | None = None
    output_format: str | None = None
    serde_parameters: dict[str, str] = field(default_factory=dict)
    table_parameters: dict[str, str] = field(default_factory=dict)  # classification, compressionType, …
    compression: str = "none"  # whole-file compression found by magic bytes: gzip, bzip2, zstd, …
    record_count: int | None = None  # exact (footer formats) or counted in the sample
    records_sampled: int | None = None
    average_record_size: int | None = None
    classifier: str = ""  # name of the classifier that produced this
    reason: str = ""  # why it matched, or why nothing did

    @property
    def known(self) -> bool:
        return self.classification != UNKNOWN and self.certainty > 0.0


def unknown(reason: str) -> Classification:
    """The answer when nothing fits; the reason says what was tried."""
    return Classification(classification=UNKNOWN, certainty=0.0, reason=reason)
