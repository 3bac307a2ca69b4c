"""Liveness of crawler runs: owners heartbeat, and a claim takes over a run whose owner died.

A run killed with SIGKILL (or a crashed host) cannot record its own end, so its crawler would stay
RUNNING and refuse every later run. The running process therefore records who it is (host, pid)
and refreshes a heartbeat every ``interval`` seconds from a small thread. Whoever next claims the
crawler marks the run FAILED with an "abandoned" reason when the heartbeat is older than
``STALE_BEATS`` intervals, or at once when the owner's pid is gone on this same host.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crawlers.store import crawler_runs, crawlers, now_ms
from metastore.processes import pid_alive

HEARTBEAT_ENV = "METAHIVE_CRAWLER_HEARTBEAT_S"  # seconds between heartbeats (tests use fractions)
DEFAULT_INTERVAL_S = 5.0
STALE_BEATS = 3
TEST_PAUSE_ENV = "METAHIVE_CRAWLER_TEST_PAUSE"  # tests only: "POINT:SECONDS", sleep once at POINT
TEST_MARK_ENV = "METAHIVE_CRAWLER_TEST_MARK"  # tests only: a file written with POINT before that sleep

log = logging.getLogger(__name__)


_paused: set[str] = set()


def pause_point(point: str) -> None:
    """Tests only: sleep once at ``point`` when ``TEST_PAUSE_ENV`` names it, so a kill lands there.

    Unset (always, outside tests) this is one environment lookup.
    """
    spec = os.environ.get(TEST_PAUSE_ENV)
    if not spec:
        return
    at, _, seconds = spec.rpartition(":")
    if at != point or point in _paused:
        return
    _paused.add(point)
    if mark := os.environ.get(TEST_MARK_ENV):
        with open(mark, "w") as f:
            f.write(point)
    time.sleep(float(seconds))


def interval_s() -> float:
    raw = os.environ.get(HEARTBEAT_ENV)
    try:
        value = float(raw) if raw else DEFAULT_INTERVAL_S
    except ValueError:
        raise ValueError(f"{HEARTBEAT_ENV}={raw!r}: give the heartbeat interval in seconds, e.g. 5") from None
    if value <= 0:
        raise ValueError(f"{HEARTBEAT_ENV}={raw!r}: the heartbeat interval must be positive")
    return value


def owner_values(now: int) -> dict[str, Any]:
    """Columns a claim writes: this process as the run's owner, heartbeating from now."""
    return {"owner_host": socket.gethostname(), "owner_pid": os.getpid(), "heartbeat_ms": now,
            "phase": "starting"}


def _when(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def abandoned_reason(row: Any, now: int, interval: float) -> str | None:
    """Why the run ``row`` (a crawlers row) is abandoned, or None while its owner looks alive."""
    if row.state not in ("RUNNING", "STOPPING") or row.run_id is None:
        return None
    last = row.heartbeat_ms or row.updated_ms
    who = f"process {row.owner_pid} on host {row.owner_host}" if row.owner_pid else "its process (owner unknown)"
    same_host = row.owner_host == socket.gethostname()
    if row.owner_pid and same_host and not pid_alive(row.owner_pid):
        return f"abandoned: {who} stopped heartbeating at {_when(last)} and is gone (killed or crashed)"
    if now - last > STALE_BEATS * interval * 1000:
        return (f"abandoned: {who} stopped heartbeating at {_when(last)} (killed or crashed; no heartbeat "
                f"for {(now - last) / 1000:.1f}s, more than {STALE_BEATS} x {interval:g}s)")
    return None


def reclaim_abandoned(engine: Engine, name: str, interval: float | None = None) -> str | None:
    """Mark crawler ``name``'s run FAILED and the crawler READY if its owner died; the reason, or None."""
    interval = interval_s() if interval is None else interval
    with engine.connect() as conn:
        row = conn.execute(sa.select(crawlers).where(crawlers.c.name == name)).first()
    if row is None:
        return None
    reason = abandoned_reason(row, now_ms(), interval)
    if reason is None:
        return None
    c = crawlers.c
    with engine.execution_options(write=True).begin() as conn:
        # Conditional on the heartbeat we judged: a beat that landed meanwhile keeps the run alive.
        taken = conn.execute(sa.update(crawlers).where(
            c.name == name, c.run_id == row.run_id,
            c.heartbeat_ms.is_(None) if row.heartbeat_ms is None else c.heartbeat_ms == row.heartbeat_ms,
        ).values(state="READY", run_id=None, owner_host=None, owner_pid=None, heartbeat_ms=None, phase=None,
                 updated_ms=now_ms())).rowcount
        if not taken:
            return None
        conn.execute(sa.update(crawler_runs).where(crawler_runs.c.run_id == row.run_id,
                                                   crawler_runs.c.state == "RUNNING")
                     .values(state="FAILED", ended_ms=now_ms(), errors=json.dumps([reason])))
    log.warning("crawler %s: run %s %s", name, row.run_id, reason)
    return reason


class Heartbeat:
    """A daemon thread refreshing the run's heartbeat (and current phase) until stopped."""

    def __init__(self, engine: Engine, name: str, run_id: str, interval: float | None = None) -> None:
        self.engine, self.name, self.run_id = engine, name, run_id
        self.interval = interval_s() if interval is None else interval
        self.phase = "listing and classifying"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{name}", daemon=True)

    def start(self) -> Heartbeat:
        self.beat()
        self._thread.start()
        return self

    def enter(self, phase: str) -> None:
        """Record the run's phase (written with the next beat); tests may pause here (``TEST_PAUSE_ENV``)."""
        if phase == self.phase:
            return
        self.phase = phase
        self.beat()
        pause_point(phase)

    def beat(self) -> None:
        c = crawlers.c
        try:
            with self.engine.execution_options(write=True).begin() as conn:
                mine = conn.execute(sa.update(crawlers).where(c.name == self.name, c.run_id == self.run_id)
                                    .values(heartbeat_ms=now_ms(), phase=self.phase)).rowcount
            if not mine:
                log.warning("crawler %s: run %s was declared abandoned by another process (heartbeats were late); "
                            "its tables stay whole, its record may be overwritten when it ends",
                            self.name, self.run_id)
                self._stop.set()  # once is enough; the run carries on and ends normally
        except Exception as e:  # a missed beat is not fatal; STALE_BEATS of them are
            log.warning("crawler %s: heartbeat failed: %s", self.name, e)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 5)
