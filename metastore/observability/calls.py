"""Per-call bookkeeping the processor does around every RPC: request ids, metrics, the slow-call log.

The processor calls :func:`begin` before and :func:`finished` after a call: two ``perf_counter``
calls, one histogram observe when metrics are on, and a comparison with the slow threshold. Request
ids are ``<worker pid>-<connection>-<call>`` (hex pid), kept per connection thread, so every log
line a call writes can be tied to its slow-call line and its client.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from time import perf_counter
from typing import Any

log = logging.getLogger("metahive.slow")

_local = threading.local()
_connections = itertools.count(1)
_metrics: Any = None  # metastore.observability.metrics.Metrics when --metrics-port is set
_slow_seconds = float("inf")


class Connection:
    """One client connection's identity and whether a call is running on it (read by shutdown)."""

    __slots__ = ("id", "address", "seq", "busy")

    def __init__(self, address: str) -> None:
        self.id = f"{os.getpid():x}-{next(_connections)}"
        self.address = address
        self.seq = 0
        self.busy = False


def configure(metrics: Any = None, slow_rpc_ms: float = 0) -> None:
    """Turn metrics and the slow-call log on or off for this process (and the workers it forks)."""
    global _metrics, _slow_seconds
    _metrics = metrics
    _slow_seconds = slow_rpc_ms / 1000 if slow_rpc_ms > 0 else float("inf")


def begin_connection(address: str) -> Connection:
    _local.conn = conn = Connection(address)
    return conn


def request_id() -> str | None:
    conn = getattr(_local, "conn", None)
    return f"{conn.id}-{conn.seq}" if conn is not None else None


def begin() -> float:
    """A new call on this connection: next request id, marked busy; returns its start time."""
    conn = getattr(_local, "conn", None) or begin_connection("local")  # in-process use has no connection
    conn.seq += 1
    conn.busy = True
    return perf_counter()


def finished(method: str, started: float, error: BaseException | None, args: Any,
             arg_names: tuple[str, ...], value: Any) -> None:
    elapsed = perf_counter() - started
    _local.conn.busy = False
    if _metrics is not None:
        _metrics.observe_call(method, elapsed, error, value)
    if elapsed >= _slow_seconds:
        _log_slow(method, elapsed, error, args, arg_names)


def _log_slow(method: str, elapsed: float, error: BaseException | None, args: Any,
              arg_names: tuple[str, ...]) -> None:
    summary = summarise_args(args, arg_names) or "(no arguments)"
    ms = round(elapsed * 1000, 1)
    outcome = f" -> {type(error).__name__}" if error is not None else ""
    log.warning("slow call %s %.1f ms%s from %s: %s", method, ms, outcome,
                _local.conn.address, summary,
                extra={"rpc": {"method": method, "ms": ms, "args": summary,
                               "error": type(error).__name__ if error is not None else None}})


# -- argument summaries -------------------------------------------------------------------------

_NAME_FIELDS = ("catName", "dbName", "db_name", "dbname", "tblName", "tbl_name", "tableName", "tablename",
                "name", "filter", "maxParts", "max_parts")
MAX_TEXT = 120


def summarise_args(args: Any, arg_names: tuple[str, ...]) -> str:
    """``db_name='sales' tbl_name='orders' new_parts=[900 items]``: names and sizes, never whole payloads."""
    return " ".join(f"{name}={summarise(getattr(args, name, None))}" for name in arg_names)


def summarise(value: Any, depth: int = 0) -> str:
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str | bytes):
        text = repr(value)
        return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…'"
    if isinstance(value, list | tuple | set | frozenset | dict):
        if len(value) <= 3 and depth == 0 and all(isinstance(v, str | int) for v in value):
            return repr(list(value) if not isinstance(value, dict) else value)
        return f"[{len(value)} items]"
    spec = getattr(value, "thrift_spec", None)
    if spec is None or depth > 0:
        return type(value).__name__
    fields = [f"{n}={summarise(getattr(value, n), depth + 1)}" for n in _NAME_FIELDS
              if getattr(value, n, None) is not None]
    return f"{type(value).__name__}({', '.join(fields)})"
