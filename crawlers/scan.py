"""List and classify: stream a source's files into per-folder summaries, reading only what changed.

Files whose size and version (mtime or ETag) match the previous crawl reuse the shape recorded
then and are not read; the others are sampled and classified on a thread pool (the reads are
I/O: local files, S3 ranged GETs), with a bounded number in flight so memory stays flat.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from classifiers.api import Classification, Sample
from crawlers.folders import FolderData, Shape, records_of
from crawlers.sources import DEFAULT_SAMPLE_BYTES, FileEntry, Source

Classify = Callable[[Sample], Classification]
PreviousState = Callable[[str], "dict[str, Any] | None"]  # folder -> its state from the last crawl


@dataclass
class ScanResult:
    folders: dict[str, FolderData] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0
    skipped: list[str] = field(default_factory=list)  # files that could not be read, with the reason

    @property
    def files_read(self) -> int:
        return sum(f.read for f in self.folders.values())

    @property
    def bytes_read(self) -> int:
        return sum(f.read_bytes for f in self.folders.values())


@dataclass
class ScanOptions:
    threads: int = 8
    sample_bytes: int = DEFAULT_SAMPLE_BYTES
    new_folders_only: bool = False  # CRAWL_NEW_FOLDERS_ONLY: folders seen before keep their old state
    everything: bool = False  # CRAWL_EVERYTHING: read every file, ignore what was remembered


def _classify_one(source: Source, classify: Classify, entry: FileEntry, sample_bytes: int) -> tuple[Shape, int]:
    sample = source.sample(entry, sample_bytes)
    c = classify(sample)
    return Shape.of(c), records_of(c, entry.size, sample_bytes)


def scan(source: Source, classify: Classify, previous: PreviousState | None = None,
         options: ScanOptions | None = None, progress: Callable[[int], None] | None = None) -> ScanResult:
    """Every data folder under the source with the shapes of its files."""
    options = options or ScanOptions()
    result = ScanResult()
    pending: deque[tuple[FileEntry, Future]] = deque()
    max_in_flight = options.threads * 8
    current_folder: str | None = None
    old_shapes: list[Shape] = []
    old_files: dict[str, list] = {}
    had_state = False

    def folder(path: str) -> FolderData:
        data = result.folders.get(path)
        if data is None:
            data = result.folders[path] = FolderData(path)
        return data

    def finish(entry: FileEntry, future: Future) -> None:
        try:
            shape, records = future.result()
        except OSError as e:
            result.skipped.append(f"{source.location(entry.key)}: {e.strerror or e}")
            return
        except Exception as e:  # a classifier bug must not lose the crawl; it is reported per file
            result.skipped.append(f"{source.location(entry.key)}: classifier failed: {e!r}")
            return
        folder(entry.folder).add(entry.name, entry.size, entry.version, shape, records, read=True)
        if not shape.known:
            folder(entry.folder).reasons.setdefault(entry.key, "no classifier matched")

    with ThreadPoolExecutor(max_workers=options.threads, thread_name_prefix="crawl-read") as pool:
        for entry in source.list():
            result.files += 1
            result.bytes += entry.size
            if progress is not None and result.files % 500 == 0:
                progress(result.files)
            if entry.folder != current_folder:
                current_folder = entry.folder
                state = previous(current_folder) if previous is not None and not options.everything else None
                had_state = state is not None
                old_shapes, old_files = FolderData.previous_files(state)
            old = old_files.get(entry.name)
            if old is not None and (options.new_folders_only or (old[0] == entry.size and old[1] == entry.version)):
                folder(entry.folder).add(entry.name, entry.size, entry.version, old_shapes[old[2]], old[3], read=False)
                continue
            if options.new_folders_only and had_state:
                continue  # a new file in a folder crawled before: CRAWL_NEW_FOLDERS_ONLY ignores it
            pending.append((entry, pool.submit(_classify_one, source, classify, entry, options.sample_bytes)))
            while len(pending) >= max_in_flight or (pending and pending[0][1].done()):
                finish(*pending.popleft())
        while pending:
            finish(*pending.popleft())
    if progress is not None:
        progress(result.files)
    return result
