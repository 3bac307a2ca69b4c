"""What a crawl knows about each data folder: the file shapes found there, counted, not listed.

Memory grows with folders and distinct shapes, not with files: files of one folder that a
classifier describes identically share one ``Shape`` and are only counted (plus a few examples
kept to explain decisions). Per-file facts kept for recrawls are (size, version, shape index).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from classifiers.api import UNKNOWN, Classification, Column

EXAMPLES = 3  # files kept per shape to explain decisions


@dataclass(frozen=True, slots=True)
class Shape:
    """A classifier's answer without the per-file counts: equal shapes merge trivially."""

    classification: str
    compression: str
    columns: tuple[Column, ...]
    serde: str | None = None
    input_format: str | None = None
    output_format: str | None = None
    serde_parameters: tuple[tuple[str, str], ...] = ()
    table_parameters: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, c: Classification) -> Shape:
        return cls(c.classification, c.compression or "none", tuple(c.columns), c.serde, c.input_format,
                   c.output_format, tuple(sorted(c.serde_parameters.items())),
                   tuple(sorted(c.table_parameters.items())))

    @property
    def known(self) -> bool:
        return self.classification != UNKNOWN

    @property
    def format_key(self) -> tuple[str, str, str]:
        """What must agree for folders to be partitions of one table: format, compression, delimiter."""
        return self.classification, self.compression, dict(self.table_parameters).get("delimiter", "")

    @property
    def column_names(self) -> frozenset[str]:
        return frozenset(c.name.lower() for c in self.columns)

    def to_json(self) -> dict[str, Any]:
        return {"classification": self.classification, "compression": self.compression,
                "columns": [[c.name, c.type, c.comment] for c in self.columns], "serde": self.serde,
                "input_format": self.input_format, "output_format": self.output_format,
                "serde_parameters": dict(self.serde_parameters), "table_parameters": dict(self.table_parameters)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Shape:
        return cls(d["classification"], d["compression"], tuple(Column(*c) for c in d["columns"]), d["serde"],
                   d["input_format"], d["output_format"], tuple(sorted(d["serde_parameters"].items())),
                   tuple(sorted(d["table_parameters"].items())))


@dataclass(slots=True)
class ShapeStats:
    index: int = 0  # position in FolderData.shape_list
    files: int = 0
    bytes: int = 0
    records: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FolderData:
    """One folder holding data files (``path`` relative to the source root, ``""`` for the root)."""

    path: str
    shapes: dict[Shape, ShapeStats] = field(default_factory=dict)
    # name -> (size, version, index into shape_list, records); what a recrawl compares against
    files: dict[str, tuple[int, str, int, int]] = field(default_factory=dict)
    shape_list: list[Shape] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # unknown file -> why no classifier matched
    read: int = 0  # files actually read (not reused from the previous crawl)
    read_bytes: int = 0
    last_shape: Shape | None = None
    last_stats: ShapeStats | None = None

    def add(self, name: str, size: int, version: str, shape: Shape, records: int, *, read: bool) -> None:
        if shape is self.last_shape:  # files of a folder mostly share one shape object: skip hashing it
            stats = self.last_stats
        else:
            stats = self.shapes.get(shape)
            if stats is None:
                stats = self.shapes[shape] = ShapeStats(index=len(self.shape_list))
                self.shape_list.append(shape)
            self.last_shape, self.last_stats = shape, stats
        stats.files += 1
        stats.bytes += size
        stats.records += records
        if len(stats.examples) < EXAMPLES:
            stats.examples.append(f"{self.path}/{name}" if self.path else name)
        self.files[name] = (size, version, stats.index, records)
        if read:
            self.read += 1
            self.read_bytes += size

    @property
    def file_count(self) -> int:
        return sum(s.files for s in self.shapes.values())

    @property
    def total_bytes(self) -> int:
        return sum(s.bytes for s in self.shapes.values())

    def known_shapes(self) -> dict[Shape, ShapeStats]:
        return {s: st for s, st in self.shapes.items() if s.known}

    def dominant(self) -> Shape | None:
        """The known shape holding most files (ties: first seen), which decides the folder's format."""
        if len(self.shapes) == 1:  # the usual case, asked for once per grouping level
            only = self.shape_list[0]
            return only if only.known else None
        known = self.known_shapes()
        return max(known, key=lambda s: known[s].files) if known else None

    def unchanged_since(self, previous_files: int | None) -> bool:
        """Nothing read and exactly the remembered files found: the stored state still holds."""
        return self.read == 0 and previous_files == len(self.files)

    def state_json(self) -> dict[str, Any]:
        return {"shapes": [s.to_json() for s in self.shape_list], "files": self.files}

    @staticmethod
    def previous_files(state: dict[str, Any] | None) -> tuple[list[Shape], dict[str, list]]:
        if not state:
            return [], {}
        return [Shape.from_json(s) for s in state["shapes"]], state["files"]


def records_of(c: Classification, size: int, sampled_bytes: int) -> int:
    """Exact count from footers or a whole-file sample, else size / sampled average record size (as Glue)."""
    exact = c.records_sampled is None or size <= sampled_bytes
    if c.record_count is not None and exact:
        return c.record_count
    if c.average_record_size:
        return size // max(c.average_record_size, 1)
    return c.record_count or 0
