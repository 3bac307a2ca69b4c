"""The crawler's writes in the audit: a first crawl, then a second after a new column appears in the data.

The crawler writes through Thrift as ``set_ugi('crawler:<name>')`` (crawlers.targets.ThriftTarget) to a
real server, and tags what it writes with ``CRAWL_RUN_ID``; the audit records both.
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from crawlers.crawl import CrawlOptions, crawl
from crawlers.store import CrawlState
from crawlers.targets import ThriftTarget
from metastore.app import build_metastore
from metastore.store.engine import create_engine


def _write(path, **cols) -> None:  # noqa: ANN001, ANN003
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(cols), path)


@pytest.fixture(scope="module")
def crawled(server, tmp_path_factory):
    """Two crawls of lake/events; returns (the server's audit trail, run ids of crawl 1 and 2)."""
    lake = tmp_path_factory.mktemp("lake")
    for day in ("01", "02", "03"):
        for n in range(2):
            _write(lake / "events" / f"day={day}" / f"part-{n}.parquet", id=[1, 2], kind=["a", "b"])
    engine = create_engine(server.db_url)
    ms = build_metastore(server.db_url, str(server.warehouse))
    runs = []
    try:
        for step in (1, 2):
            if step == 2:  # a new column appears in one file
                changed = lake / "events" / "day=02" / "part-1.parquet"
                _write(changed, id=[3], kind=["c"], score=[0.5])
                stat = os.stat(changed)
                os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
            target = ThriftTarget(server.uri, user="crawler:lakecrawler")
            try:
                crawl(CrawlOptions([str(lake)], "crawled", crawler="lakecrawler"), target,
                      CrawlState(engine, "lakecrawler"))
            finally:
                target.close()
            runs.append(ms.get_table("crawled", "events").parameters["CRAWL_RUN_ID"])
        yield ms.audit, runs, engine
    finally:
        ms.catalog.dispose()
        engine.dispose()


def test_the_second_crawl_is_a_new_version_with_the_new_column(crawled):
    audit, (run1, run2), _ = crawled
    history = audit.history("crawled.events")
    assert run1 != run2
    assert {c.actor for c in history} == {"crawler:lakecrawler"}
    versions = [(c.version, c.operation, c.run_id) for c in history if c.version]
    assert versions[-1] == (1, "CREATE_TABLE", run1)
    assert versions[0][1:] == ("ALTER_TABLE", run2)
    new_columns = [(i.name, i.new) for c in history if c.run_id == run2 for i in c.items if i.kind == "column_added"]
    assert new_columns == [("score", "double")]
    assert ("partitions_added", "3") in [(i.kind, i.name) for c in history for i in c.items]
    latest = versions[0][0]
    assert ("column_added", "score") in [(i.kind, i.name) for i in audit.diff("crawled.events", 1, latest).items]


def test_which_tables_did_the_crawler_change_in_its_last_run(crawled):
    audit, (_, run2), engine = crawled
    assert [(c.table_name, c.operation) for c in audit.changes(since="1h", actor="crawler:lakecrawler", run_id=run2)
            if c.operation == "ALTER_TABLE"] == [("events", "ALTER_TABLE")]
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT DISTINCT db_name, table_name FROM mh_audit_changes WHERE actor = 'crawler:lakecrawler' "
            "AND run_id = (SELECT run_id FROM mh_audit_changes WHERE actor = 'crawler:lakecrawler' "
            "AND run_id IS NOT NULL ORDER BY event_id DESC LIMIT 1)")).all()
    assert [tuple(r) for r in rows] == [("crawled", "events")]


def test_an_in_process_crawl_is_recorded_as_the_crawler(tmp_path):
    from crawlers.targets import MetahiveTarget

    _write(tmp_path / "lake" / "logs" / "day=01" / "part-0.parquet", id=[1], msg=["x"])
    target = MetahiveTarget(f"sqlite:///{tmp_path / 'catalog.db'}", str(tmp_path / "wh"), user="crawler:local")
    try:
        crawl(CrawlOptions([str(tmp_path / "lake")], "inproc", crawler="local"), target,
              CrawlState(target.hms.catalog.engine, "local"))
        run_id = target.hms.get_table("inproc", "logs").parameters["CRAWL_RUN_ID"]
        history = target.hms.audit.history("inproc.logs")
        assert [(c.operation, c.actor) for c in history] == [
            ("ADD_PARTITION", "crawler:local"), ("CREATE_TABLE", "crawler:local")]
        assert history[-1].run_id == run_id
        (created,) = target.hms.audit.changes(since="1h", database="inproc", kinds=["database_created"])
        assert created.actor == "crawler:local"
    finally:
        target.close()
