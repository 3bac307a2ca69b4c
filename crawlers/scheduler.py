"""Crawler schedules: cron expressions (Glue's six-field ``cron(…)`` and the usual five fields) and
the loop ``metahive serve`` runs to fire due crawlers.

Every server worker polls; a due firing is claimed with a conditional UPDATE of ``next_fire_ms``
(see ``Registry.claim_firing``), so with several servers on one database exactly one fires it.
The run itself is a ``metahive crawler run`` subprocess, so a crawl never shares a worker's
memory or GIL with the Thrift connections it serves.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

log = logging.getLogger("metahive.scheduler")

_MONTHS = {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
_DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}
INTERVAL_ENV = "METAHIVE_SCHEDULER_INTERVAL"


class CronError(ValueError):
    pass


def _field(text: str, low: int, high: int, names: dict[str, int], what: str, shift: int = 0) -> frozenset[int] | None:
    """The set of values a cron field allows; None for ``*``/``?`` (anything)."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else 1 if not step_text else -1
        if step < 1:
            raise CronError(f"{what}: bad step in {part!r}")
        if body in ("*", "?"):
            lo, hi = low, high
        else:
            a, _, b = body.partition("-")

            def num(x: str) -> int:
                x = x.upper()
                if x in names:
                    return names[x]
                if not x.isdigit():
                    raise CronError(f"{what}: {x!r} is not a number or name (L, W and # are not supported)")
                return int(x) - shift

            lo = num(a)
            hi = num(b) if b else (high if step_text else lo)
        if not (low <= lo <= high and low <= hi <= high and lo <= hi):
            raise CronError(f"{what}: {part!r} is outside {low + shift}-{high + shift}")
        values.update(range(lo, hi + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int] | None
    hours: frozenset[int] | None
    days: frozenset[int] | None
    months: frozenset[int] | None
    weekdays: frozenset[int] | None  # 0 = Sunday
    years: frozenset[int] | None

    @classmethod
    def parse(cls, expr: str) -> Cron:
        """``cron(m h dom mon dow year)`` (Glue: day-of-week 1-7 = SUN-SAT) or ``m h dom mon dow`` (0-7)."""
        text = expr.strip()
        glue = text.startswith("cron(") and text.endswith(")")
        fields = text[5:-1].split() if glue else text.split()
        if glue and len(fields) != 6 or not glue and len(fields) != 5:
            raise CronError(f"schedule {expr!r}: expected cron(min hour day-of-month month day-of-week year) "
                            "or five fields 'min hour day-of-month month day-of-week'")
        try:
            dow = _field(fields[4], 0, 6, _DAYS, "day-of-week", shift=1) if glue else \
                _field(fields[4].replace("7", "0"), 0, 6, _DAYS, "day-of-week")
            cron = cls(_field(fields[0], 0, 59, {}, "minutes"), _field(fields[1], 0, 23, {}, "hours"),
                       _field(fields[2], 1, 31, {}, "day-of-month"), _field(fields[3], 1, 12, _MONTHS, "month"),
                       dow, _field(fields[5], 1970, 2199, {}, "year") if glue else None)
        except CronError as e:
            raise CronError(f"schedule {expr!r}: {e}") from None
        if glue and cron.days is not None and cron.weekdays is not None:
            raise CronError(f"schedule {expr!r}: give day-of-month or day-of-week, and '?' for the other (Glue's rule)")
        return cron

    def _day_ok(self, d: datetime) -> bool:
        if self.months is not None and d.month not in self.months:
            return False
        if self.years is not None and d.year not in self.years:
            return False
        dom_ok = self.days is None or d.day in self.days
        dow_ok = self.weekdays is None or (d.isoweekday() % 7) in self.weekdays
        if self.days is not None and self.weekdays is not None:  # classic cron: either matches
            return dom_ok or dow_ok
        return dom_ok and dow_ok

    def next_after(self, after: datetime) -> datetime | None:
        """The first matching minute strictly after ``after`` (UTC), within five years."""
        start = (after.replace(second=0, microsecond=0) + timedelta(minutes=1)).astimezone(UTC)
        hours = sorted(self.hours) if self.hours is not None else range(24)
        minutes = sorted(self.minutes) if self.minutes is not None else range(60)
        day = start.replace(hour=0, minute=0)
        for _ in range(5 * 366):
            if self._day_ok(day):
                for h in hours:
                    for m in minutes:
                        t = day.replace(hour=h, minute=m)
                        if t >= start:
                            return t
            day += timedelta(days=1)
        return None


def next_fire_ms(schedule: str, now_ms: int) -> int | None:
    nxt = Cron.parse(schedule).next_after(datetime.fromtimestamp(now_ms / 1000, UTC))
    return int(nxt.timestamp() * 1000) if nxt else None


def fire_due(db_url: str, warehouse: str, now_ms: int | None = None) -> list[str]:
    """Claim and start every due crawler; returns the names this process fired."""
    from crawlers.registry import Registry
    from crawlers.store import now_ms as clock
    from metastore.store.engine import create_engine

    now = now_ms or clock()
    engine = create_engine(db_url)
    fired = []
    try:
        registry = Registry(engine)
        for row in registry.due(now):
            nxt = next_fire_ms(row.schedule, now) or 2**62
            if registry.claim_firing(row.name, row.next_fire_ms, nxt):
                log.info("firing scheduled crawler %s (pid %d)", row.name, os.getpid())
                subprocess.Popen([sys.executable, "-m", "metastore.cli", "crawler", "run", row.name, "--db", db_url,
                                  "--warehouse", warehouse, "--trigger", "schedule"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
                fired.append(row.name)
    finally:
        engine.dispose()
    return fired


def start_in_worker(db_url: str, warehouse: str) -> threading.Thread:
    """The scheduler loop as a daemon thread of a server worker (started after the fork)."""
    interval = float(os.environ.get(INTERVAL_ENV, "30"))
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                fire_due(db_url, warehouse)
            except Exception:  # never let the scheduler take a worker down; it retries next tick
                log.exception("scheduler tick failed")

    thread = threading.Thread(target=loop, name="crawler-scheduler", daemon=True)
    thread.start()
    return thread
