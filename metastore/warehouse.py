"""Filesystem side effects of catalog calls on local warehouses, as the Java metastore performs them.

Only local locations (``file:`` URIs and absolute paths) are touched; object-store locations
(``s3a://`` ...) are left to the engines, which create and delete objects themselves.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from metastore.exceptions import MetaError

log = logging.getLogger(__name__)


def local_path(location: str | None) -> Path | None:
    """The local path a location denotes, or None if it is not on the local filesystem.

    Parsed the way Hadoop's ``Path(String)`` does, not as a URI: no percent-decoding (Hive escapes
    partition values, ``ds=a%2Fb``, and that name is used literally on disk) and no query or
    fragment (``#`` and ``?`` are ordinary characters in a directory name).
    """
    path = _local(location)
    return Path(path) if path is not None else None


def _local(location: str | None) -> str | None:
    """``local_path`` as a string (no ``Path`` object: on the path of every partition added)."""
    if not location:
        return None
    if location.startswith("/"):
        return location
    if not location.startswith("file:"):
        return None
    rest = location[len("file:"):]
    if rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        if authority not in ("", "localhost"):
            return None
        rest = slash + path
    return rest if rest.startswith("/") else None


def to_uri(path: Path | str) -> str:
    """Hive's spelling of a local location: ``file:/abs/path`` (what Spark and Hive print)."""
    return "file:" + str(Path(path).resolve())


def join_location(parent: str, child: str) -> str:
    return parent.rstrip("/") + "/" + child


class Warehouse:
    """The warehouse root and the directory operations done on behalf of managed objects."""

    def __init__(self, root: str | Path) -> None:
        path = local_path(str(root)) or Path(root)
        self.root = path.resolve()

    @property
    def root_uri(self) -> str:
        return to_uri(self.root)

    def database_location(self, name: str) -> str:
        """Hive's default: the warehouse root for ``default``, ``<root>/<db>.db`` otherwise."""
        return self.root_uri if name == "default" else join_location(self.root_uri, f"{name}.db")

    def make_dirs(self, location: str | None) -> None:
        """The directory and its missing parents; an existing directory is fine."""
        path = _local(location)
        if path is None:
            return
        try:
            try:
                os.mkdir(path)  # usually one syscall: partitions of a call share their parents
            except FileNotFoundError:
                os.makedirs(path, exist_ok=True)
            except FileExistsError:
                if not os.path.isdir(path):
                    raise
        except OSError as e:
            raise MetaError(f"{location} is not a directory or unable to create one: {e}") from e

    def delete(self, location: str | None) -> None:
        """Remove a directory tree after a drop; failures are logged, the drop stands (as in Hive)."""
        path = local_path(location)
        if path is None or not path.exists():
            return
        if path == self.root:
            log.warning("refusing to delete the warehouse root %s", path)
            return
        try:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        except OSError as e:
            log.warning("could not delete %s: %s", location, e)

    def move(self, source: str | None, target: str | None) -> None:
        """Move a managed table's directory on rename; a missing source is fine (nothing written yet)."""
        src, dst = local_path(source), local_path(target)
        if src is None or dst is None or not src.exists():
            return
        if dst.exists():
            raise MetaError(f"cannot move {source} to {target}: the target already exists")
        try:
            dst.parent.mkdir(parents=True, exist_ok=True)
            src.rename(dst)
        except OSError as e:
            raise MetaError(f"cannot move {source} to {target}: {e}") from e
