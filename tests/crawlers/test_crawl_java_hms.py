"""``metahive crawl --metastore thrift://…`` into the real Java Hive Metastore 2.3.10 (issue 5).

One Java HMS (embedded Derby, jars from the pyspark wheel) serves the module; the crawler runs as
users run it (the CLI), the tables are read back with hmsclient, and one Spark session reads a
crawled table through the same server.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hmsclient import hmsclient

from tests.support.java_hms import QUICK_START_JVM, JavaHms, java_hms_missing, start_java_hms_derby

PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
LAZY_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
DAYS = ("2024-01-01", "2024-01-02")


@pytest.fixture(scope="module")
def java_hms(tmp_path_factory) -> JavaHms:
    missing = java_hms_missing()
    if missing:
        pytest.skip(f"the Java Hive Metastore cannot run here: {missing}")
    server = start_java_hms_derby(tmp_path_factory.mktemp("java-hms"))
    yield server
    server.stop()


def metahive(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metastore.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200"})


def crawl(java_hms: JavaHms, lake: Path, database: str, *args: str) -> dict:
    out = metahive("crawl", str(lake), "--database", database, "--metastore", java_hms.uri, "--name", "jhms",
                   "--json", *args, cwd=lake.parent)
    assert out.returncode == 0, f"{out.stderr}\n--- Java HMS log tail ---\n{java_hms.log()[-3000:]}"
    return json.loads(out.stdout)


def write_sales_day(lake: Path, day: str, **extra: list) -> None:
    folder = lake / "sales" / f"day={day}"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"id": [1, 2, 3], "amount": [1.5, 2.5, 3.5], "item": ["a", "b", "c"], **extra}),
                   folder / "part-0.parquet")
    (folder / "_SUCCESS").write_text("")


def make_lake(root: Path) -> Path:
    """Partitioned Parquet (sales/day=…), a CSV folder and a JSON-lines folder."""
    lake = root / "lake"
    for day in DAYS:
        write_sales_day(lake, day)
    (lake / "customers").mkdir(parents=True)
    (lake / "customers" / "c.csv").write_text("id,name,city\n1,ann,oslo\n2,bob,rome\n3,cy,lima\n")
    (lake / "events").mkdir()
    (lake / "events" / "e.json").write_text(
        "".join(json.dumps({"id": i, "kind": "click", "ts": "2024-01-01"}) + "\n" for i in range(4)))
    return lake


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Path:
    return make_lake(tmp_path_factory.mktemp("jhms-lake"))


@pytest.fixture(scope="module")
def crawled(java_hms, lake) -> tuple[dict, dict]:
    """The lake crawled into database ``lake``, then crawled again unchanged."""
    return crawl(java_hms, lake, "lake"), crawl(java_hms, lake, "lake")


def client(java_hms: JavaHms) -> hmsclient.HMSClient:
    return hmsclient.HMSClient(host="127.0.0.1", port=java_hms.port)


def columns(cols) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(c.name, c.type) for c in cols]


def test_crawl_creates_tables_and_partitions(crawled) -> None:
    first, again = crawled
    assert first["plan"] == {"create_table": 3, "add_partitions": 2}
    assert first["metrics"]["tables_created"] == 3 and first["metrics"]["partitions_created"] == 2
    assert first["errors"] == [] and first["files_listed"] == 4 and first["files_read"] == 4  # _SUCCESS is not listed
    # the Java server adds its own parameters (transient_lastDdlTime, numFiles, totalSize): no spurious updates
    assert (again["plan"], again["metrics"]["tables_updated"], again["metrics"]["partitions_updated"]) == ({}, 0, 0)


def test_tables_columns_and_formats_read_back(java_hms, crawled, lake) -> None:
    with client(java_hms) as c:
        assert sorted(c.get_all_tables("lake")) == ["customers", "events", "sales"]
        sales, customers, events = (c.get_table("lake", t) for t in ("sales", "customers", "events"))
    for table, name in ((sales, "sales"), (customers, "customers"), (events, "events")):
        assert table.tableType == "EXTERNAL_TABLE" and table.parameters["EXTERNAL"] == "TRUE"
        assert table.sd.location == f"file:{lake / name}"
    assert columns(sales.sd.cols) == [("id", "bigint"), ("amount", "double"), ("item", "string")]
    assert columns(sales.partitionKeys) == [("day", "string")]
    assert (sales.sd.serdeInfo.serializationLib, sales.sd.inputFormat, sales.sd.outputFormat) == (
        PARQUET_SERDE, "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat")
    assert columns(customers.sd.cols) == [("id", "int"), ("name", "string"), ("city", "string")]
    assert customers.partitionKeys == []
    assert (customers.sd.serdeInfo.serializationLib, customers.sd.inputFormat, customers.sd.outputFormat) == (
        LAZY_SERDE, TEXT_INPUT, TEXT_OUTPUT)
    assert customers.sd.serdeInfo.parameters["field.delim"] == ","
    assert columns(events.sd.cols) == [("id", "int"), ("kind", "string"), ("ts", "string")]
    assert (events.sd.serdeInfo.serializationLib, events.sd.inputFormat) == (JSON_SERDE, TEXT_INPUT)
    assert events.sd.serdeInfo.parameters["paths"] == "id,kind,ts"


def test_glue_parameters_on_tables(java_hms, crawled) -> None:
    first, _again = crawled
    with client(java_hms) as c:
        params = {t: c.get_table("lake", t).parameters for t in ("sales", "customers", "events")}
    expected = {
        "sales": ("parquet", "2", "6"),
        "customers": ("csv", "1", "3"),
        "events": ("json", "1", "4"),
    }
    for name, (classification, objects, records) in expected.items():
        p = params[name]
        assert (p["classification"], p["objectCount"], p["recordCount"]) == (classification, objects, records), name
        assert (p["compressionType"], p["typeOfData"], p["UPDATED_BY_CRAWLER"]) == ("none", "file", "jhms")
        assert p["CRAWL_RUN_ID"] == first["run_id"]
        assert p["CrawlerSchemaDeserializerVersion"] == p["CrawlerSchemaSerializerVersion"] == "1.0"
        assert int(p["sizeKey"]) > 0 and int(p["averageRecordSize"]) > 0
    assert (params["customers"]["delimiter"], params["customers"]["skip.header.line.count"]) == (",", "1")


def test_partitions_values_locations_and_statistics(java_hms, crawled, lake) -> None:
    with client(java_hms) as c:
        parts = sorted(c.get_partitions("lake", "sales", -1), key=lambda p: p.values)
        names = c.get_partition_names("lake", "sales", -1)
    assert sorted(names) == [f"day={d}" for d in DAYS]
    assert [p.values for p in parts] == [[d] for d in DAYS]
    for p, day in zip(parts, DAYS, strict=True):
        assert p.sd.location == f"file:{lake / 'sales' / f'day={day}'}"
        assert columns(p.sd.cols) == [("id", "bigint"), ("amount", "double"), ("item", "string")]
        assert p.sd.serdeInfo.serializationLib == PARQUET_SERDE
        assert (p.parameters["classification"], p.parameters["recordCount"], p.parameters["objectCount"]) == (
            "parquet", "3", "1")
        assert p.parameters["UPDATED_BY_CRAWLER"] == "jhms"


def test_dry_run_prints_the_plan_and_writes_nothing(java_hms, tmp_path) -> None:
    lake = make_lake(tmp_path)
    out = metahive("crawl", str(lake), "--database", "lake_dry", "--metastore", java_hms.uri, "--dry-run",
                   cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "plan for database lake_dry: add_partitions 2, create_table 3"
    assert any(line.startswith("  create_table         sales: new table (2/2 folders have similar schemas")
               for line in lines)
    assert f"      partitions: day={DAYS[0]}, day={DAYS[1]}" in lines
    with client(java_hms) as c:
        assert "lake_dry" not in c.get_all_databases()


def test_recrawl_adds_partition_and_column_and_deprecates_a_removed_folder(java_hms, tmp_path) -> None:
    lake = make_lake(tmp_path)
    crawl(java_hms, lake, "lake_inc")
    write_sales_day(lake, "2024-01-03", discount=[0.1, 0.2, 0.3])
    shutil.rmtree(lake / "customers")
    second = crawl(java_hms, lake, "lake_inc")
    assert second["plan"] == {"update_table": 1, "add_partitions": 1, "update_partitions": 2,
                              "deprecate_table": 1}
    assert second["metrics"] == {"tables_created": 0, "tables_updated": 1, "tables_deprecated": 1,
                                 "tables_deleted": 0, "partitions_created": 1, "partitions_updated": 2,
                                 "partitions_deprecated": 0, "partitions_deleted": 0}
    with client(java_hms) as c:
        sales = c.get_table("lake_inc", "sales")
        parts = {p.values[0]: p for p in c.get_partitions("lake_inc", "sales", -1)}
        customers = c.get_table("lake_inc", "customers")
    assert columns(sales.sd.cols) == [("id", "bigint"), ("amount", "double"), ("item", "string"),
                                      ("discount", "double")]
    assert (sales.parameters["objectCount"], sales.parameters["recordCount"]) == ("3", "9")
    assert sales.parameters["CRAWL_RUN_ID"] == second["run_id"]
    assert sorted(parts) == [*DAYS, "2024-01-03"]
    assert parts["2024-01-03"].sd.location == f"file:{lake / 'sales' / 'day=2024-01-03'}"
    # older partitions take the table's columns and record the ones their files really have
    assert columns(parts[DAYS[0]].sd.cols) == columns(sales.sd.cols)
    assert json.loads(parts[DAYS[0]].parameters["crawler.partition.columns"]) == [
        "id:bigint", "amount:double", "item:string"]
    assert "crawler.partition.columns" not in parts["2024-01-03"].parameters
    assert int(customers.parameters["DEPRECATED_BY_CRAWLER"]) > 0


def test_hand_edits_survive_and_removed_data_is_deleted(java_hms, tmp_path) -> None:
    """DELETE_FROM_DATABASE drops partitions by name (escaped as Hive escapes them) and tables."""
    lake = tmp_path / "lake"
    for city in ("oslo", "x%2Fy", "k:1"):  # 'x%2Fy' is the folder of value 'x/y'
        (lake / "visits" / f"city={city}").mkdir(parents=True)
        pq.write_table(pa.table({"id": [1, 2]}), lake / "visits" / f"city={city}" / "p.parquet")
    (lake / "notes").mkdir()
    (lake / "notes" / "n.csv").write_text("id,text\n1,hello\n2,world\n")
    crawl(java_hms, lake, "lake_del")
    with client(java_hms) as c:
        assert sorted(c.get_partition_names("lake_del", "visits", -1)) == ["city=k%3A1", "city=oslo", "city=x%2Fy"]
        notes = c.get_table("lake_del", "notes")
        notes.sd.cols[1].comment = "free text"
        notes.parameters["owner"] = "docs team"
        c.alter_table("lake_del", "notes", notes)
    unchanged = crawl(java_hms, lake, "lake_del")
    assert unchanged["plan"] == {}  # the edits are not undone
    for city in ("x%2Fy", "k:1"):
        shutil.rmtree(lake / "visits" / f"city={city}")
    (lake / "notes" / "n.csv").unlink()
    deleted = crawl(java_hms, lake, "lake_del", "--delete-behavior", "DELETE_FROM_DATABASE")
    assert (deleted["metrics"]["partitions_deleted"], deleted["metrics"]["tables_deleted"]) == (2, 1)
    with client(java_hms) as c:
        assert c.get_all_tables("lake_del") == ["visits"]
        assert [p.values for p in c.get_partitions("lake_del", "visits", -1)] == [["oslo"]]


def test_refused_column_type_change_says_what_to_do(java_hms, tmp_path) -> None:
    """The Java HMS compares column types by position; the crawler explains the refusal and the way out."""
    lake = tmp_path / "lake"
    (lake / "stock").mkdir(parents=True)
    pq.write_table(pa.table({"id": [1, 2], "amount": [1.5, 2.5], "item": ["a", "b"]}), lake / "stock" / "a.parquet")
    crawl(java_hms, lake, "lake_types")
    (lake / "stock" / "a.parquet").unlink()
    pq.write_table(pa.table({"id": [1, 2], "item": ["a", "b"], "qty": [3, 4]}), lake / "stock" / "b.parquet")
    out = metahive("crawl", str(lake), "--database", "lake_types", "--metastore", java_hms.uri, cwd=tmp_path)
    assert out.returncode == 1
    assert ("error: update_table stock failed: TargetError: the metastore refused the new columns of "
            "lake_types.stock: it compares column types by position "
            "(hive.metastore.disallow.incompatible.col.type.changes=true) and qty would change incompatibly. "
            "Crawl with --update-behavior MERGE_NEW_COLUMNS") in " ".join(out.stderr.split())
    merged = crawl(java_hms, lake, "lake_types", "--update-behavior", "MERGE_NEW_COLUMNS")
    assert merged["metrics"]["tables_updated"] == 1
    with client(java_hms) as c:
        assert columns(c.get_table("lake_types", "stock").sd.cols) == [
            ("id", "bigint"), ("amount", "double"), ("item", "string"), ("qty", "bigint")]


def test_wide_partitioned_tables_fit_hives_partition_parameter_limit(java_hms, tmp_path) -> None:
    """The Java HMS stores partition parameters in VARCHAR(4000): long values are split or left to the table."""
    fastavro = pytest.importorskip("fastavro")
    lake = tmp_path / "lake"
    names = [f"measurement_column_{i:03d}" for i in range(200)]  # ~5,000 characters of column list
    for day in ("1", "2"):
        (lake / "wide" / f"day={day}").mkdir(parents=True)
        pq.write_table(pa.table({n: [1, 2] for n in names}), lake / "wide" / f"day={day}" / "p.parquet")
        (lake / "wide_avro" / f"day={day}").mkdir(parents=True)
        schema = {"type": "record", "name": "r", "fields": [{"name": n, "type": "long"} for n in names]}
        with open(lake / "wide_avro" / f"day={day}" / "a.avro", "wb") as f:
            fastavro.writer(f, schema, [dict.fromkeys(names, 1)])
    (lake / "wide" / "day=3").mkdir()
    pq.write_table(pa.table({n: [1] for n in [*names, "extra"]}), lake / "wide" / "day=3" / "p.parquet")
    first = crawl(java_hms, lake, "lake_wide")
    assert first["metrics"]["partitions_created"] == 5
    assert crawl(java_hms, lake, "lake_wide")["plan"] == {}
    with client(java_hms) as c:
        wide = {p.values[0]: p for p in c.get_partitions("lake_wide", "wide", -1)}
        avro = c.get_partitions("lake_wide", "wide_avro", -1)
        avro_table = c.get_table("lake_wide", "wide_avro")
    params = wide["1"].parameters
    assert "crawler.partition.columns" not in params and params["crawler.partition.columns.numParts"] == "2"
    joined = "".join(params[f"crawler.partition.columns.part.{i}"] for i in range(2))
    assert json.loads(joined) == [f"{n}:bigint" for n in names]
    assert not any(k.startswith("crawler.partition.columns") for k in wide["3"].parameters)
    literal = avro_table.parameters["avro.schema.literal"]
    assert len(literal) > 4000 and len(avro) == 2
    for p in avro:  # the partition's SerDe still has the schema; its own parameters leave it to the table
        assert p.sd.serdeInfo.parameters["avro.schema.literal"] == literal
        assert "avro.schema.literal" not in p.parameters and p.parameters["classification"] == "avro"


def test_database_source_location_refused_with_advice(java_hms, tmp_path) -> None:
    """The Java HMS checks locations with Hadoop's FileSystem; a database URL is not one (metahive takes it)."""
    import sqlite3

    with sqlite3.connect(tmp_path / "shop.db") as conn:
        conn.execute("CREATE TABLE items (id INTEGER, name TEXT)")
    out = metahive("crawl", f"sqlite:///{tmp_path / 'shop.db'}", "--database", "lake_sql", "--metastore", java_hms.uri,
                   cwd=tmp_path)
    assert out.returncode == 1
    assert (f"error: create_table main_items failed: TargetError: the metastore cannot use location "
            f"sqlite:{tmp_path / 'shop.db'}/items of lake_sql.main_items: it checks table locations with Hadoop's "
            "FileSystem, which has no 'sqlite' scheme there.") in " ".join(out.stderr.split())
    assert "can only be crawled into metahive (--db or a metahive server)" in " ".join(out.stderr.split())
    with client(java_hms) as c:
        assert c.get_all_tables("lake_sql") == []


SPARK_READ = """
import json, sys
from pyspark.sql import SparkSession
uri, warehouse, jvm_options, *queries = sys.argv[1:]
spark = (SparkSession.builder.master("local[1]").appName("crawl-java-hms")
         .config("spark.sql.catalogImplementation", "hive").config("spark.hadoop.hive.metastore.uris", uri)
         .config("spark.sql.warehouse.dir", warehouse).config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false").config("spark.driver.host", "127.0.0.1")
         .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.extraJavaOptions", jvm_options)
         .enableHiveSupport().getOrCreate())
print(json.dumps([[list(r) for r in spark.sql(q).collect()] for q in queries]))
spark.stop()
"""


def test_spark_reads_crawled_tables_through_the_java_hms(java_hms, crawled, tmp_path) -> None:
    pytest.importorskip("pyspark")
    out = subprocess.run(
        [sys.executable, "-c", SPARK_READ, java_hms.uri, tmp_path.as_uri(), " ".join(QUICK_START_JVM),
         "SELECT count(*), sum(amount), count(DISTINCT day) FROM lake.sales",
         f"SELECT count(*) FROM lake.sales WHERE day = '{DAYS[1]}'",
         "SELECT count(*), max(city) FROM lake.customers"],
        cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.splitlines()[-1]) == [[[6, 15.0, 2]], [[3]], [[3, "rome"]]]
    assert not (tmp_path / "metastore_db").exists()  # Spark used the Java HMS, not a local Derby of its own
