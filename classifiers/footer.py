"""A read-only file over ``Sample.read_range``, for readers that parse metadata at a file's end.

pyarrow's Parquet and ORC readers seek to the tail and read the footer through it; every read is
bounded (``max_bytes`` in all) so a corrupt length field cannot make a classifier read a whole file.
"""

from __future__ import annotations

import io

from classifiers.api import Sample


class ReadBudgetExceeded(OSError):
    pass


class RangeFile(io.RawIOBase):
    """Seekable reads served from the sample's head, else from ``read_range``."""

    def __init__(self, sample: Sample, max_bytes: int) -> None:
        assert sample.size is not None
        self._sample = sample
        self._size = sample.size
        self._pos = 0
        self._budget = max_bytes
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def size(self) -> int:
        return self._size

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        length = min(len(buffer), max(0, self._size - self._pos))
        if length == 0:
            return 0
        head = self._sample.head
        if self._pos + length <= len(head):
            data = head[self._pos:self._pos + length]
        elif self._sample.read_range is None:
            raise OSError("the file's tail is needed but the sample has no ranged reads")
        else:
            if self.bytes_read + length > self._budget:
                raise ReadBudgetExceeded(
                    f"metadata larger than max_footer_bytes={self._budget:,}; raise it to read this file")
            data = self._sample.read_range(self._pos, length)
            self.bytes_read += len(data)
        buffer[:len(data)] = data
        self._pos += len(data)
        return len(data)


def can_read_tail(sample: Sample) -> str:
    """Empty when the sample allows footer reads, else why not."""
    if sample.size is None:
        return "the file size is unknown"
    if sample.read_range is None and not sample.complete:
        return "only the head of the file is available (no ranged reads)"
    return ""
