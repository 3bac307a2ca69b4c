"""Crawler definitions, runs and connections in the catalog database.

A run is claimed with a conditional UPDATE (``state = 'READY'`` → ``'RUNNING'``) and the row count
decides: a second run of a running crawler is refused, on any server. Scheduled firings are
claimed the same way on ``next_fire_ms``.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crawlers.store import connections, crawler_runs, crawlers, now_ms


class RegistryError(Exception):
    """A refused crawler or connection operation; the message says why and what to do."""


@dataclass
class CrawlerDef:
    name: str
    sources: list[str]
    database: str
    metastore: str | None = None  # thrift://… ; None: this catalog
    schedule: str | None = None
    options: dict[str, Any] = field(default_factory=dict)  # the `metahive crawl` options, by name

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if k not in ("name", "schedule")})

    @classmethod
    def from_row(cls, row: Any) -> CrawlerDef:
        d = json.loads(row.definition)
        return cls(name=row.name, schedule=row.schedule, **d)


def _write(engine: Engine):  # noqa: ANN202
    return engine.execution_options(write=True).begin()


class Registry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- definitions ---------------------------------------------------------------------------
    def create(self, d: CrawlerDef) -> None:
        from crawlers.scheduler import next_fire_ms

        now = now_ms()
        try:
            with _write(self.engine) as conn:
                conn.execute(sa.insert(crawlers).values(
                    name=d.name, definition=d.to_json(), schedule=d.schedule, state="READY",
                    next_fire_ms=next_fire_ms(d.schedule, now) if d.schedule else None,
                    created_ms=now, updated_ms=now))
        except sa.exc.IntegrityError:
            raise RegistryError(f"crawler {d.name} exists already; use `metahive crawler update`") from None

    def update(self, d: CrawlerDef) -> None:
        from crawlers.scheduler import next_fire_ms

        now = now_ms()
        with _write(self.engine) as conn:
            done = conn.execute(sa.update(crawlers).where(crawlers.c.name == d.name).values(
                definition=d.to_json(), schedule=d.schedule, updated_ms=now,
                next_fire_ms=next_fire_ms(d.schedule, now) if d.schedule else None)).rowcount
        if not done:
            raise RegistryError(f"no crawler named {d.name}; `metahive crawler list` shows them")

    def get(self, name: str) -> CrawlerDef:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(crawlers).where(crawlers.c.name == name)).first()
        if row is None:
            raise RegistryError(f"no crawler named {name}; `metahive crawler list` shows them")
        return CrawlerDef.from_row(row)

    def rows(self) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(crawlers).order_by(crawlers.c.name)))

    def row(self, name: str) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(crawlers).where(crawlers.c.name == name)).first()
        if row is None:
            raise RegistryError(f"no crawler named {name}; `metahive crawler list` shows them")
        return row

    def delete(self, name: str) -> None:
        with _write(self.engine) as conn:
            done = conn.execute(sa.delete(crawlers).where(crawlers.c.name == name, crawlers.c.state == "READY")).rowcount
        if not done:
            state = self.row(name).state
            raise RegistryError(f"crawler {name} is {state}; stop it (`metahive crawler stop {name}`) and wait "
                                "for the run to end before deleting it")

    # -- runs ------------------------------------------------------------------------------------
    def start_run(self, name: str, trigger: str) -> str:
        """Claim the crawler for a new run, or refuse if it is running."""
        from crawlers.liveness import owner_values, reclaim_abandoned

        reclaim_abandoned(self.engine, name)  # a run whose process died no longer blocks the crawler
        run_id = str(uuid.uuid4())
        now = now_ms()
        with _write(self.engine) as conn:
            claimed = conn.execute(sa.update(crawlers).where(crawlers.c.name == name, crawlers.c.state == "READY")
                                   .values(state="RUNNING", run_id=run_id, updated_ms=now,
                                           **owner_values(now))).rowcount
            if claimed:
                conn.execute(sa.insert(crawler_runs).values(run_id=run_id, crawler=name, state="RUNNING",
                                                            trigger=trigger, started_ms=now))
        if not claimed:
            row = self.row(name)
            raise RegistryError(f"crawler {name} is already running (run {row.run_id}); wait for it or "
                                f"`metahive crawler stop {name}`")
        return run_id

    def finish_run(self, name: str, run_id: str, state: str, metrics: dict | None, errors: list[str],
                   plan: dict | None) -> None:
        with _write(self.engine) as conn:
            conn.execute(sa.update(crawler_runs).where(crawler_runs.c.run_id == run_id).values(
                state=state, ended_ms=now_ms(), metrics=json.dumps(metrics) if metrics is not None else None,
                errors=json.dumps(errors), plan=json.dumps(plan) if plan is not None else None))
            conn.execute(sa.update(crawlers).where(crawlers.c.name == name, crawlers.c.run_id == run_id)
                         .values(state="READY", run_id=None, updated_ms=now_ms(), owner_host=None, owner_pid=None,
                                 heartbeat_ms=None, phase=None))

    def request_stop(self, name: str) -> str:
        with _write(self.engine) as conn:
            done = conn.execute(sa.update(crawlers).where(crawlers.c.name == name, crawlers.c.state == "RUNNING")
                                .values(state="STOPPING")).rowcount
        row = self.row(name)
        if not done:
            raise RegistryError(f"crawler {name} is not running ({row.state})")
        return row.run_id

    def stopping(self, name: str) -> bool:
        return self.row(name).state == "STOPPING"

    def history(self, name: str, limit: int = 20) -> list[Any]:
        c = crawler_runs.c
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(crawler_runs).where(c.crawler == name)
                                     .order_by(c.started_ms.desc(), c.id.desc()).limit(limit)))

    # -- schedules -------------------------------------------------------------------------------
    def due(self, now: int) -> list[Any]:
        c = crawlers.c
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(c.name, c.schedule, c.next_fire_ms).where(
                c.schedule.is_not(None), c.next_fire_ms <= now)))

    def claim_firing(self, name: str, due: int, next_ms: int) -> bool:
        """True for exactly one caller per due firing, whichever server it runs in."""
        with _write(self.engine) as conn:
            return conn.execute(sa.update(crawlers).where(crawlers.c.name == name, crawlers.c.next_fire_ms == due)
                                .values(next_fire_ms=next_ms)).rowcount == 1

    # -- connections -----------------------------------------------------------------------------
    def create_connection(self, name: str, url: str, password_env: str | None, password_file: str | None) -> None:
        parsed = sa.make_url(url)
        if parsed.password:
            raise RegistryError("put no password in --url: give --password-env VAR or --password-file PATH, "
                                "so it is never stored or printed")
        try:
            with _write(self.engine) as conn:
                conn.execute(sa.insert(connections).values(name=name, url=url, password_env=password_env,
                                                           password_file=password_file, created_ms=now_ms()))
        except sa.exc.IntegrityError:
            raise RegistryError(f"connection {name} exists already") from None

    def connections(self) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(connections).order_by(connections.c.name)))

    def delete_connection(self, name: str) -> None:
        with _write(self.engine) as conn:
            if not conn.execute(sa.delete(connections).where(connections.c.name == name)).rowcount:
                raise RegistryError(f"no connection named {name}")

    def resolve(self, source: str) -> tuple[str, str | None]:
        """``connection:NAME`` → (URL with its password, NAME); any other source unchanged."""
        if not source.startswith("connection:"):
            return source, None
        name = source.partition(":")[2]
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(connections).where(connections.c.name == name)).first()
        if row is None:
            raise RegistryError(f"no connection named {name}; create it with `metahive connection create`")
        url = sa.make_url(row.url)
        password = None
        if row.password_env:
            password = os.environ.get(row.password_env)
            if password is None:
                raise RegistryError(f"connection {name}: environment variable {row.password_env} is not set")
        elif row.password_file:
            try:
                password = Path(row.password_file).read_text().strip()
            except OSError as e:
                raise RegistryError(f"connection {name}: cannot read {row.password_file}: {e.strerror}") from None
        if password is not None:
            url = url.set(password=password)
        return url.render_as_string(hide_password=False), name
