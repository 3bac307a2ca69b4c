"""Location roots: clients may only point databases, tables and partitions at configured roots.

A location is normalised (``..`` resolved, scheme and authority kept) before the prefix check, so
``file:/data/../etc`` cannot escape. Managed tables must stay inside the warehouse. With no roots
configured (the default), locations are not restricted.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from metastore.exceptions import MetaError

_MANAGED = "MANAGED_TABLE"


def normalize_location(location: str) -> str:
    """``scheme://authority/normalised/path`` (a bare path counts as ``file``)."""
    parts = urlsplit(location)
    scheme = (parts.scheme or "file").lower()
    path = posixpath.normpath("/" + parts.path.lstrip("/")) if parts.path else "/"
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    return f"{scheme}://{parts.netloc}{path}"


def _within(location: str, root: str) -> bool:
    root = root.rstrip("/")
    return location == root or location.startswith(root + "/")


class LocationPolicy:
    def __init__(self, roots: Sequence[str], warehouse: str) -> None:
        self.warehouse = normalize_location(warehouse)
        self.roots = tuple(normalize_location(r) for r in roots)
        if self.roots and self.warehouse not in self.roots:
            self.roots += (self.warehouse,)

    @property
    def active(self) -> bool:
        return bool(self.roots)

    def check(self, location: str, *, managed: bool = False) -> None:
        normal = normalize_location(location)
        if managed and not _within(normal, self.warehouse):
            raise MetaError(
                f"location {location} is outside the warehouse {self.warehouse}: managed tables must live in "
                "the warehouse; create an EXTERNAL table to use another location")
        if not any(_within(normal, root) for root in self.roots):
            raise MetaError(
                f"location {location} is outside the allowed location roots ({', '.join(self.roots)}); "
                "use a location under one of them or ask an administrator to add it to location_roots (--location-roots)")

    def check_args(self, args: Any) -> None:
        """Check every location a call's arguments carry (databases, tables, partitions)."""
        if not self.active:
            return
        for location, managed in _locations(args, 3):
            self.check(location, managed=managed)


def _locations(value: Any, depth: int) -> Iterator[tuple[str, bool]]:
    spec = getattr(value, "thrift_spec", None)
    if spec is None:
        return
    for attr in ("locationUri", "managedLocationUri"):
        loc = getattr(value, attr, None)
        if isinstance(loc, str) and loc:
            yield loc, False
    sd = getattr(value, "sd", None)
    loc = getattr(sd, "location", None)
    if isinstance(loc, str) and loc:
        yield loc, getattr(value, "tableType", None) == _MANAGED
    if depth == 0:
        return
    for field_spec in spec.values():
        if field_spec[1] == "sd":
            continue
        child = getattr(value, field_spec[1], None)
        children = child if isinstance(child, list) else [child]
        for item in children:
            if hasattr(item, "thrift_spec"):
                yield from _locations(item, depth - 1)
