"""Each format, from files written by real writers and from real datasets shipped in packages."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import importlib.util
import json
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifiers import UNKNOWN, ClassifyOptions, Sample, classify, sample_local_file, serdes
from tests.classifiers import datagen

ARROW_DATA = Path(pa.__file__).parent / "tests" / "data"
DELIMITERS_FOR_PROPERTY = [",", "|", "\t", ";", "\x01"]


def classify_file(path: Path, **options):
    return classify(sample_local_file(path, ClassifyOptions(**options)), options=ClassifyOptions(**options))


def cols(result) -> list[tuple[str, str]]:
    return [(c.name, c.type) for c in result.columns]


PEOPLE_COLUMNS = [("id", "bigint"), ("name", "string"), ("score", "double"), ("balance", "decimal(10,2)"),
                  ("born", "date"), ("active", "boolean"), ("tags", "array<string>"),
                  ("address", "struct<city:string,zip:string>")]


# ---- footer formats --------------------------------------------------------------------------

def test_parquet_schema_and_row_count_from_footer_only(tmp_path):
    path = datagen.write_parquet(tmp_path / "p.parquet", compression="zstd")
    sample = sample_local_file(path)
    result = classify(sample)
    assert (result.classification, result.certainty, result.record_count) == ("parquet", 1.0, 3)
    assert cols(result) == PEOPLE_COLUMNS
    assert (result.serde, result.input_format) == (serdes.PARQUET_SERDE, serdes.PARQUET_INPUT)
    assert result.table_parameters["compressionType"] == "none"  # column codecs are not whole-file compression
    assert "ZSTD" in result.reason


def test_parquet_large_file_reads_only_head_probe_and_footer(tmp_path):
    n = pa.array(range(2_000_000), pa.int64())
    table = pa.table({"n": n, "s": n.cast(pa.string())})
    import pyarrow.parquet as pq
    path = tmp_path / "big.parquet"
    pq.write_table(table, path, compression="none", row_group_size=500_000)
    sample = sample_local_file(path)
    result = classify(sample)
    assert result.record_count == 2_000_000 and cols(result) == [("n", "bigint"), ("s", "string")]
    read = len(sample.head) + sample.read_range.bytes_read
    assert path.stat().st_size > 20_000_000 and read < 200_000


def test_parquet_int96_map_and_nested(tmp_path):
    result = classify_file(datagen.write_parquet_int96(tmp_path / "e.parquet"))
    assert cols(result) == [("id", "int"), ("at", "timestamp"), ("attrs", "map<string,int>")]


def test_parquet_footer_without_ranged_reads_is_unknown_with_reason(tmp_path):
    data = datagen.write_parquet(tmp_path / "p.parquet").read_bytes()
    result = classify(Sample("p.parquet", data[:100], size=len(data)))
    assert result.classification == UNKNOWN
    assert "parquet: only the head of the file is available" in result.reason


def test_parquet_whole_file_in_head_needs_no_ranged_reads(tmp_path):
    data = datagen.write_parquet(tmp_path / "p.parquet").read_bytes()
    result = classify(Sample("p.parquet", data, size=len(data)))
    assert result.classification == "parquet" and result.record_count == 3


def test_real_parquet_file_shipped_with_pyarrow():
    result = classify_file(ARROW_DATA / "parquet" / "v0.7.1.parquet")
    assert result.classification == "parquet" and result.record_count == 10
    assert ("c", "string") in cols(result) or len(result.columns) >= 2


@pytest.mark.parametrize("writer", [datagen.write_orc_pyarrow, datagen.write_orc_pyorc])
def test_orc_from_two_writers(tmp_path, writer):
    result = classify_file(writer(tmp_path / "p.orc"))
    assert (result.classification, result.record_count, result.serde) == ("orc", 3, serdes.ORC_SERDE)
    assert cols(result)[:3] == [("id", "bigint"), ("name", "string"), ("score", "double")]


def test_real_orc_files_from_the_java_writer_shipped_with_pyarrow():
    result = classify_file(ARROW_DATA / "orc" / "TestOrcFile.test1.orc")
    assert result.classification == "orc" and result.record_count == 2
    assert cols(result)[:5] == [("boolean1", "boolean"), ("byte1", "tinyint"), ("short1", "smallint"),
                                ("int1", "int"), ("long1", "bigint")]
    assert ("middle", "struct<list:array<struct<int1:int,string1:string>>>") in cols(result)
    assert ("map", "map<string,struct<int1:int,string1:string>>") in cols(result)
    dates = classify_file(ARROW_DATA / "orc" / "TestOrcFile.testDate1900.orc")
    assert cols(dates) == [("time", "timestamp"), ("date", "date")] and dates.record_count == 70_000
    decimals = classify_file(ARROW_DATA / "orc" / "decimal.orc")
    assert cols(decimals) == [("_col0", "decimal(10,5)")] and decimals.record_count == 6000


# ---- Avro ------------------------------------------------------------------------------------

def test_avro_fastavro_logical_types_and_nullable_unions(tmp_path):
    result = classify_file(datagen.write_avro_fastavro(tmp_path / "p.avro"))
    assert cols(result) == PEOPLE_COLUMNS
    assert result.record_count == 3 and result.serde == serdes.AVRO_SERDE
    literal = json.loads(result.serde_parameters["avro.schema.literal"])
    assert literal["name"].endswith("Person") and result.table_parameters["avro.schema.literal"]


def test_avro_apache_writer_enum_timestamp_map(tmp_path):
    result = classify_file(datagen.write_avro_apache(tmp_path / "e.avro"))
    assert cols(result) == [("id", "bigint"), ("kind", "string"), ("at", "timestamp"),
                            ("props", "map<string,string>")]
    assert result.records_sampled == 5


def test_avro_named_type_reuse_and_recursion(tmp_path):
    import fastavro
    schema = {"type": "record", "name": "Node", "fields": [
        {"name": "value", "type": "int"},
        {"name": "next", "type": ["null", "Node"]},
        {"name": "shape", "type": {"type": "fixed", "name": "Hash", "size": 4}},
        {"name": "again", "type": "Hash"},
        {"name": "either", "type": ["int", "string"]}]}
    path = tmp_path / "n.avro"
    with open(path, "wb") as f:
        fastavro.writer(f, fastavro.parse_schema(schema), [{"value": 1, "next": None, "shape": b"abcd",
                                                            "again": b"abcd", "either": 1}])
    result = classify_file(path, max_nesting=4)
    types = dict(cols(result))
    assert types["value"] == "int" and types["shape"] == "binary" and types["again"] == "binary"
    # recursion is cut at max_nesting: Node.next.next is a string
    assert types["next"].startswith("struct<value:int,next:string,shape:binary") and types["either"] == "uniontype<int,string>"


# ---- CSV -------------------------------------------------------------------------------------

def test_csv_typed_with_header(tmp_path):
    result = classify_file(datagen.write_csv(tmp_path / "p.csv", delimiter="|", quoting=csv.QUOTE_NONE))
    assert cols(result) == [("id", "int"), ("name", "string"), ("score", "double"), ("balance", "decimal(10,2)"),
                            ("born", "date"), ("active", "boolean")]
    assert result.serde == serdes.LAZY_SIMPLE_SERDE
    assert result.serde_parameters["field.delim"] == "|" and result.serde_parameters["serialization.null.format"] == ""
    assert result.table_parameters["skip.header.line.count"] == "1"
    assert result.table_parameters["spark.sql.sources.provider"] == "csv"


@pytest.mark.parametrize("delimiter", [",", "|", "\t", ";", "\x01"])
def test_csv_every_glue_delimiter(tmp_path, delimiter):
    rows = [["a", "b", "c"]] + [[str(i), f"v{i}", f"{i}.5"] for i in range(20)]
    result = classify_file(datagen.write_csv(tmp_path / "d.txt", delimiter=delimiter, rows=rows))
    assert result.table_parameters["delimiter"] == delimiter
    assert cols(result) == [("a", "int"), ("b", "string"), ("c", "double")]


def test_csv_quoted_fields_with_delimiters_and_newlines_use_open_csv(tmp_path):
    rows = [["id", "note"], ["1", "one, two"], ["2", "line\nbreak"], ["3", 'say "hi"']]
    result = classify_file(datagen.write_csv(tmp_path / "q.csv", rows=rows))
    assert result.serde == serdes.OPEN_CSV_SERDE
    assert cols(result) == [("id", "string"), ("note", "string")]
    assert result.columns[0].comment == "inferred int; OpenCSVSerde reads every column as string"
    assert result.serde_parameters["separatorChar"] == "," and result.serde_parameters["multiLine"] == "true"
    assert result.records_sampled == 3 and "quoted values span lines" in result.reason


def test_csv_timestamps_dates_bigints_and_decimals(tmp_path):
    rows = [["ts", "iso", "d", "big", "money", "measure"],
            ["2024-01-02 03:04:05", "2024-01-02T03:04:05", "2024-02-29", "9000000000", "10.25", "1.5"],
            ["2024-01-02 03:04:05.123", "2024-01-03T00:00:00", "2023-12-31", "1", "-3.10", "2.125"]]
    result = classify_file(datagen.write_csv(tmp_path / "t.csv", rows=rows))
    assert cols(result) == [("ts", "timestamp"), ("iso", "timestamp"), ("d", "date"), ("big", "bigint"),
                            ("money", "decimal(10,2)"), ("measure", "double")]
    assert result.serde_parameters["timestamp.formats"] == "yyyy-MM-dd'T'HH:mm:ss"


def test_csv_leading_zeros_stay_strings(tmp_path):
    rows = [["zip", "n"], ["00501", "1"], ["02134", "2"]]
    assert cols(classify_file(datagen.write_csv(tmp_path / "z.csv", rows=rows))) == [("zip", "string"), ("n", "int")]


def test_csv_without_header_is_named_col0(tmp_path):
    result = classify_file(datagen.write_csv(tmp_path / "n.csv", header=False, delimiter="|", quoting=csv.QUOTE_NONE))
    assert [c.name for c in result.columns] == ["col0", "col1", "col2", "col3", "col4", "col5"]
    assert "skip.header.line.count" not in result.table_parameters
    assert result.serde_parameters["header"] == "false"


def penguins(name: str) -> Path:
    """A CSV shipped inside the palmerpenguins package (found without importing it and pandas)."""
    spec = importlib.util.find_spec("palmerpenguins")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("palmerpenguins is not installed (dev extra)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


def test_real_dataset_penguins_csv_with_na_nulls():
    result = classify_file(penguins("penguins.csv"))
    assert cols(result) == [("species", "string"), ("island", "string"), ("bill_length_mm", "double"),
                            ("bill_depth_mm", "double"), ("flipper_length_mm", "int"), ("body_mass_g", "int"),
                            ("sex", "string"), ("year", "int")]
    assert result.record_count == 344
    assert result.serde_parameters["serialization.null.format"] == "NA" and result.serde_parameters["nullValue"] == "NA"


def test_real_dataset_penguins_raw_quoted_csv_keeps_names_with_spaces():
    result = classify_file(penguins("penguins-raw.csv"))
    assert result.serde == serdes.OPEN_CSV_SERDE and result.record_count == 344
    names = [c.name for c in result.columns]
    assert names[:3] == ["studyname", "sample number", "species"] and "culmen length (mm)" in names
    assert dict((c.name, c.comment) for c in result.columns)["culmen length (mm)"].startswith("inferred double")


# ---- JSON ------------------------------------------------------------------------------------

JSON_COLUMNS = [("id", "int"), ("username", "string"), ("score", "double"), ("active", "boolean"),
                ("tags", "array<string>"), ("address", "struct<city:string,zip:string>")]


def test_json_lines_union_of_keys_and_original_case_paths(tmp_path):
    result = classify_file(datagen.write_json_lines(tmp_path / "p.json"))
    assert cols(result) == JSON_COLUMNS
    assert result.serde == serdes.OPENX_JSON_SERDE
    assert result.serde_parameters["paths"] == "Id,userName,score,active,tags,Address"
    assert "multiLine" not in result.serde_parameters
    spark_schema = json.loads(result.table_parameters["spark.sql.sources.schema.part.0"])
    assert [f["name"] for f in spark_schema["fields"]] == ["Id", "userName", "score", "active", "tags", "Address"]


def test_json_top_level_array_gives_one_row_per_element(tmp_path):
    result = classify_file(datagen.write_json_array(tmp_path / "a.json"))
    assert cols(result) == JSON_COLUMNS and result.record_count == 3
    assert result.serde_parameters["multiLine"] == "true" and "one row per element" in result.reason


def test_json_pretty_printed_concatenated_objects(tmp_path):
    path = tmp_path / "c.json"
    path.write_text("".join(json.dumps(r, indent=2) + "\n" for r in datagen.json_people()))
    result = classify_file(path)
    assert cols(result) == JSON_COLUMNS and result.records_sampled == 3
    assert "concatenated multi-line objects" in result.reason


def test_json_widening_across_records(tmp_path):
    path = tmp_path / "w.json"
    records = [{"n": 1, "x": None, "m": {"a": 1}}, {"n": 2**40, "x": "s", "m": {"b": [1.5]}}, {"n": 2.5}]
    path.write_text("\n".join(json.dumps(r) for r in records))
    assert cols(classify_file(path)) == [("n", "double"), ("x", "string"), ("m", "struct<a:int,b:array<double>>")]


def test_real_json_lines_gzip_shipped_with_pyarrow():
    result = classify_file(ARROW_DATA / "orc" / "TestOrcFile.test1.jsn.gz")
    assert (result.classification, result.compression, result.record_count) == ("json", "gzip", 2)
    types = dict(cols(result))
    assert types["long1"] == "bigint" and types["middle"] == "struct<list:array<struct<int1:int,string1:string>>>"
    assert types["map"] == "array<struct<key:string,value:struct<int1:int,string1:string>>>"


# ---- XML -------------------------------------------------------------------------------------

def test_xml_row_tag_attributes_nested_and_repeated(tmp_path):
    result = classify_file(datagen.write_xml(tmp_path / "p.xml"))
    assert cols(result) == [("_id", "int"), ("name", "string"), ("score", "double"), ("tag", "array<string>"),
                            ("address", "struct<city:string>")]
    assert result.serde_parameters["rowTag"] == "person" and result.record_count == 3
    assert result.table_parameters["spark.sql.sources.provider"] == "xml"


def test_xml_value_tag_for_text_next_to_attributes(tmp_path):
    path = tmp_path / "v.xml"
    path.write_text('<r><item><price currency="EUR">9.5</price></item><item><price currency="USD">3</price></item></r>')
    assert cols(classify_file(path)) == [("price", "struct<_currency:string,_VALUE:double>")]


# ---- compression -----------------------------------------------------------------------------

@pytest.mark.parametrize("codec,expected", [
    ("gzip", "gzip"), ("bzip2", "bzip2"), ("zstd", "zstd"), ("lz4", "lz4"), ("snappy", "snappy"),
    ("snappy-hadoop", "snappy"), ("zip", "zip")])
def test_compressed_csv_by_magic_bytes_not_extension(tmp_path, codec, expected):
    plain = datagen.write_csv(tmp_path / "p.csv", delimiter="|", quoting=csv.QUOTE_NONE).read_bytes()
    path = tmp_path / "data.bin"  # an extension that says nothing
    path.write_bytes(datagen.compress(plain, codec))
    result = classify_file(path)
    assert (result.classification, result.compression) == ("csv", expected)
    assert result.table_parameters["compressionType"] == expected
    assert cols(result)[0] == ("id", "int")


def test_decompression_stops_at_the_sample_size(tmp_path):
    line = b"1,alpha,2024-01-01\n"
    path = tmp_path / "big.csv.gz"
    path.write_bytes(gzip.compress(b"id,name,day\n" + line * 3_000_000))  # 57 MB of text, ~100 KB gzip
    sample = sample_local_file(path)
    result = classify(sample, options=ClassifyOptions(sample_bytes=256 * 1024))
    assert result.classification == "csv" and result.compression == "gzip"
    assert result.records_sampled == 1000 and result.record_count is None
    assert len(sample.head) <= 1024 * 1024


def test_gzip_named_file_that_is_plain_text(tmp_path):
    path = tmp_path / "fake.csv.gz"
    datagen.write_csv(path, delimiter="|", quoting=csv.QUOTE_NONE)
    result = classify_file(path)
    assert result.classification == "csv" and result.compression == "none"


def test_corrupt_gzip_is_unknown_with_reason(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 200)
    result = classify_file(path)
    assert result.classification == UNKNOWN and "gzip data could not be decompressed" in result.reason


def test_zip_with_several_files_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.csv", "a,b\n1,2\n")
        z.writestr("b.csv", "a,b\n3,4\n")
    result = classify_file(path)
    assert result.classification == UNKNOWN and "the zip archive holds 2 files" in result.reason


def test_binary_that_only_looks_like_hadoop_snappy_is_not_called_snappy(tmp_path):
    path = tmp_path / "odd.bin"
    path.write_bytes(b"\x00\x00\x00\x10\x00\x00\x00\x08\x10" + b"\xff" * 40)
    result = classify_file(path)
    assert result.compression == "none" and result.classification == UNKNOWN


def test_csv_slash_timestamps_get_one_spark_format_only_when_alone(tmp_path):
    alone = classify_file(datagen.write_csv(tmp_path / "a.csv", rows=[["at", "n"], ["2024/01/02 03:04:05", "1"],
                                                                        ["2024/01/03 00:00:00", "2"]]))
    assert alone.serde_parameters["timestampFormat"] == "yyyy/MM/dd HH:mm:ss"
    assert alone.serde_parameters["timestamp.formats"] == "yyyy/MM/dd HH:mm:ss"
    mixed = classify_file(datagen.write_csv(tmp_path / "m.csv", rows=[
        ["at", "other"], ["2024/01/02 03:04:05", "2024-01-02 03:04:05"], ["2024/01/03 00:00:00", "2024-01-03 00:00:00"]]))
    assert "timestampFormat" not in mixed.serde_parameters  # Spark has one format per file
    assert mixed.serde_parameters["timestamp.formats"] == "yyyy/MM/dd HH:mm:ss"  # Hive falls back to its default


@pytest.mark.parametrize("tool,args,expected", [
    ("gzip", ["-c"], "gzip"), ("zstd", ["-q", "-c"], "zstd"), ("bzip2", ["-c"], "bzip2"), ("lz4", ["-q", "-c"], "lz4")])
def test_files_compressed_by_command_line_tools(tmp_path, tool, args, expected):
    import shutil
    import subprocess

    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    plain = datagen.write_json_lines(tmp_path / "p.json")
    packed = tmp_path / "packed"
    with open(packed, "wb") as out:
        subprocess.run([tool, *args, str(plain)], stdout=out, check=True, timeout=30)
    result = classify_file(packed)
    assert (result.classification, result.compression, result.record_count) == ("json", expected, 3)


def test_json_empty_key_gets_a_column_name(tmp_path):
    path = tmp_path / "e.json"
    path.write_text('{"": 1, "a": 2}\n')
    assert cols(classify_file(path)) == [("col0", "int"), ("a", "int")]


KINDS = {
    "int": (st.integers(-(2**31) + 1, 2**31 - 1).map(str), "int"),
    "bigint": (st.integers(2**31, 2**62).map(str), "bigint"),
    "double": (st.floats(-1e6, 1e6, allow_nan=False).filter(lambda f: f != int(f)).map(lambda f: f"{f:.3f}e0"),
               "double"),
    "date": (st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)).map(dt.date.isoformat), "date"),
    "boolean": (st.booleans().map(lambda b: str(b).lower()), "boolean"),
    "money": (st.integers(-10**9, 10**9).map(lambda c: f"{c // 100}.{c % 100:02d}"), "decimal(10,2)"),
    "word": (st.text("abcdefghij ,|;\"'", min_size=1, max_size=12).map(lambda s: "w" + s), "string"),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), kinds=st.lists(st.sampled_from(sorted(KINDS)), min_size=2, max_size=5),
       delimiter=st.sampled_from(DELIMITERS_FOR_PROPERTY), n=st.integers(2, 25))
def test_csv_property_typed_columns_from_csv_writer(tmp_path, data, kinds, delimiter, n):
    """Any table csv.writer writes (a typed column present) comes back with its header and types."""
    kinds = kinds if any(k != "word" for k in kinds) else [*kinds, "int"]
    names = [f"col_{k}_{i}" for i, k in enumerate(kinds)]
    rows = [[data.draw(KINDS[k][0]) for k in kinds] for _ in range(n)]
    path = tmp_path / f"prop-{abs(hash((tuple(kinds), delimiter, n)))}.csv"
    datagen.write_csv(path, delimiter=delimiter, rows=[names, *rows])
    result = classify_file(path)
    assert result.classification == "csv", result.reason
    assert [c.name for c in result.columns] == names
    expected = [KINDS[k][1] for k in kinds]
    if result.serde == serdes.OPEN_CSV_SERDE:
        expected = ["string"] * len(kinds)
    assert [c.type for c in result.columns] == expected
    assert result.records_sampled == n
