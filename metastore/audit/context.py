"""Who is making the current change: a context variable read by the store when it records a change.

The wire adapter sets it per connection (the ``set_ugi`` user, else the client address); in-process
callers (the crawler, the CLI) wrap their calls in ``acting_as("crawler:nightly", run_id=...)``.
Connections are served one per thread, so a value set in a connection's thread applies to all its
calls.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_actor: ContextVar[tuple[str, str | None] | None] = ContextVar("metahive_audit_actor", default=None)


def local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return "unknown"


def current_actor() -> tuple[str, str | None]:
    """(actor, run id) of the change being made; ``local:<os user>`` when nobody said."""
    return _actor.get() or (f"local:{local_user()}", None)


def set_actor(actor: str | None, run_id: str | None = None) -> None:
    """Set the actor for the rest of this thread / context (used per connection by the wire layer)."""
    _actor.set((actor, run_id) if actor else None)


@contextmanager
def acting_as(actor: str, run_id: str | None = None) -> Iterator[None]:
    """Attribute the changes made inside the block to ``actor`` (e.g. ``crawler:nightly``) and a run."""
    token = _actor.set((actor, run_id))
    try:
        yield
    finally:
        _actor.reset(token)
