"""Where files come from: one interface for local folders and S3 prefixes.

A source streams its files (never holding the whole listing) and builds a bounded ``Sample`` of
one file for the classifiers: the head, plus ranged reads for footer formats.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from classifiers.api import Sample
from crawlers.paths import Excludes, is_side_entry
from metastore.warehouse import to_uri

DEFAULT_SAMPLE_BYTES = 1 << 20  # Glue reads the first megabyte


class SourceError(Exception):
    """A source that cannot be listed or read; the message says which and what to do."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One listed data file: ``folder`` relative to the source root (``/``-separated, "" for the root)."""

    folder: str
    name: str
    size: int
    version: str  # local: mtime in ns; S3: the ETag

    @property
    def key(self) -> str:
        return f"{self.folder}/{self.name}" if self.folder else self.name

    @classmethod
    def of(cls, key: str, size: int, version: str) -> FileEntry:
        folder, _, name = key.rpartition("/")
        return cls(folder, name, size, version)


@dataclass
class ListingStats:
    """What the listing skipped, for the run record."""

    side_files: int = 0
    excluded: int = 0
    errors: list[str] | None = None

    def error(self, message: str) -> None:
        self.errors = (self.errors or []) + [message]


class Source(ABC):
    """A tree of files under one root URI."""

    uri: str  # the root, without a trailing slash
    excludes: Excludes
    stats: ListingStats

    @abstractmethod
    def list(self) -> Iterator[FileEntry]:
        """Data files under the root (side files and excluded paths left out), folder by folder."""

    @abstractmethod
    def sample(self, entry: FileEntry, max_bytes: int = DEFAULT_SAMPLE_BYTES) -> Sample:
        """A bounded view of one file for the classifiers."""

    def location(self, folder: str) -> str:
        """The URI of a folder given relative to the root."""
        return f"{self.uri}/{folder}" if folder else self.uri

    def root_name(self) -> str:
        """The last segment of the root, the default name of a table rooted there."""
        return self.uri.rstrip("/").rpartition("/")[2]


class LocalSource(Source):
    """A local folder (``/data/lake`` or ``file:///data/lake``)."""

    def __init__(self, root: str, excludes: Excludes | None = None) -> None:
        path = Path(unquote(urlparse(root).path)) if root.startswith("file:") else Path(root)
        self.root = path.expanduser().resolve()
        if not self.root.exists():
            raise SourceError(f"source {root} does not exist; check the path")
        if not self.root.is_dir():
            raise SourceError(f"source {root} is a file; give the folder that holds it")
        self.uri = to_uri(self.root)  # file:/abs/path, Hive's spelling
        self.excludes = excludes or Excludes()
        self.stats = ListingStats()

    def list(self) -> Iterator[FileEntry]:
        stack = [""]
        while stack:
            rel = stack.pop()
            try:
                with os.scandir(self.root / rel if rel else self.root) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as e:
                self.stats.error(f"cannot list {self.location(rel)}: {e.strerror or e}")
                continue
            subfolders = []
            excludes = self.excludes if self.excludes.patterns else None
            for entry in entries:
                name = entry.name
                if is_side_entry(name):
                    self.stats.side_files += 1
                    continue
                key = f"{rel}/{name}" if rel else name
                try:
                    if entry.is_dir():
                        subfolders.append(key)
                        continue
                    st = entry.stat()
                except OSError as e:  # vanished or unreadable between listing and stat
                    self.stats.error(f"cannot stat {self.location(key)}: {e.strerror or e}")
                    continue
                if excludes is not None and excludes.matches(key):
                    self.stats.excluded += 1
                    continue
                yield FileEntry(rel, name, st.st_size, str(st.st_mtime_ns))
            stack.extend(reversed(subfolders))

    def sample(self, entry: FileEntry, max_bytes: int = DEFAULT_SAMPLE_BYTES) -> Sample:
        from classifiers import ClassifyOptions, sample_local_file

        return sample_local_file(self.root / entry.key, ClassifyOptions(sample_bytes=max_bytes))


def open_source(uri: str, excludes: Excludes | None = None, *, s3_endpoint: str | None = None) -> Source:
    """The source for a URI: a local path or ``file://``; ``s3://bucket/prefix``."""
    scheme = urlparse(uri).scheme
    if scheme in ("", "file"):
        return LocalSource(uri, excludes)
    if scheme in ("s3", "s3a"):
        from crawlers.s3 import S3Source

        return S3Source(uri, excludes, endpoint=s3_endpoint)
    raise SourceError(f"source {uri}: unsupported scheme {scheme!r}; use a local path, file://, or s3://")
