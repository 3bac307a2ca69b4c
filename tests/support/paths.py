"""Test-side reading of metastore locations (an oracle independent of metastore.warehouse)."""

from __future__ import annotations

from pathlib import Path


def local_path(location: str) -> Path:
    """``file:/x``, ``file:///x`` or ``/x`` -> ``Path('/x')``.

    Metastore locations are Hadoop ``Path`` strings, not URIs: they are not percent-encoded and may
    contain ``#``, ``?`` or spaces literally, so they must not go through ``urllib.parse``.
    """
    for prefix in ("file://localhost/", "file:///", "file:/"):
        if location.startswith(prefix):
            return Path("/" + location[len(prefix):].lstrip("/"))
    assert location.startswith("/"), location
    return Path(location)
