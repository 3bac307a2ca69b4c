"""The contract between classifiers and their callers (the crawler, tests, custom rules).

A classifier is a pure function of a bounded ``Sample`` of one file: it never opens files,
sockets or the catalog.  It answers a ``Classification`` saying how sure it is, which
Hive schema the file has and how to register it so that engines can read it.

Fields may be added (with defaults); existing ones keep their meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

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

    @property
    def complete(self) -> bool:
        """True when ``head`` is the whole file, so its last record is not cut off."""
        return self.size is not None and len(self.head) >= self.size


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

    def serde_parameters_at(self, location: str) -> dict[str, str]:
        """SerDe parameters for a table at ``location``.

        Tables registered for Spark's data-source readers (JSON, XML: table parameter
        ``spark.sql.sources.provider``) find their files through the SerDe parameter ``path``,
        not the storage descriptor's location, so it is added here.
        """
        params = dict(self.serde_parameters)
        if "spark.sql.sources.provider" in self.table_parameters:
            params["path"] = location
        return params


@dataclass(frozen=True)
class ClassifyOptions:
    """Bounds on what a classifier may read (Glue's defaults: 1 MB or 1,000 records)."""

    sample_bytes: int = 1024 * 1024  # at most this many (decompressed) bytes of a file's head
    max_records: int = 1000  # at most this many records are parsed for the schema
    max_footer_bytes: int = 16 * 1024 * 1024  # Parquet/ORC metadata larger than this is refused
    max_nesting: int = 64  # deeper values become string (the metastore accepts 100 levels)

    def __post_init__(self) -> None:
        if self.sample_bytes < 64:
            raise ValueError(f"sample_bytes must be at least 64, got {self.sample_bytes}")
        if self.max_records < 1:
            raise ValueError(f"max_records must be at least 1, got {self.max_records}")


class Classifier(Protocol):
    """Anything with a name that turns a bounded sample into a Classification."""

    name: str

    def classify(self, sample: Sample, options: ClassifyOptions) -> Classification: ...


def unknown(reason: str) -> Classification:
    """The answer when nothing fits; the reason says what was tried."""
    return Classification(classification=UNKNOWN, certainty=0.0, reason=reason)
