"""The crawler's tables in the catalog database (same MetaData as the catalog; migration 0006).

What a crawl remembers per folder (file sizes/versions and shapes, for incremental recrawls) and
per table (what it wrote, to recognise hand edits), crawler definitions, runs and connections.
All SQL of the crawler lives here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from metastore.store.schema import BinaryText, Doc, metadata

crawler_folders = sa.Table(
    "mh_crawler_folders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("crawler", BinaryText, nullable=False),
    sa.Column("location", BinaryText, nullable=False),  # folder URI
    sa.Column("state", Doc, nullable=False),  # FolderData.state_json()
    sa.UniqueConstraint("crawler", "location"),
)

crawler_tables = sa.Table(
    "mh_crawler_tables",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("crawler", BinaryText, nullable=False),
    sa.Column("db_name", BinaryText, nullable=False),
    sa.Column("table_name", BinaryText, nullable=False),
    sa.Column("written", Doc, nullable=False),  # plan.written_record()
    sa.UniqueConstraint("crawler", "db_name", "table_name"),
)

crawlers = sa.Table(
    "mh_crawlers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", BinaryText, nullable=False, unique=True),
    sa.Column("definition", Doc, nullable=False),  # sources, database, target, policies, options
    sa.Column("schedule", sa.Text),  # cron expression, NULL when run by hand only
    sa.Column("next_fire_ms", sa.BigInteger),  # when the scheduler fires it next
    sa.Column("state", sa.Text, nullable=False, server_default="READY"),  # READY / RUNNING / STOPPING
    sa.Column("run_id", sa.Text),  # the RUNNING run
    # liveness of the RUNNING run (crawlers.liveness): who runs it, its last heartbeat, its phase
    sa.Column("owner_host", sa.Text),
    sa.Column("owner_pid", sa.Integer),
    sa.Column("heartbeat_ms", sa.BigInteger),
    sa.Column("phase", sa.Text),
    sa.Column("created_ms", sa.BigInteger, nullable=False),
    sa.Column("updated_ms", sa.BigInteger, nullable=False),
)

crawler_runs = sa.Table(
    "mh_crawler_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Text, nullable=False, unique=True),
    sa.Column("crawler", BinaryText, nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # RUNNING / SUCCEEDED / FAILED / CANCELLED
    sa.Column("trigger", sa.Text, nullable=False),  # manual / schedule / cli
    sa.Column("started_ms", sa.BigInteger, nullable=False),
    sa.Column("ended_ms", sa.BigInteger),
    sa.Column("metrics", Doc),
    sa.Column("errors", Doc),
    sa.Column("plan", Doc),
    sa.Index(None, "crawler", "started_ms"),
)

connections = sa.Table(
    "mh_connections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", BinaryText, nullable=False, unique=True),
    sa.Column("url", sa.Text, nullable=False),  # without the password
    sa.Column("password_env", sa.Text),  # environment variable holding the password
    sa.Column("password_file", sa.Text),  # or a file holding it
    sa.Column("created_ms", sa.BigInteger, nullable=False),
)


def now_ms() -> int:
    return int(time.time() * 1000)


def _write(engine: Engine):  # noqa: ANN202
    return engine.execution_options(write=True).begin()


class CrawlState:
    """Per-crawler memory: folder states and what was written to each table."""

    def __init__(self, engine: Engine, crawler: str) -> None:
        self.engine, self.crawler = engine, crawler

    def load_folders(self, prefixes: Iterable[str]) -> dict[str, str]:
        """location -> raw state JSON for the folders under any of the prefixes (parsed lazily)."""
        out: dict[str, str] = {}
        c = crawler_folders.c
        with self.engine.connect() as conn:
            for prefix in prefixes:
                rows = conn.execute(sa.select(c.location, c.state).where(
                    c.crawler == self.crawler,
                    sa.or_(c.location == prefix, c.location.startswith(prefix.rstrip("/") + "/", autoescape=True))))
                out.update((loc, doc) for loc, doc in rows)
        return out

    def save_folders(self, changed: dict[str, str], removed: Iterable[str]) -> None:
        """Replace the states of changed folders and forget removed ones, in one transaction."""
        c = crawler_folders.c
        gone = list(removed) + list(changed)
        with _write(self.engine) as conn:
            for i in range(0, len(gone), 500):
                conn.execute(sa.delete(crawler_folders).where(c.crawler == self.crawler,
                                                              c.location.in_(gone[i:i + 500])))
            rows = [{"crawler": self.crawler, "location": k, "state": v} for k, v in changed.items()]
            for i in range(0, len(rows), 1000):
                conn.execute(sa.insert(crawler_folders), rows[i:i + 1000])

    def load_written(self, db: str) -> dict[str, dict[str, Any]]:
        c = crawler_tables.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.table_name, c.written).where(c.crawler == self.crawler, c.db_name == db))
            return {name: json.loads(doc) for name, doc in rows}

    def save_written(self, db: str, written: dict[str, dict[str, Any]], dropped: Iterable[str] = ()) -> None:
        c = crawler_tables.c
        names = list(written) + list(dropped)
        if not names:
            return
        with _write(self.engine) as conn:
            conn.execute(sa.delete(crawler_tables).where(c.crawler == self.crawler, c.db_name == db,
                                                         c.table_name.in_(names)))
            if written:
                conn.execute(sa.insert(crawler_tables), [
                    {"crawler": self.crawler, "db_name": db, "table_name": n, "written": json.dumps(w)}
                    for n, w in written.items()])
