"""PySpark 4 (built-in Hive 2.3.10 client) against a real metahive server, on SQLite and PostgreSQL.

One SparkSession per backend (see ``conftest.py``); the tests run in file order and share the
``sales`` database, which the first test creates and the second-to-last drops.  Every test uses its
own tables, so a single test can also be run on its own (``-k``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hmsclient.genthrift.hive_metastore.ttypes import NoSuchObjectException
from pyspark.errors import AnalysisException

from tests.spark.conftest import SparkEnv
from tests.support.paths import local_path

pytestmark = pytest.mark.spark


def table_location(env: SparkEnv, db: str, table: str) -> Path:
    with env.hms() as c:
        return local_path(c.get_table(db, table).sd.location)


def data_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.startswith((".", "_")))


def partitions(env: SparkEnv, table: str) -> list[str]:
    return sorted(env.column(f"SHOW PARTITIONS {table}"))


def describe(env: SparkEnv, table: str) -> dict[str, str]:
    """col_name -> data_type of ``DESCRIBE TABLE EXTENDED`` (first occurrence wins)."""
    out: dict[str, str] = {}
    for row in env.sql(f"DESCRIBE TABLE EXTENDED {table}"):
        out.setdefault(row.col_name, row.data_type)
    return out


# --------------------------------------------------------------------------------------------- 1


def test_create_database(spark_env: SparkEnv) -> None:
    env = spark_env
    env.sql("CREATE DATABASE sales")
    # Exactly this backend's server: the other backend's marker database must not be visible.
    assert set(env.column("SHOW DATABASES")) == {"default", "sales", env.marker_db}
    assert env.spark.catalog.databaseExists("sales")
    assert not env.spark.catalog.databaseExists("no_such_db")
    with pytest.raises(AnalysisException) as exc:
        env.sql("CREATE DATABASE sales")
    assert exc.value.getCondition() == "SCHEMA_ALREADY_EXISTS"
    env.sql("CREATE DATABASE IF NOT EXISTS sales")
    with env.hms() as c:
        db = c.get_database("sales")
    assert db.name == "sales"
    location = local_path(db.locationUri)
    assert location.is_dir(), f"database directory {location} not created"
    assert location.resolve().is_relative_to(env.server.warehouse.resolve())


def test_default_database(spark_env: SparkEnv, sales: str) -> None:
    env = spark_env
    assert env.spark.catalog.currentDatabase() == "default"
    with env.hms() as c:
        db = c.get_database("default")
    assert local_path(db.locationUri).resolve() == env.server.warehouse.resolve()
    env.sql("CREATE TABLE in_default (id INT) USING parquet")
    env.sql("INSERT INTO in_default VALUES (42)")
    assert env.rows("SELECT * FROM default.in_default") == [(42,)]
    location = table_location(env, "default", "in_default")
    assert location.resolve() == env.server.warehouse.resolve() / "in_default"
    env.sql("USE sales")
    try:
        assert env.spark.catalog.currentDatabase() == "sales"
        assert "in_default" not in env.column("SHOW TABLES", 1)
    finally:
        env.sql("USE default")
    env.sql("DROP TABLE in_default")
    assert not location.exists()
    with pytest.raises(AnalysisException):
        env.sql("DROP DATABASE default")
    assert env.spark.catalog.databaseExists("default")


# --------------------------------------------------------------------------------------------- 2


def test_datasource_table(spark_env: SparkEnv, sales: str) -> None:
    env = spark_env
    env.sql("CREATE TABLE sales.t1 (id INT, name STRING) USING parquet")
    env.sql("INSERT INTO sales.t1 VALUES (1, 'alice'), (2, 'bob')")
    env.sql("INSERT INTO sales.t1 VALUES (3, 'carol')")
    assert env.rows("SELECT id, name FROM sales.t1 ORDER BY id") == [(1, "alice"), (2, "bob"), (3, "carol")]
    assert "t1" in env.column("SHOW TABLES IN sales", 1)
    assert env.spark.catalog.tableExists("sales.t1")

    with env.hms() as c:
        t = c.get_table("sales", "t1")
    params = t.parameters
    assert params["spark.sql.sources.provider"] == "parquet"
    assert "spark.sql.create.version" in params
    schema_json = params.get("spark.sql.sources.schema") or "".join(
        params[f"spark.sql.sources.schema.part.{i}"] for i in range(int(params["spark.sql.sources.schema.numParts"])))
    assert [(f["name"], f["type"]) for f in json.loads(schema_json)["fields"]] == [("id", "integer"), ("name", "string")]
    # Stored in the Hive-compatible form (Spark falls back to `col array<string>` if the server rejects it).
    assert [(f.name, f.type) for f in t.sd.cols] == [("id", "int"), ("name", "string")]
    assert t.sd.serdeInfo.serializationLib == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    assert t.tableType == "MANAGED_TABLE"
    location = local_path(t.sd.location)
    assert location == local_path(t.sd.serdeInfo.parameters["path"])
    assert len(data_files(location)) >= 2


def test_dataframe_writer_api(spark_env: SparkEnv, sales: str, tmp_path: Path) -> None:
    """saveAsTable / insertInto / overwrite (drop + re-create at the same default location)."""
    env = spark_env
    spark = env.spark
    df = spark.createDataFrame([(1, "a", "x"), (2, "b", "y")], "id INT, name STRING, p STRING")
    df.write.saveAsTable("sales.dfw")
    df.write.mode("append").saveAsTable("sales.dfw")
    assert spark.table("sales.dfw").count() == 4
    location = table_location(env, "sales", "dfw")
    spark.createDataFrame([(9, "z", "q")], df.schema).write.mode("overwrite").saveAsTable("sales.dfw")
    assert env.rows("SELECT id, name, p FROM sales.dfw") == [(9, "z", "q")]
    assert table_location(env, "sales", "dfw") == location
    spark.createDataFrame([(10, "w", "q")], df.schema).write.insertInto("sales.dfw")
    assert sorted(env.column("SELECT id FROM sales.dfw")) == [9, 10]

    df.write.partitionBy("p").bucketBy(2, "id").sortBy("id").saveAsTable("sales.dfw_part")
    assert partitions(env, "sales.dfw_part") == ["p=x", "p=y"]
    assert env.rows("SELECT id, name FROM sales.dfw_part WHERE p = 'y'") == [(2, "b")]
    info = describe(env, "sales.dfw_part")
    assert info["Num Buckets"] == "2" and info["Bucket Columns"] == "[`id`]"
    spark.createDataFrame([(3, "c", "x")], df.schema).write.insertInto("sales.dfw_part")
    assert sorted(env.column("SELECT id FROM sales.dfw_part WHERE p = 'x'")) == [1, 3]

    path = tmp_path / "ext_df"
    df.write.parquet(str(path))
    ext = spark.catalog.createTable("sales.dfw_ext", path=str(path), source="parquet")
    assert sorted(r.id for r in ext.collect()) == [1, 2]
    with env.hms() as c:
        assert c.get_table("sales", "dfw_ext").tableType == "EXTERNAL_TABLE"
    env.sql("DROP TABLE sales.dfw_ext")
    assert data_files(path), "dropping an external table deleted its data"


# --------------------------------------------------------------------------------------------- 3


@pytest.mark.parametrize("fmt", ["TEXTFILE", "PARQUET"])
def test_hive_serde_table_unpartitioned(spark_env: SparkEnv, sales: str, fmt: str) -> None:
    env = spark_env
    name = f"sales.hive_{fmt.lower()}"
    env.sql(f"CREATE TABLE {name} (id INT, name STRING, amount DOUBLE) STORED AS {fmt}")
    env.sql(f"INSERT INTO {name} VALUES (1, 'a', 1.5), (2, 'b', 2.5)")
    env.sql(f"INSERT INTO {name} VALUES (3, 'c', 3.5)")
    assert env.rows(f"SELECT id, name, amount FROM {name} ORDER BY id") == [
        (1, "a", 1.5), (2, "b", 2.5), (3, "c", 3.5)]
    env.sql(f"INSERT OVERWRITE TABLE {name} VALUES (9, 'z', 9.5)")
    assert env.rows(f"SELECT id, name, amount FROM {name}") == [(9, "z", 9.5)]
    with env.hms() as c:
        t = c.get_table("sales", name.split(".")[1])
    assert "spark.sql.sources.provider" not in t.parameters or t.parameters["spark.sql.sources.provider"] == "hive"
    assert [(f.name, f.type) for f in t.sd.cols] == [("id", "int"), ("name", "string"), ("amount", "double")]
    assert t.partitionKeys == []


@pytest.mark.parametrize("fmt", ["TEXTFILE", "PARQUET"])
def test_hive_serde_table_partitioned(spark_env: SparkEnv, sales: str, fmt: str) -> None:
    env = spark_env
    name = f"sales.hive_part_{fmt.lower()}"
    env.sql(f"CREATE TABLE {name} (id INT, name STRING) PARTITIONED BY (ds STRING, hr INT) STORED AS {fmt}")
    # static partition
    env.sql(f"INSERT INTO {name} PARTITION (ds='2024-01-01', hr=1) VALUES (1, 'a'), (2, 'b')")
    # dynamic partitions
    env.sql("SET hive.exec.dynamic.partition.mode=nonstrict")
    env.sql(f"INSERT INTO {name} PARTITION (ds, hr) VALUES "
            "(3, 'c', '2024-01-02', 3), (4, 'd', '2024-01-02', 4), (5, 'e', '2024-01-02', 3)")
    # mixed static/dynamic, and a second insert into an existing partition
    env.sql(f"INSERT INTO {name} PARTITION (ds='2024-01-03', hr) VALUES (6, 'f', 5)")
    env.sql(f"INSERT INTO {name} PARTITION (ds='2024-01-01', hr=1) VALUES (7, 'g')")

    assert partitions(env, name) == [
        "ds=2024-01-01/hr=1", "ds=2024-01-02/hr=3", "ds=2024-01-02/hr=4", "ds=2024-01-03/hr=5"]

    pruned = env.spark.sql(f"SELECT id, name FROM {name} WHERE ds = '2024-01-02' AND hr = 3 ORDER BY id")
    assert [tuple(r) for r in pruned.collect()] == [(3, "c"), (5, "e")]
    if fmt == "PARQUET":  # converted to a file source relation: the files actually read are listed
        files = pruned.inputFiles()
        assert files and all("/ds=2024-01-02/hr=3/" in f for f in files), files

    assert env.rows(f"SELECT id FROM {name} WHERE ds = '2024-01-01' ORDER BY id") == [(1,), (2,), (7,)]
    assert env.rows(f"SELECT id FROM {name} WHERE hr >= 4 ORDER BY id") == [(4,), (6,)]
    assert env.rows(f"SELECT id FROM {name} WHERE ds IN ('2024-01-02', '2024-01-03') AND hr <> 3 ORDER BY id") == [
        (4,), (6,)]
    assert env.rows(f"SELECT id FROM {name} WHERE ds LIKE '%-03' ORDER BY id") == [(6,)]
    assert env.rows(f"SELECT ds, hr, count(*) FROM {name} GROUP BY ds, hr ORDER BY ds, hr") == [
        ("2024-01-01", 1, 3), ("2024-01-02", 3, 2), ("2024-01-02", 4, 1), ("2024-01-03", 5, 1)]
    assert sorted(env.column(f"SHOW PARTITIONS {name} PARTITION (ds='2024-01-02')")) == [
        "ds=2024-01-02/hr=3", "ds=2024-01-02/hr=4"]

    location = table_location(env, "sales", name.split(".")[1])
    with env.hms() as c:
        part = c.get_partition("sales", name.split(".")[1], ["2024-01-02", "3"])
    assert local_path(part.sd.location) == location / "ds=2024-01-02" / "hr=3"
    assert data_files(location / "ds=2024-01-02" / "hr=3")


# --------------------------------------------------------------------------------------------- 4


def test_datasource_partitioned_table(spark_env: SparkEnv, sales: str) -> None:
    env = spark_env
    name = "sales.ds_part"
    env.sql(f"CREATE TABLE {name} (id INT, name STRING, ds STRING) USING parquet PARTITIONED BY (ds)")
    env.sql(f"INSERT INTO {name} VALUES (1, 'a', '2024-01-01'), (2, 'b', '2024-01-02'), (3, 'c', '2024-01-02')")
    env.sql(f"INSERT INTO {name} PARTITION (ds='2024-01-03') VALUES (4, 'd')")
    env.sql(f"INSERT INTO {name} PARTITION (ds='2024-01-02') VALUES (5, 'e')")
    assert partitions(env, name) == ["ds=2024-01-01", "ds=2024-01-02", "ds=2024-01-03"]

    pruned = env.spark.sql(f"SELECT id, name FROM {name} WHERE ds = '2024-01-02' ORDER BY id")
    assert [tuple(r) for r in pruned.collect()] == [(2, "b"), (3, "c"), (5, "e")]
    files = pruned.inputFiles()
    assert files and all("/ds=2024-01-02/" in f for f in files), files
    assert env.rows(f"SELECT count(*) FROM {name}") == [(5,)]
    assert env.rows(f"SELECT id FROM {name} WHERE ds > '2024-01-01' AND ds < '2024-01-03' ORDER BY id") == [
        (2,), (3,), (5,)]

    env.sql(f"INSERT OVERWRITE TABLE {name} PARTITION (ds='2024-01-02') VALUES (6, 'f')")
    assert env.rows(f"SELECT id FROM {name} WHERE ds = '2024-01-02'") == [(6,)]
    with env.hms() as c:
        t = c.get_table("sales", "ds_part")
        assert [k.name for k in t.partitionKeys] == ["ds"]
        assert t.parameters.get("spark.sql.partitionProvider") == "catalog"
        names = c.get_partition_names("sales", "ds_part", -1)
    assert sorted(names) == ["ds=2024-01-01", "ds=2024-01-02", "ds=2024-01-03"]


# --------------------------------------------------------------------------------------------- 5


def test_add_and_drop_partition(spark_env: SparkEnv, sales: str) -> None:
    env = spark_env
    name = "sales.adddrop"
    env.sql(f"CREATE TABLE {name} (id INT) PARTITIONED BY (ds STRING, hr INT) STORED AS PARQUET")
    env.sql(f"ALTER TABLE {name} ADD PARTITION (ds='2024-02-01', hr=0)")
    env.sql(f"ALTER TABLE {name} ADD IF NOT EXISTS PARTITION (ds='2024-02-01', hr=0) "
            "PARTITION (ds='2024-02-01', hr=1) PARTITION (ds='2024-02-02', hr=0)")
    assert partitions(env, name) == ["ds=2024-02-01/hr=0", "ds=2024-02-01/hr=1", "ds=2024-02-02/hr=0"]

    with pytest.raises(AnalysisException) as exc:
        env.sql(f"ALTER TABLE {name} ADD PARTITION (ds='2024-02-01', hr=1)")
    assert exc.value.getCondition() == "PARTITIONS_ALREADY_EXIST", exc.value

    env.sql(f"INSERT INTO {name} PARTITION (ds='2024-02-01', hr=1) VALUES (10), (11)")
    location = table_location(env, "sales", "adddrop")
    part_dir = location / "ds=2024-02-01" / "hr=1"
    assert data_files(part_dir)

    env.sql(f"ALTER TABLE {name} DROP PARTITION (ds='2024-02-01', hr=1)")
    assert partitions(env, name) == ["ds=2024-02-01/hr=0", "ds=2024-02-02/hr=0"]
    assert env.rows(f"SELECT count(*) FROM {name}") == [(0,)]
    assert not part_dir.exists(), "managed partition data not deleted by DROP PARTITION"

    env.sql(f"ALTER TABLE {name} DROP IF EXISTS PARTITION (ds='2024-02-01', hr=1)")
    with pytest.raises(AnalysisException) as exc:
        env.sql(f"ALTER TABLE {name} DROP PARTITION (ds='2024-02-01', hr=1)")
    assert exc.value.getCondition() == "PARTITIONS_NOT_FOUND", exc.value

    # partial spec drops every matching partition
    env.sql(f"ALTER TABLE {name} ADD PARTITION (ds='2024-02-02', hr=5)")
    env.sql(f"ALTER TABLE {name} DROP PARTITION (ds='2024-02-02')")
    assert partitions(env, name) == ["ds=2024-02-01/hr=0"]


# --------------------------------------------------------------------------------------------- 6


def test_msck_repair_table(spark_env: SparkEnv, sales: str, tmp_path: Path) -> None:
    env = spark_env
    root = tmp_path / "ext_events"
    root.mkdir()
    env.sql(f"CREATE EXTERNAL TABLE sales.ext_events (id INT, name STRING) PARTITIONED BY (ds STRING) "
            f"STORED AS PARQUET LOCATION '{root.as_uri()}'")
    assert partitions(env, "sales.ext_events") == []
    assert env.rows("SELECT count(*) FROM sales.ext_events") == [(0,)]

    schema = pa.schema([("id", pa.int32()), ("name", pa.string())])
    for ds, ids in {"2024-03-01": [1, 2], "2024-03-02": [3], "2024-03-03": [4, 5, 6]}.items():
        part = root / f"ds={ds}"
        part.mkdir()
        pq.write_table(pa.table({"id": ids, "name": [f"n{i}" for i in ids]}, schema=schema), part / "part-0.parquet")

    env.sql("MSCK REPAIR TABLE sales.ext_events")
    assert partitions(env, "sales.ext_events") == ["ds=2024-03-01", "ds=2024-03-02", "ds=2024-03-03"]
    assert env.rows("SELECT id, name, ds FROM sales.ext_events ORDER BY id") == [
        (1, "n1", "2024-03-01"), (2, "n2", "2024-03-01"), (3, "n3", "2024-03-02"),
        (4, "n4", "2024-03-03"), (5, "n5", "2024-03-03"), (6, "n6", "2024-03-03")]
    assert env.rows("SELECT id FROM sales.ext_events WHERE ds = '2024-03-02'") == [(3,)]

    # Spark's DataFrame writer, written straight to a new partition directory
    env.spark.createDataFrame([(7, "n7")], "id INT, name STRING").write.parquet(str(root / "ds=2024-03-04"))
    env.sql("MSCK REPAIR TABLE sales.ext_events")
    assert partitions(env, "sales.ext_events") == [
        "ds=2024-03-01", "ds=2024-03-02", "ds=2024-03-03", "ds=2024-03-04"]
    assert env.rows("SELECT id FROM sales.ext_events WHERE ds = '2024-03-04'") == [(7,)]

    # SYNC drops partitions whose directories disappeared (external: data untouched elsewhere)
    for f in (root / "ds=2024-03-02").iterdir():
        f.unlink()
    (root / "ds=2024-03-02").rmdir()
    env.sql("MSCK REPAIR TABLE sales.ext_events SYNC PARTITIONS")
    assert partitions(env, "sales.ext_events") == ["ds=2024-03-01", "ds=2024-03-03", "ds=2024-03-04"]
    assert env.rows("SELECT count(*) FROM sales.ext_events") == [(6,)]

    env.sql("DROP TABLE sales.ext_events")
    assert data_files(root / "ds=2024-03-01"), "DROP TABLE deleted an EXTERNAL table's data"


# --------------------------------------------------------------------------------------------- 7


def test_analyze_table(spark_env: SparkEnv, sales: str) -> None:
    env = spark_env
    env.sql("CREATE TABLE sales.stats_t (id INT, name STRING) USING parquet")
    env.sql("INSERT INTO sales.stats_t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')")
    env.sql("ANALYZE TABLE sales.stats_t COMPUTE STATISTICS")
    stats = describe(env, "sales.stats_t").get("Statistics")
    assert stats is not None and stats.endswith(" bytes, 4 rows"), stats
    with env.hms() as c:
        params = c.get_table("sales", "stats_t").parameters
    assert params["spark.sql.statistics.numRows"] == "4"
    assert int(params["spark.sql.statistics.totalSize"]) > 0
    assert stats == f"{params['spark.sql.statistics.totalSize']} bytes, 4 rows"

    env.sql("ANALYZE TABLE sales.stats_t COMPUTE STATISTICS FOR COLUMNS id")
    with env.hms() as c:
        params = c.get_table("sales", "stats_t").parameters
    assert params["spark.sql.statistics.colStats.id.max"] == "4"
    assert params["spark.sql.statistics.colStats.id.distinctCount"] == "4"
    col = {r.info_name: r.info_value for r in env.sql("DESCRIBE EXTENDED sales.stats_t id")}
    assert col["min"] == "1" and col["max"] == "4"

    # equi-height histograms are stored as long (compressed, base64) table parameters
    env.sql("SET spark.sql.statistics.histogram.enabled=true")
    try:
        env.sql("ANALYZE TABLE sales.stats_t COMPUTE STATISTICS FOR ALL COLUMNS")
    finally:
        env.sql("SET spark.sql.statistics.histogram.enabled=false")
    with env.hms() as c:
        params = c.get_table("sales", "stats_t").parameters
    assert params["spark.sql.statistics.colStats.name.distinctCount"] == "4"
    assert params["spark.sql.statistics.colStats.id.histogram"]
    col = {r.info_name: r.info_value for r in env.sql("DESCRIBE EXTENDED sales.stats_t id")}
    assert col["histogram"].startswith("height: "), col


def test_analyze_partitioned_table(spark_env: SparkEnv, sales: str) -> None:
    env = spark_env
    env.sql("CREATE TABLE sales.stats_p (id INT) PARTITIONED BY (ds STRING) STORED AS PARQUET")
    env.sql("INSERT INTO sales.stats_p PARTITION (ds='a') VALUES (1), (2), (3)")
    env.sql("INSERT INTO sales.stats_p PARTITION (ds='b') VALUES (4)")
    env.sql("ANALYZE TABLE sales.stats_p PARTITION (ds) COMPUTE STATISTICS")
    part_stats = {r.col_name: r.data_type for r in env.sql("DESCRIBE TABLE EXTENDED sales.stats_p PARTITION (ds='a')")}
    assert part_stats.get("Partition Statistics", "").endswith(" bytes, 3 rows"), part_stats
    with env.hms() as c:
        part = c.get_partition("sales", "stats_p", ["b"])
    assert part.parameters["spark.sql.statistics.numRows"] == "1"
    env.sql("ANALYZE TABLE sales.stats_p COMPUTE STATISTICS")
    assert describe(env, "sales.stats_p")["Statistics"].endswith(" bytes, 4 rows")


# --------------------------------------------------------------------------------------------- 8


@pytest.mark.parametrize("kind", ["datasource", "hive"])
def test_rename_table(spark_env: SparkEnv, sales: str, kind: str) -> None:
    env = spark_env
    old, new = f"ren_{kind}_old", f"ren_{kind}_new"
    using = "USING parquet" if kind == "datasource" else "STORED AS PARQUET"
    env.sql(f"CREATE TABLE sales.{old} (id INT, name STRING) {using}")
    env.sql(f"INSERT INTO sales.{old} VALUES (1, 'x'), (2, 'y')")
    old_dir = table_location(env, "sales", old)
    assert data_files(old_dir)

    env.sql(f"ALTER TABLE sales.{old} RENAME TO sales.{new}")
    assert not env.spark.catalog.tableExists(f"sales.{old}")
    assert env.spark.catalog.tableExists(f"sales.{new}")
    tables = env.column("SHOW TABLES IN sales", 1)
    assert new in tables and old not in tables
    assert env.rows(f"SELECT id, name FROM sales.{new} ORDER BY id") == [(1, "x"), (2, "y")]

    with env.hms() as c:
        with pytest.raises(NoSuchObjectException):
            c.get_table("sales", old)
        t = c.get_table("sales", new)
    new_dir = local_path(t.sd.location)
    assert new_dir == old_dir.parent / new
    assert new_dir.is_dir() and data_files(new_dir), "managed table directory not moved on rename"
    assert not old_dir.exists(), "old managed table directory still exists after rename"
    if kind == "datasource":
        assert local_path(t.sd.serdeInfo.parameters["path"]) == new_dir

    env.sql(f"INSERT INTO sales.{new} VALUES (3, 'z')")
    assert env.rows(f"SELECT count(*) FROM sales.{new}") == [(3,)]


# --------------------------------------------------------------------------------------------- 9


@pytest.mark.parametrize("kind", ["datasource", "hive"])
def test_add_columns(spark_env: SparkEnv, sales: str, kind: str) -> None:
    env = spark_env
    name = f"sales.addcol_{kind}"
    using = "USING parquet" if kind == "datasource" else "STORED AS PARQUET"
    env.sql(f"CREATE TABLE {name} (id INT, name STRING) {using}")
    env.sql(f"INSERT INTO {name} VALUES (1, 'a')")
    env.sql(f"ALTER TABLE {name} ADD COLUMNS (extra STRING COMMENT 'added later')")
    cols = [(r.col_name, r.data_type) for r in env.sql(f"DESCRIBE TABLE {name}")]
    assert cols == [("id", "int"), ("name", "string"), ("extra", "string")]
    env.sql(f"INSERT INTO {name} VALUES (2, 'b', 'more')")
    assert env.rows(f"SELECT id, name, extra FROM {name} ORDER BY id") == [(1, "a", None), (2, "b", "more")]
    with env.hms() as c:
        t = c.get_table("sales", name.split(".")[1])
    assert [(f.name, f.type) for f in t.sd.cols] == [("id", "int"), ("name", "string"), ("extra", "string")]
    assert t.sd.cols[2].comment == "added later"


# -------------------------------------------------------------------------------------------- 10


def test_views(spark_env: SparkEnv, sales: str) -> None:
    env = spark_env
    env.sql("CREATE TABLE sales.view_base (id INT, name STRING) USING parquet")
    env.sql("INSERT INTO sales.view_base VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    env.sql("CREATE VIEW sales.v_big AS SELECT id, upper(name) AS uname FROM sales.view_base WHERE id > 1")
    assert env.rows("SELECT id, uname FROM sales.v_big ORDER BY id") == [(2, "B"), (3, "C")]
    views = [(r.namespace, r.viewName, r.isTemporary) for r in env.sql("SHOW VIEWS IN sales")]
    assert views == [("sales", "v_big", False)]
    assert "v_big" in env.column("SHOW TABLES IN sales", 1)
    with env.hms() as c:
        t = c.get_table("sales", "v_big")
    assert t.tableType == "VIRTUAL_VIEW"
    assert "view_base" in (t.viewExpandedText or t.viewOriginalText or "")

    env.sql("CREATE OR REPLACE VIEW sales.v_big AS SELECT id FROM sales.view_base WHERE id > 2")
    assert env.rows("SELECT * FROM sales.v_big") == [(3,)]
    env.sql("DROP VIEW sales.v_big")
    assert [r.viewName for r in env.sql("SHOW VIEWS IN sales")] == []
    assert env.rows("SELECT count(*) FROM sales.view_base") == [(3,)]


# -------------------------------------------------------------------------------------------- 11


@pytest.mark.parametrize("kind", ["datasource", "hive"])
def test_drop_managed_table_removes_directory(spark_env: SparkEnv, sales: str, kind: str) -> None:
    env = spark_env
    name = f"drop_me_{kind}"
    using = "USING parquet" if kind == "datasource" else "STORED AS TEXTFILE"
    env.sql(f"CREATE TABLE sales.{name} (id INT) {using}")
    env.sql(f"INSERT INTO sales.{name} VALUES (1), (2)")
    location = table_location(env, "sales", name)
    assert data_files(location)
    env.sql(f"DROP TABLE sales.{name}")
    assert not env.spark.catalog.tableExists(f"sales.{name}")
    assert name not in env.column("SHOW TABLES IN sales", 1)
    assert not location.exists(), "managed table directory not removed by DROP TABLE"
    # the same name can be created again at the same default location and starts empty
    env.sql(f"CREATE TABLE sales.{name} (id INT) {using}")
    assert env.rows(f"SELECT count(*) FROM sales.{name}") == [(0,)]
    env.sql(f"DROP TABLE sales.{name}")


# -------------------------------------------------------------------------------------------- 12


def test_missing_table(spark_env: SparkEnv, sales: str) -> None:
    env = spark_env
    assert not env.spark.catalog.tableExists("sales.nope")
    assert not env.spark.catalog.tableExists("no_such_db.nope")
    with pytest.raises(AnalysisException) as exc:
        env.sql("SELECT * FROM sales.nope")
    assert exc.value.getCondition() == "TABLE_OR_VIEW_NOT_FOUND", exc.value
    with pytest.raises(AnalysisException) as exc:
        env.sql("DROP TABLE sales.nope")
    assert exc.value.getCondition() == "TABLE_OR_VIEW_NOT_FOUND", exc.value
    env.sql("DROP TABLE IF EXISTS sales.nope")
    with pytest.raises(AnalysisException) as exc:
        env.sql("DROP DATABASE sales")  # not empty, no CASCADE
    assert exc.value.getCondition() == "SCHEMA_NOT_EMPTY", exc.value


# -------------------------------------------------------------------------------------------- 13


def test_drop_database_cascade(spark_env: SparkEnv, sales: str) -> None:
    env = spark_env
    env.sql("CREATE TABLE IF NOT EXISTS sales.last_one (id INT) USING parquet")
    env.sql("INSERT INTO sales.last_one VALUES (1)")
    with env.hms() as c:
        db_dir = local_path(c.get_database("sales").locationUri)
    assert db_dir.is_dir()
    env.sql("DROP DATABASE sales CASCADE")
    assert set(env.column("SHOW DATABASES")) == {"default", env.marker_db}
    assert not env.spark.catalog.databaseExists("sales")
    assert not env.spark.catalog.tableExists("sales.last_one")
    with env.hms() as c:
        with pytest.raises(NoSuchObjectException):
            c.get_database("sales")
    assert not db_dir.exists(), "database directory not removed by DROP DATABASE CASCADE"


def test_no_local_derby_metastore(spark_env: SparkEnv) -> None:
    """With hive.metastore.uris set, Spark must not have created an embedded Derby metastore."""
    env = spark_env
    conf = env.spark.sparkContext._jsc.hadoopConfiguration()
    assert conf.get("hive.metastore.uris") == env.server.uri
    assert env.spark.conf.get("spark.sql.hive.metastore.version") == "2.3.10"
    assert env.spark.conf.get("spark.sql.catalogImplementation") == "hive"
    for d in (env.workdir, env.derby_home):
        assert not (d / "metastore_db").exists(), f"Derby metastore created in {d}"
        assert not (d / "derby.log").exists(), f"Derby started in {d}"
    assert not (env.workdir / "spark-warehouse").exists()
