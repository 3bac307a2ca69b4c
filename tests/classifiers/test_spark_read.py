"""End to end, one test per format: classify a file written by a real writer, register the table in
a real metahive server through Thrift, and read it with PySpark (Hive support) through the metastore.

One Spark session for the module, on a SQLite-backed server (the backends are covered by the
metastore's own Spark tests; here the subject is the registration).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
from pathlib import Path

import pytest

from classifiers import Classification, classify, sample_local_file
from classifiers.custom import GrokClassifier
from tests.classifiers import datagen
from tests.classifiers.hms import thrift_table
from tests.spark.conftest import spark_env  # noqa: F401 - the module's SparkSession fixture
from tests.support.server import RunningServer

pytestmark = pytest.mark.spark

DB = "classified"


@pytest.fixture(scope="module")
def server(make_server) -> RunningServer:
    """Overrides the backend-parametrised server: one SQLite-backed server, one Spark session."""
    return make_server("sqlite")


@pytest.fixture(scope="module")
def register(spark_env, tmp_path_factory):  # noqa: F811
    spark_env.sql(f"CREATE DATABASE IF NOT EXISTS {DB}")
    root = tmp_path_factory.mktemp("classified")

    def run(name: str, write, filename: str, expect: str) -> tuple[Classification, str]:
        folder = root / name
        folder.mkdir()
        path = write(folder / filename)
        result = classify(sample_local_file(path))
        assert result.classification == expect, result.reason
        assert result.certainty == 1.0
        with spark_env.hms() as client:
            client.create_table(thrift_table(DB, name, folder.resolve().as_uri(), result))
        return result, f"{DB}.{name}"

    return run


def test_parquet_pyarrow(spark_env, register):  # noqa: F811
    result, table = register("people_parquet", datagen.write_parquet, "part-0.parquet", "parquet")
    assert result.record_count == 3
    rows = spark_env.rows(f"SELECT id, name, score, balance, born, active, tags, address.city FROM {table} ORDER BY id")
    assert rows == [
        (1, "Ada", 91.5, decimal.Decimal("1200.50"), dt.date(1990, 5, 1), True, ["x", "y"], "Paris"),
        (2, 'Grace, "Amazing"', 78.25, decimal.Decimal("-3.10"), dt.date(1985, 12, 9), False, [], "Rome"),
        (3, "Linus", None, decimal.Decimal("0.00"), dt.date(2001, 1, 31), True, ["z"], "Oslo"),
    ]


def test_parquet_int96_and_map(spark_env, register):  # noqa: F811
    result, table = register("events_int96", datagen.write_parquet_int96, "events.parquet", "parquet")
    assert [(c.name, c.type) for c in result.columns] == [
        ("id", "int"), ("at", "timestamp"), ("attrs", "map<string,int>")]
    rows = spark_env.rows(f"SELECT id, at, attrs FROM {table} ORDER BY id")
    assert [r[0] for r in rows] == [1, 2]
    assert rows[0][2] == {"k": 1} and rows[1][2] == {}
    assert rows[0][1].replace(tzinfo=None).year == 2024


def test_orc_pyarrow(spark_env, register):  # noqa: F811
    result, table = register("people_orc", datagen.write_orc_pyarrow, "part-0.orc", "orc")
    assert result.record_count == 3
    rows = spark_env.rows(f"SELECT id, name, balance, born, tags, address.zip FROM {table} ORDER BY id")
    assert rows == [
        (1, "Ada", decimal.Decimal("1200.50"), dt.date(1990, 5, 1), ["x", "y"], "75001"),
        (2, 'Grace, "Amazing"', decimal.Decimal("-3.10"), dt.date(1985, 12, 9), [], "00118"),
        (3, "Linus", decimal.Decimal("0.00"), dt.date(2001, 1, 31), ["z"], None),
    ]


def test_orc_pyorc(spark_env, register):  # noqa: F811
    pytest.importorskip("pyorc")
    _, table = register("people_pyorc", datagen.write_orc_pyorc, "people.orc", "orc")
    assert spark_env.rows(f"SELECT count(*), sum(id), max(born) FROM {table}") == [(3, 6, dt.date(2001, 1, 31))]


def test_avro_fastavro(spark_env, register):  # noqa: F811
    result, table = register("people_avro", datagen.write_avro_fastavro, "people.avro", "avro")
    assert "avro.schema.literal" in result.serde_parameters
    rows = spark_env.rows(f"SELECT id, name, score, balance, born, active, tags, address.city FROM {table} ORDER BY id")
    assert rows == [
        (1, "Ada", 91.5, decimal.Decimal("1200.50"), dt.date(1990, 5, 1), True, ["x", "y"], "Paris"),
        (2, 'Grace, "Amazing"', 78.25, decimal.Decimal("-3.10"), dt.date(1985, 12, 9), False, [], "Rome"),
        (3, "Linus", None, decimal.Decimal("0.00"), dt.date(2001, 1, 31), True, ["z"], "Oslo"),
    ]


def test_avro_apache_writer(spark_env, register):  # noqa: F811
    pytest.importorskip("avro")
    result, table = register("events_avro", datagen.write_avro_apache, "events.avro", "avro")
    assert [(c.name, c.type) for c in result.columns] == [
        ("id", "bigint"), ("kind", "string"), ("at", "timestamp"), ("props", "map<string,string>")]
    rows = spark_env.rows(f"SELECT id, kind, props['n'] FROM {table} ORDER BY id")
    assert rows == [(i, "OPEN" if i % 2 == 0 else "CLOSE", str(i)) for i in range(5)]


def test_csv_typed_lazy_simple(spark_env, register):  # noqa: F811
    def write(path: Path) -> Path:
        return datagen.write_csv(path, delimiter="|", quoting=csv.QUOTE_NONE)

    result, table = register("people_csv", write, "people.csv", "csv")
    assert result.serde == "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
    assert result.table_parameters["skip.header.line.count"] == "1"
    assert [(c.name, c.type) for c in result.columns] == [
        ("id", "int"), ("name", "string"), ("score", "double"), ("balance", "decimal(10,2)"),
        ("born", "date"), ("active", "boolean")]
    rows = spark_env.rows(f"SELECT * FROM {table} ORDER BY id")
    assert rows == [
        (1, "Ada", 91.5, decimal.Decimal("1200.50"), dt.date(1990, 5, 1), True),
        (2, 'Grace, "Amazing"', 78.25, decimal.Decimal("-3.10"), dt.date(1985, 12, 9), False),
        (3, "Linus", None, decimal.Decimal("0.00"), dt.date(2001, 1, 31), True),
    ]


def test_csv_quoted_open_csv(spark_env, register):  # noqa: F811
    result, table = register("people_quoted", datagen.write_csv, "people.csv", "csv")
    assert result.serde == "org.apache.hadoop.hive.serde2.OpenCSVSerde"
    assert {c.type for c in result.columns} == {"string"}
    rows = spark_env.rows(f"SELECT id, name, balance FROM {table} ORDER BY id")
    assert rows == [("1", "Ada", "1200.50"), ("2", 'Grace, "Amazing"', "-3.10"), ("3", "Linus", "0.00")]


def test_csv_iso_timestamps_gzip(spark_env, register):  # noqa: F811
    def write(path: Path) -> Path:
        rows = [["id", "seen_at"], ["1", "2024-01-02T03:04:05"], ["2", "2024-12-31T23:59:59"]]
        plain = datagen.write_csv(path.with_suffix(""), rows=rows)
        path.write_bytes(datagen.compress(plain.read_bytes(), "gzip"))
        plain.unlink()
        return path

    result, table = register("seen_gzip", write, "seen.csv.gz", "csv")
    assert result.compression == "gzip" and result.table_parameters["compressionType"] == "gzip"
    assert result.serde_parameters["timestamp.formats"] == "yyyy-MM-dd'T'HH:mm:ss"
    assert spark_env.rows(f"SELECT id, seen_at FROM {table} ORDER BY id") == [
        (1, dt.datetime(2024, 1, 2, 3, 4, 5)), (2, dt.datetime(2024, 12, 31, 23, 59, 59))]


def test_real_dataset_penguins(spark_env, register):  # noqa: F811
    """palmerpenguins' CSVs: NA nulls on typed columns; quoted fields and names with spaces."""
    import importlib.util
    import shutil

    spec = importlib.util.find_spec("palmerpenguins")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("palmerpenguins is not installed (dev extra)")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    _, table = register("penguins", lambda p: Path(shutil.copy(data / "penguins.csv", p)), "penguins.csv", "csv")
    assert spark_env.rows(f"SELECT count(*), count(bill_length_mm), round(avg(bill_length_mm), 2), "
                          f"max(body_mass_g), count(sex) FROM {table}") == [(344, 342, 43.92, 6300, 333)]
    _, raw = register("penguins_raw", lambda p: Path(shutil.copy(data / "penguins-raw.csv", p)), "raw.csv", "csv")
    assert spark_env.rows(f"SELECT count(*), count(DISTINCT `individual id`), max(`culmen length (mm)`) FROM {raw}"
                          ) == [(344, 190, "59.6")]


def test_json_lines_mixed_case_keys(spark_env, register):  # noqa: F811
    result, table = register("people_json", datagen.write_json_lines, "people.json", "json")
    assert result.serde_parameters["paths"] == "Id,userName,score,active,tags,Address"
    rows = spark_env.rows(f"SELECT id, username, score, active, tags, address.city, address.zip FROM {table} ORDER BY id")
    assert rows == [
        (1, "Ada", 91.5, True, ["x", "y"], "Paris", "75001"),
        (2, 'Grace, "Amazing"', 78.25, False, [], "Rome", "00118"),
        (3, "Linus", None, True, ["z"], "Oslo", None),
    ]


def test_json_top_level_array_one_row_per_element(spark_env, register):  # noqa: F811
    result, table = register("people_json_array", datagen.write_json_array, "people.json", "json")
    assert result.record_count == 3
    assert spark_env.rows(f"SELECT count(*), sum(id), max(username) FROM {table}") == [(3, 6, "Linus")]


def test_xml_row_tag(spark_env, register):  # noqa: F811
    result, table = register("people_xml", datagen.write_xml, "people.xml", "xml")
    assert result.serde_parameters["rowTag"] == "person"
    assert [(c.name, c.type) for c in result.columns] == [
        ("_id", "int"), ("name", "string"), ("score", "double"), ("tag", "array<string>"),
        ("address", "struct<city:string>")]
    rows = spark_env.rows(f"SELECT _id, name, score, tag, address.city FROM {table} ORDER BY _id")
    assert rows == [
        (1, "Ada", 91.5, ["x", "y"], "Paris"),
        (2, 'Grace, "Amazing"', 78.25, None, "Rome"),
        (3, "Linus", None, ["z"], "Oslo"),
    ]


def test_grok_custom_classifier_through_regex_serde(spark_env, tmp_path):  # noqa: F811
    spark_env.sql(f"CREATE DATABASE IF NOT EXISTS {DB}")
    lines = ["2024-01-02T03:04:05Z INFO [billing-svc] took 17ms", "2024-01-02T03:04:06Z WARN [auth-svc] took 3ms"]
    folder = tmp_path / "app_logs"
    folder.mkdir()
    (folder / "app.log").write_text("\n".join(lines) + "\n")
    grok = GrokClassifier("applog", r"%{TIMESTAMP_ISO8601:at} %{LOGLEVEL:level} \[%{NOTSPACE:app}\] "
                                    r"took %{INT:millis:int}ms")
    result = classify(sample_local_file(folder / "app.log"), custom=[grok])
    assert (result.classification, result.certainty) == ("applog", 1.0)
    with spark_env.hms() as client:
        client.create_table(thrift_table(DB, "app_logs", folder.resolve().as_uri(), result))
    assert spark_env.rows(f"SELECT at, level, app, millis FROM {DB}.app_logs ORDER BY millis") == [
        ("2024-01-02T03:04:06Z", "WARN", "auth-svc", 3), ("2024-01-02T03:04:05Z", "INFO", "billing-svc", 17)]


@pytest.mark.parametrize("fmt,expect", [("csv", "csv"), ("json", "json"), ("parquet", "parquet"), ("orc", "orc")])
def test_files_written_by_spark(spark_env, tmp_path, fmt, expect):  # noqa: F811
    """Spark as the writer: classify one of its part files, register the folder, read it back."""
    spark_env.sql(f"CREATE DATABASE IF NOT EXISTS {DB}")
    folder = tmp_path / f"spark_{fmt}"
    df = spark_env.spark.sql(
        "SELECT id, concat('name ', id) AS name, id * 1.5D AS score, date_add(DATE'2024-01-01', CAST(id AS INT)) AS day,"
        " IF(id % 2 = 0, NULL, named_struct('k', id)) AS nested FROM range(1, 51)")
    if fmt == "csv":
        df = df.drop("nested")
    writer = df.coalesce(1).write.mode("overwrite")
    (writer.option("header", "true").csv(str(folder)) if fmt == "csv" else writer.format(fmt).save(str(folder)))
    part = next(p for p in folder.iterdir() if p.name.startswith("part-"))
    result = classify(sample_local_file(part))
    assert result.classification == expect, result.reason
    types = {c.name: c.type for c in result.columns}
    assert types["id"] in ("int", "bigint") and types["score"] == "double" and types["day"] in ("date", "string")
    name = f"spark_written_{fmt}"
    with spark_env.hms() as client:
        client.create_table(thrift_table(DB, name, folder.resolve().as_uri(), result))
    rows = spark_env.rows(f"SELECT count(*), sum(id), max(name), sum(score) FROM {DB}.{name}")
    assert rows == [(50, 1275, "name 9", 1912.5)]
    if fmt != "csv":
        assert spark_env.rows(f"SELECT count(nested.k) FROM {DB}.{name}") == [(25,)]
