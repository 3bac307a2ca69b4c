"""End to end: folders written by Spark and by other tools are crawled into metahive (in-process and
through Thrift), then every table is queried from PySpark through a metahive server.

One metahive server (SQLite) and one SparkSession for the module: the crawler's output does not
depend on the catalog backend (the store is covered by the parametrised suites).
"""

from __future__ import annotations

import gzip
import json

import pytest

pytest.importorskip("pyspark")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from crawlers.crawl import CrawlOptions, crawl  # noqa: E402
from crawlers.store import CrawlState  # noqa: E402
from crawlers.targets import MetahiveTarget, ThriftTarget  # noqa: E402
from metastore.store.engine import create_engine  # noqa: E402
from tests.spark.conftest import _start_session, _stop_session  # noqa: E402

ROWS = 100
SPARK_TABLES = ("spark_parquet", "spark_json", "spark_csv", "spark_orc", "spark_by_day", "spark_by_region_day")
OTHER_TABLES = ("arrow_parquet", "python_csv", "gzip_json")


@pytest.fixture(scope="module")
def env(make_server, tmp_path_factory):
    server = make_server("sqlite")
    env = _start_session(server, tmp_path_factory.mktemp("crawl-spark"))
    yield env
    _stop_session(env.spark)


@pytest.fixture(scope="module")
def lake(env, tmp_path_factory):
    """A data lake: one folder per dataset, as Spark and other tools leave them."""
    root = tmp_path_factory.mktemp("lake")
    df = env.spark.createDataFrame(
        [(i, f"name{i}", i * 1.5, i % 3 == 0, f"2024-01-0{i % 3 + 1}", ("eu", "us")[i % 2]) for i in range(ROWS)],
        "id int, name string, amount double, flag boolean, day string, region string")
    flat = df.drop("region").coalesce(2)
    flat.write.parquet(str(root / "spark_parquet"))
    flat.write.json(str(root / "spark_json"))
    flat.write.option("header", True).csv(str(root / "spark_csv"))
    flat.write.orc(str(root / "spark_orc"))
    df.drop("region").write.partitionBy("day").parquet(str(root / "spark_by_day"))
    df.write.partitionBy("region", "day").parquet(str(root / "spark_by_region_day"))
    # other tools: pyarrow, a hand-written CSV, gzip JSON lines
    (root / "arrow_parquet").mkdir()
    pq.write_table(pa.table({"id": list(range(ROWS)), "label": [f"l{i}" for i in range(ROWS)]}),
                   root / "arrow_parquet" / "data.parquet")
    (root / "python_csv").mkdir()
    (root / "python_csv" / "people.csv").write_text(
        "id,city,score\n" + "".join(f"{i},city{i % 7},{i * 2}\n" for i in range(ROWS)))
    (root / "gzip_json").mkdir()
    with gzip.open(root / "gzip_json" / "events.json.gz", "wt") as f:
        for i in range(ROWS):
            f.write(json.dumps({"eventId": i, "kind": "click" if i % 2 else "view"}) + "\n")
    assert (root / "spark_parquet" / "_SUCCESS").exists()
    assert any(p.name.endswith(".crc") for p in (root / "spark_parquet").iterdir())
    return root


@pytest.fixture(scope="module")
def crawled(env, lake):
    """The lake crawled into `lake_db` in-process and into `lake_thrift` through the server's Thrift port."""
    target = MetahiveTarget(env.server.db_url, str(env.server.warehouse), user="crawler:e2e")
    state = CrawlState(create_engine(env.server.db_url), "e2e")
    try:
        first = crawl(CrawlOptions([str(lake)], "lake_db", crawler="e2e"), target, state)
        again = crawl(CrawlOptions([str(lake)], "lake_db", crawler="e2e"), target, state)
    finally:
        target.close()
    thrift = ThriftTarget(env.server.uri, user="crawler:e2e-thrift")
    try:
        via_thrift = crawl(CrawlOptions([lake.as_uri()], "lake_thrift", crawler="e2e-thrift"), thrift)
    finally:
        thrift.close()
    return first, again, via_thrift


def test_every_dataset_became_one_table(crawled) -> None:
    first, _again, via_thrift = crawled
    for result in (first, via_thrift):
        assert sorted(d.name for d in result.desired) == sorted(SPARK_TABLES + OTHER_TABLES)
        assert result.metrics.tables_created == len(SPARK_TABLES + OTHER_TABLES)
        assert result.metrics.partitions_created == 3 + 6
        assert result.summary()["skipped_files"] == []
        assert result.plan.ignored == {}


def test_recrawl_reads_nothing_and_changes_nothing(crawled) -> None:
    first, again, _ = crawled
    assert first.summary()["files_read"] == first.files > 0
    assert again.summary()["files_read"] == 0
    assert again.plan.items == []


@pytest.mark.parametrize("db", ["lake_db", "lake_thrift"])
@pytest.mark.parametrize("table", SPARK_TABLES)
def test_spark_written_tables_read_back(env, crawled, db, table) -> None:
    # CSV columns are typed by the classifier (amount decimal(10,1), day date): compare as double/string
    rows = env.rows(f"SELECT count(*), sum(id), CAST(sum(amount) AS DOUBLE) FROM {db}.{table}")
    assert rows == [(ROWS, ROWS * (ROWS - 1) // 2, 1.5 * ROWS * (ROWS - 1) / 2)]
    assert env.rows(f"SELECT name, CAST(amount AS DOUBLE), flag, CAST(day AS STRING) FROM {db}.{table} "
                    "WHERE id = 7") == [("name7", 10.5, False, "2024-01-02")]


@pytest.mark.parametrize("db", ["lake_db", "lake_thrift"])
def test_partitions_prune_and_count(env, crawled, db) -> None:
    assert env.rows(f"SELECT day, count(*) FROM {db}.spark_by_day GROUP BY day ORDER BY day") == [
        ("2024-01-01", 34), ("2024-01-02", 33), ("2024-01-03", 33)]
    assert env.column(f"SHOW PARTITIONS {db}.spark_by_region_day") == [
        f"region={r}/day=2024-01-0{d}" for r in ("eu", "us") for d in (1, 2, 3)]
    assert env.rows(f"SELECT count(*) FROM {db}.spark_by_region_day WHERE region = 'us' AND day = '2024-01-02'") == [
        (17,)]


@pytest.mark.parametrize("db", ["lake_db", "lake_thrift"])
def test_tables_from_other_tools_read_back(env, crawled, db) -> None:
    assert env.rows(f"SELECT count(*), max(label) FROM {db}.arrow_parquet") == [(ROWS, "l99")]
    assert env.rows(f"SELECT count(*), sum(score), min(city) FROM {db}.python_csv") == [
        (ROWS, ROWS * (ROWS - 1), "city0")]
    assert env.rows(f"SELECT count(*), sum(eventid) FROM {db}.gzip_json WHERE kind = 'click'") == [(50, 2500)]


def test_glue_parameters_on_the_tables(env, crawled) -> None:
    with env.hms() as client:
        t = client.get_table("lake_db", "spark_by_day")
        gz = client.get_table("lake_thrift", "gzip_json")
    p = t.parameters
    assert (p["classification"], p["compressionType"], p["typeOfData"], p["UPDATED_BY_CRAWLER"]) == (
        "parquet", "none", "file", "e2e")
    assert (p["recordCount"], p["objectCount"]) == (str(ROWS), "6")
    assert int(p["sizeKey"]) > 0 and p["averageRecordSize"] == str(int(p["sizeKey"]) // ROWS)
    assert p["CRAWL_RUN_ID"] == crawled[0].run_id
    assert [(k.name, k.type) for k in t.partitionKeys] == [("day", "string")]
    assert (gz.parameters["classification"], gz.parameters["compressionType"]) == ("json", "gzip")
    assert gz.parameters["UPDATED_BY_CRAWLER"] == "e2e-thrift"
