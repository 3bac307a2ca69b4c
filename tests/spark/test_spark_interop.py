"""PySpark 4 interoperability through the metastore: column statistics from ANALYZE, views altered
by Spark, and permanent Hive UDFs (a GenericUDF from the hive-exec jar inside the pyspark wheel).

What Spark actually sends for ``ANALYZE TABLE ... COMPUTE STATISTICS FOR COLUMNS``: its Hive 2.3
client never calls the metastore's column-statistics methods; ``HiveExternalCatalog.alterTableStats``
writes ``spark.sql.statistics.colStats.<col>.*`` table parameters with
``alter_table_with_environment_context``, and ``DESCRIBE EXTENDED t col`` reads them back. The tests
check both halves: the parameters and DESCRIBE output, and that the HMS statistics tables stay
empty (so statistics Trino writes through the HMS API and Spark's never mix).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyspark
import pytest
from hive_metastore import ThriftHiveMetastore
from hive_metastore import ttypes as T4
from pyspark.errors import AnalysisException
from thrift.protocol import TBinaryProtocol
from thrift.transport import TSocket, TTransport

from tests.spark.conftest import SparkEnv
from tests.support.server import RunningServer, start_server

pytestmark = pytest.mark.spark

DB = "interop"
HIVE_EXEC_JAR = next((Path(pyspark.__file__).parent / "jars").glob("hive-exec-*-core.jar"), None)
LEVENSHTEIN = "org.apache.hadoop.hive.ql.udf.generic.GenericUDFLevenshtein"
CALL_RE = re.compile(r"slow call (\w+) ")


@pytest.fixture(scope="module")
def server(make_db_url, tmp_path_factory) -> Iterator[RunningServer]:
    """SQLite only: a Spark JVM costs about a minute per backend, and what this module adds on the
    server side (column statistics) runs on both backends in tests/contract/test_statistics.py.
    A slow-call threshold of 1 µs logs every call ("slow call <method> ..."), so tests see what Spark sent."""
    workdir = tmp_path_factory.mktemp("server-interop")
    server = start_server(make_db_url("sqlite"), workdir / "warehouse", workdir, extra_args=("--slow-rpc-ms", "0.001"))
    yield server
    server.stop()


def methods_called(server: RunningServer, since: int) -> list[str]:
    """Thrift methods the server answered after log offset ``since`` (in order)."""
    return CALL_RE.findall(server.log()[since:])


@pytest.fixture
def interop(spark_env: SparkEnv) -> str:
    spark_env.sql(f"CREATE DATABASE IF NOT EXISTS {DB}")
    return DB


def hive4_table_stats(env: SparkEnv, table: str, cols: list[str]) -> list:
    """The HMS column statistics of a table, read with the Hive 4 bindings (as Trino/Hive would)."""
    sock = TSocket.TSocket(env.server.host, env.server.port)
    transport = TTransport.TBufferedTransport(sock)
    transport.open()
    try:
        client = ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocol(transport))
        req = T4.TableStatsRequest(dbName=DB, tblName=table, colNames=cols, engine="hive")
        return client.get_table_statistics_req(req).tableStats
    finally:
        transport.close()


def column_description(env: SparkEnv, table: str, col: str) -> dict[str, str]:
    return {r.info_name: r.info_value for r in env.sql(f"DESCRIBE EXTENDED {DB}.{table} {col}")}


# ------------------------------------------------------------------------------ statistics


def test_analyze_columns_round_trips_hive_serde_table(spark_env: SparkEnv, interop: str) -> None:
    env = spark_env
    env.sql(f"CREATE TABLE {DB}.scores (id INT, name STRING, score DOUBLE) STORED AS PARQUET")
    env.sql(f"INSERT INTO {DB}.scores VALUES (1, 'ann', 1.5), (2, 'bob', NULL), (3, NULL, 7.25), (4, 'cy', 2.0)")
    since = len(env.server.log())
    env.sql(f"ANALYZE TABLE {DB}.scores COMPUTE STATISTICS FOR COLUMNS id, name, score")
    called = set(methods_called(env.server, since))
    assert "alter_table_with_environment_context" in called, called
    assert called <= {"get_database", "get_table", "alter_table_with_environment_context"}, called
    with env.hms() as c:
        params = c.get_table(DB, "scores").parameters
    assert params["spark.sql.statistics.numRows"] == "4"
    assert {k: params[f"spark.sql.statistics.colStats.id.{k}"] for k in ("min", "max", "nullCount", "distinctCount")} == {
        "min": "1", "max": "4", "nullCount": "0", "distinctCount": "4"}
    assert params["spark.sql.statistics.colStats.name.nullCount"] == "1"
    assert params["spark.sql.statistics.colStats.name.maxLen"] == "3"
    assert params["spark.sql.statistics.colStats.score.max"] == "7.25"
    id_col = column_description(env, "scores", "id")
    assert (id_col["data_type"], id_col["min"], id_col["max"], id_col["num_nulls"], id_col["distinct_count"]) == (
        "int", "1", "4", "0", "4")
    name_col = column_description(env, "scores", "name")
    assert (name_col["num_nulls"], name_col["max_col_len"], name_col["distinct_count"]) == ("1", "3", "3")
    assert (column_description(env, "scores", "score")["min"], column_description(env, "scores", "score")["max"]) == (
        "1.5", "7.25")
    # Spark kept them in table parameters only: the HMS column-statistics API was not called.
    assert hive4_table_stats(env, "scores", ["id", "name", "score"]) == []
    # The cost-based optimizer plans a new query with them (row count and id's range from the catalog).
    env.sql("SET spark.sql.cbo.enabled=true")
    try:
        stats = env.spark.sql(f"SELECT * FROM {DB}.scores")._jdf.queryExecution().optimizedPlan().stats()
        assert stats.rowCount().get() == 4
        # ColumnStat(distinctCount, min, max, nullCount, avgLen, maxLen, histogram, version)
        assert "ColumnStat(Some(4),Some(1),Some(4),Some(0)," in stats.attributeStats().toString()
    finally:
        env.sql("SET spark.sql.cbo.enabled=false")

    # Statistics travel with a rename.
    env.sql(f"ALTER TABLE {DB}.scores RENAME TO {DB}.scores2")
    assert column_description(env, "scores2", "id")["max"] == "4"
    env.sql(f"DROP TABLE {DB}.scores2")


def test_hms_statistics_written_by_others_do_not_disturb_spark(spark_env: SparkEnv, interop: str) -> None:
    """Trino-style statistics through the HMS API live beside Spark's table parameters."""
    env = spark_env
    env.sql(f"CREATE TABLE {DB}.mixed (id BIGINT, tag STRING) STORED AS PARQUET")
    env.sql(f"INSERT INTO {DB}.mixed VALUES (10, 'x'), (20, 'y')")
    with env.hms() as c:  # Hive 2.3 bindings, as Spark's own client would send it
        from hmsclient.genthrift.hive_metastore import ttypes as T23

        long_stats = T23.LongColumnStatsData(lowValue=10, highValue=20, numNulls=0, numDVs=2)
        obj = T23.ColumnStatisticsObj(colName="id", colType="bigint",
                                      statsData=T23.ColumnStatisticsData(longStats=long_stats))
        desc = T23.ColumnStatisticsDesc(isTblLevel=True, dbName=DB, tableName="mixed")
        assert c.update_table_column_statistics(T23.ColumnStatistics(statsDesc=desc, statsObj=[obj]))
    env.sql(f"ANALYZE TABLE {DB}.mixed COMPUTE STATISTICS FOR COLUMNS id")
    assert column_description(env, "mixed", "id")["max"] == "20"
    (stats,) = hive4_table_stats(env, "mixed", ["id"])
    assert (stats.colName, stats.statsData.longStats.highValue, stats.statsData.longStats.numDVs) == ("id", 20, 2)
    # Spark's INSERT rewrites the table (alter_table): same columns, so the HMS statistics stay.
    env.sql(f"INSERT INTO {DB}.mixed VALUES (30, 'z')")
    assert len(hive4_table_stats(env, "mixed", ["id"])) == 1
    # Renaming the column (Hive's ALTER TABLE CHANGE; Spark cannot on this table) drops its statistics.
    with env.hms() as c:
        table = c.get_table(DB, "mixed")
        table.sd.cols[0].name = "key"
        c.alter_table(DB, "mixed", table)
    assert hive4_table_stats(env, "mixed", ["id", "key"]) == []


# ------------------------------------------------------------------------------ views


def test_create_and_alter_view(spark_env: SparkEnv, interop: str) -> None:
    env = spark_env
    env.sql(f"CREATE TABLE {DB}.base (id INT, name STRING) USING parquet")
    env.sql(f"INSERT INTO {DB}.base VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    env.sql(f"CREATE VIEW {DB}.v (ident COMMENT 'the id', nm) COMMENT 'first' AS SELECT id, name FROM {DB}.base")
    assert env.rows(f"SELECT ident, nm FROM {DB}.v ORDER BY ident") == [(1, "a"), (2, "b"), (3, "c")]
    with env.hms() as c:
        view = c.get_table(DB, "v")
        assert view.tableType == "VIRTUAL_VIEW"
        assert view.viewOriginalText == f"SELECT id, name FROM {DB}.base"
        assert [(f.name, f.comment) for f in view.sd.cols] == [("ident", "the id"), ("nm", None)]
        assert c.get_tables_by_type(DB, "*", "VIRTUAL_VIEW") == ["v"]

    env.sql(f"ALTER VIEW {DB}.v AS SELECT id FROM {DB}.base WHERE id >= 2")
    assert env.rows(f"SELECT * FROM {DB}.v ORDER BY id") == [(2,), (3,)]
    env.sql(f"ALTER VIEW {DB}.v SET TBLPROPERTIES ('owner_team' = 'data')")
    with env.hms() as c:
        view = c.get_table(DB, "v")
    assert view.viewOriginalText == f"SELECT id FROM {DB}.base WHERE id >= 2"
    assert [f.name for f in view.sd.cols] == ["id"]
    assert view.parameters["owner_team"] == "data"
    assert ("owner_team", "data") in env.rows(f"SHOW TBLPROPERTIES {DB}.v")

    env.sql(f"ALTER VIEW {DB}.v RENAME TO {DB}.v2")
    assert [r.viewName for r in env.sql(f"SHOW VIEWS IN {DB}")] == ["v2"]
    assert env.rows(f"SELECT count(*) FROM {DB}.v2") == [(2,)]
    env.sql(f"ALTER VIEW {DB}.v2 UNSET TBLPROPERTIES ('owner_team')")
    with env.hms() as c:
        assert "owner_team" not in c.get_table(DB, "v2").parameters
    with pytest.raises(AnalysisException) as exc:
        env.sql(f"ALTER VIEW {DB}.base AS SELECT 1")
    assert exc.value.getCondition() == "EXPECT_VIEW_NOT_TABLE.NO_ALTERNATIVE", exc.value
    env.sql(f"DROP VIEW {DB}.v2")
    with env.hms() as c:
        assert c.get_tables_by_type(DB, "*", "VIRTUAL_VIEW") == []


# ------------------------------------------------------------------------------ functions


@pytest.mark.skipif(HIVE_EXEC_JAR is None, reason="the pyspark wheel has no hive-exec jar")
def test_generic_udf_from_hive_exec_jar(spark_env: SparkEnv, interop: str) -> None:
    env = spark_env
    jar = HIVE_EXEC_JAR.resolve().as_uri()
    env.sql(f"CREATE FUNCTION {DB}.lev AS '{LEVENSHTEIN}' USING JAR '{jar}'")
    assert env.rows(f"SELECT {DB}.lev('kitten', 'sitting')") == [(3,)]
    assert f"spark_catalog.{DB}.lev" in env.column(f"SHOW USER FUNCTIONS IN {DB}")
    assert env.column(f"SHOW USER FUNCTIONS IN {DB} LIKE 'le*'") == [f"spark_catalog.{DB}.lev"]
    described = " ".join(env.column(f"DESCRIBE FUNCTION {DB}.lev"))
    assert LEVENSHTEIN in described, described
    with env.hms() as c:
        fn = c.get_function(DB, "lev")
        assert (fn.className, [(r.resourceType, r.uri) for r in fn.resourceUris]) == (LEVENSHTEIN, [(1, jar)])
        assert c.get_functions(DB, "*") == ["lev"]
        assert (DB, "lev") in {(f.dbName, f.functionName) for f in c.get_all_functions().functions}

    # A view over the function resolves it from the metastore in a new query.
    env.sql(f"CREATE VIEW {DB}.lev_view AS SELECT {DB}.lev('flaw', 'lawn') AS d")
    assert env.rows(f"SELECT d FROM {DB}.lev_view") == [(2,)]
    env.sql(f"DROP VIEW {DB}.lev_view")

    env.sql(f"DROP FUNCTION {DB}.lev")
    with env.hms() as c:
        assert c.get_functions(DB, "*") == []
    with pytest.raises(AnalysisException) as exc:
        env.sql(f"SELECT {DB}.lev('a', 'b')")
    assert exc.value.getCondition() == "UNRESOLVED_ROUTINE", exc.value
