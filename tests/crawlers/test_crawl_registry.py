"""Crawler definitions, runs, stop, connections and schedules (fired by `metahive serve`, once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from crawlers.registry import CrawlerDef, Registry, RegistryError
from crawlers.runner import run_crawler
from crawlers.scheduler import Cron, CronError
from crawlers.store import crawlers as crawlers_table
from metastore.app import prepare_database
from metastore.store.engine import create_engine
from tests.support.server import start_server


@pytest.mark.parametrize(("expr", "after", "expected"), [
    ("cron(15 12 * * ? *)", "2026-11-21 12:20", "2026-11-22 12:15"),
    ("cron(0 8 ? * MON-FRI *)", "2026-11-21 09:00", "2026-11-23 08:00"),  # Saturday -> Monday
    ("cron(0 8 ? * 2 *)", "2026-11-21 09:00", "2026-11-23 08:00"),  # Glue: 1 = SUN, 2 = MON
    ("cron(0/30 * * * ? 2027)", "2026-11-21 09:00", "2027-01-01 00:00"),
    ("*/15 * * * *", "2026-11-21 09:07", "2026-11-21 09:15"),
    ("0 0 1 * *", "2026-11-21 09:07", "2026-12-01 00:00"),
    ("30 6 * * 0", "2026-11-21 09:07", "2026-11-22 06:30"),  # 5-field: 0 = SUN
    ("0 12 * JAN,FEB *", "2026-11-21 09:07", "2027-01-01 12:00"),
])
def test_cron_next_fire(expr: str, after: str, expected: str) -> None:
    start = datetime.strptime(after, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert Cron.parse(expr).next_after(start).strftime("%Y-%m-%d %H:%M") == expected


@pytest.mark.parametrize(("expr", "message"), [
    ("cron(0 8 1 * MON *)", "give day-of-month or day-of-week, and '?' for the other"),
    ("cron(0 8 L * ? *)", "'L' is not a number or name (L, W and # are not supported)"),
    ("0 8 * *", "expected cron(min hour day-of-month month day-of-week year) or five fields"),
    ("61 * * * *", "minutes: '61' is outside 0-59"),
])
def test_bad_cron_says_what_is_wrong(expr: str, message: str) -> None:
    with pytest.raises(CronError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        Cron.parse(expr)


@pytest.fixture
def lake(tmp_path):
    for day in ("1", "2"):
        (tmp_path / "lake" / "t" / f"day={day}").mkdir(parents=True)
        pq.write_table(pa.table({"id": [1, 2]}), tmp_path / "lake" / "t" / f"day={day}" / "p.parquet")
    return tmp_path / "lake"


@pytest.fixture
def db_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    prepare_database(url)
    return url


def metahive(*args: str, cwd) -> subprocess.CompletedProcess:  # noqa: ANN001
    return subprocess.run([sys.executable, "-m", "metastore.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200", "CRAWL_TEST_PW": "s3cret"})


def test_crawler_lifecycle_from_the_command_line(lake, db_url, tmp_path) -> None:
    wh = str(tmp_path / "wh")
    out = metahive("crawler", "create", "nightly", str(lake), "--database", "lake", "--db", db_url,
                   "--schedule", "cron(0 2 * * ? *)", "--exclude", "**.tmp", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    again = metahive("crawler", "create", "nightly", str(lake), "--database", "lake", "--db", db_url, cwd=tmp_path)
    assert again.returncode == 1 and "crawler nightly exists already" in again.stderr
    run = metahive("crawler", "run", "nightly", "--db", db_url, "--warehouse", wh, "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["state"] == "SUCCEEDED" and doc["summary"]["metrics"]["tables_created"] == 1
    shown = json.loads(metahive("crawler", "show", "nightly", "--db", db_url, cwd=tmp_path).stdout)
    assert (shown["state"], shown["schedule"], shown["options"]["excludes"]) == ("READY", "cron(0 2 * * ? *)",
                                                                                 ["**.tmp"])
    assert shown["last_run"]["state"] == "SUCCEEDED" and shown["last_run"]["trigger"] == "manual"
    assert shown["next_run"].endswith("02:00:00")
    updated = metahive("crawler", "update", "nightly", "--db", db_url, "--set", "update_behavior=LOG",
                       "--schedule", "", cwd=tmp_path)
    assert updated.returncode == 0, updated.stderr
    shown = json.loads(metahive("crawler", "show", "nightly", "--db", db_url, cwd=tmp_path).stdout)
    assert (shown["schedule"], shown["options"]["update_behavior"]) == (None, "LOG")
    history = json.loads(metahive("crawler", "history", "nightly", "--db", db_url, "--json", cwd=tmp_path).stdout)
    assert [(h["state"], h["metrics"]["metrics"]["partitions_created"]) for h in history] == [("SUCCEEDED", 2)]
    stop = metahive("crawler", "stop", "nightly", "--db", db_url, cwd=tmp_path)
    assert stop.returncode == 1 and "crawler nightly is not running (READY)" in stop.stderr
    listed = metahive("crawler", "list", "--db", db_url, cwd=tmp_path)
    assert "nightly" in listed.stdout and "READY" in listed.stdout
    assert metahive("crawler", "delete", "nightly", "--db", db_url, cwd=tmp_path).returncode == 0
    gone = metahive("crawler", "show", "nightly", "--db", db_url, cwd=tmp_path)
    assert gone.returncode == 1 and "no crawler named nightly" in gone.stderr


def test_second_run_of_a_running_crawler_is_refused(lake, db_url, tmp_path) -> None:
    registry = Registry(create_engine(db_url))
    registry.create(CrawlerDef("c", [str(lake)], "lake"))
    run_id = registry.start_run("c", "manual")
    out = metahive("crawler", "run", "c", "--db", db_url, cwd=tmp_path)
    assert out.returncode == 1
    assert f"crawler c is already running (run {run_id}); wait for it or `metahive crawler stop c`" in out.stderr
    with pytest.raises(RegistryError, match="crawler c is RUNNING; stop it"):
        registry.delete("c")
    registry.finish_run("c", run_id, "FAILED", None, ["test"], None)
    assert registry.row("c").state == "READY"


def test_stop_cancels_a_running_crawl(lake, db_url, tmp_path) -> None:
    registry = Registry(create_engine(db_url))
    registry.create(CrawlerDef("c", [str(lake)], "lake"))

    def progress(stage: str, n: int) -> None:  # the user runs `metahive crawler stop` meanwhile
        if registry.row("c").state == "RUNNING":
            registry.request_stop("c")
            time.sleep(1.1)

    outcome = run_crawler(registry, db_url, str(tmp_path / "wh"), "c", progress=progress)
    assert (outcome.state, outcome.errors) == ("CANCELLED", ["stopped by `metahive crawler stop c`"])
    assert [(r.state, r.trigger) for r in registry.history("c")] == [("CANCELLED", "manual")]
    assert registry.row("c").state == "READY"


def test_connections_keep_passwords_out_of_the_catalog(db_url, tmp_path, postgres, monkeypatch) -> None:
    monkeypatch.setenv("CRAWL_TEST_PW", "s3cret")
    bad = metahive("connection", "create", "pg", "--url", "postgresql://u:pw@h/db", "--db", db_url, cwd=tmp_path)
    assert bad.returncode == 1 and "put no password in --url" in bad.stderr
    url = sa.make_url(postgres.create_database())
    ok = metahive("connection", "create", "pg", "--url", url.render_as_string(hide_password=False),
                  "--password-env", "CRAWL_TEST_PW", "--db", db_url, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    listed = metahive("connection", "list", "--db", db_url, cwd=tmp_path).stdout
    assert "$CRAWL_TEST_PW" in listed and "s3cret" not in listed
    registry = Registry(create_engine(db_url))
    resolved, name = registry.resolve("connection:pg")
    assert name == "pg" and sa.make_url(resolved).password == "s3cret"
    crawled = metahive("crawl", "connection:pg", "--database", "j", "--db", db_url, "--json",
                       "--warehouse", str(tmp_path / "wh"), cwd=tmp_path)
    assert crawled.returncode == 0, crawled.stderr
    assert "s3cret" not in crawled.stdout + crawled.stderr


def test_schedule_fires_exactly_once_across_servers(lake, db_url, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("METAHIVE_SCHEDULER_INTERVAL", "0.5")
    engine = create_engine(db_url)
    registry = Registry(engine)
    registry.create(CrawlerDef("sched", [str(lake)], "lake", schedule="cron(0 3 * * ? *)"))
    servers = [start_server(db_url, tmp_path / "wh", tmp_path, workers=2) for _ in range(2)]
    try:
        with engine.begin() as conn:  # make it due now: four scheduler threads race for it
            conn.execute(sa.update(crawlers_table).where(crawlers_table.c.name == "sched")
                         .values(next_fire_ms=int(time.time() * 1000) - 1000))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            runs = registry.history("sched")
            if runs and runs[0].state != "RUNNING":
                break
            time.sleep(0.5)
        time.sleep(2)  # a second firing, if any, would show up by now
        runs = registry.history("sched")
        assert [(r.state, r.trigger) for r in runs] == [("SUCCEEDED", "schedule")], [r.errors for r in runs]
        fired = sum(s.log().count("firing scheduled crawler sched") for s in servers)
        assert fired == 1
        assert registry.row("sched").next_fire_ms > time.time() * 1000
    finally:
        for s in servers:
            s.stop()
