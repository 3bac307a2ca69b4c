"""Samples of local files: a bounded head read, and ranged reads for footer formats."""

from __future__ import annotations

import os
from pathlib import Path

from classifiers.api import ClassifyOptions, Sample

FOOTER_PROBE = 4096  # Parquet/ORC need only their magic from the head; the footer comes by ranged reads


class LocalRangeReader:
    """``read_range`` for a local file; counts the bytes it returned (for benchmarks)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.bytes_read = 0
        self.calls = 0

    def __call__(self, offset: int, length: int) -> bytes:
        with open(self.path, "rb") as f:
            f.seek(offset)
            data = f.read(length)
        self.bytes_read += len(data)
        self.calls += 1
        return data


def sample_local_file(path: str | os.PathLike[str], options: ClassifyOptions | None = None) -> Sample:
    """Read at most ``options.sample_bytes`` of the file's head (4 KiB for Parquet and ORC)."""
    options = options or ClassifyOptions()
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        magic = f.read(4)
        limit = FOOTER_PROBE if magic == b"PAR1" or magic[:3] == b"ORC" else options.sample_bytes
        head = magic + f.read(max(0, min(size, limit) - len(magic)))
    return Sample(name=str(path), head=head, size=size, read_range=LocalRangeReader(path))
