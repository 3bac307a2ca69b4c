"""Bad, odd and huge input: never a crash, never an unbounded read, UNKNOWN with a reason when nothing fits."""

from __future__ import annotations

import codecs
import csv
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers import UNKNOWN, ClassifyOptions, Sample, classify, sample_local_file, serdes
from classifiers.csv import CsvSettings
from classifiers.custom import CustomCsvClassifier
from metastore.hive_types import validate_type
from tests.classifiers import datagen

MB = 1024 * 1024


def cols(result) -> list[tuple[str, str]]:
    return [(c.name, c.type) for c in result.columns]


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = classify(sample_local_file(path))
    assert result.classification == UNKNOWN and result.reason.endswith("the file is empty")


def test_whitespace_only_file(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text("\n\n   \n")
    result = classify(sample_local_file(path))
    assert result.classification == UNKNOWN and "csv: the sample is empty" in result.reason


def test_binary_junk_lists_what_was_tried(tmp_path):
    path = tmp_path / "junk.bin"
    path.write_bytes(random.Random(7).randbytes(200_000))
    result = classify(sample_local_file(path))
    assert result.classification == UNKNOWN and result.certainty == 0.0
    for tried in ("avro: no Obj", "orc: no ORC magic", "parquet: no PAR1 magic", "json:", "xml:",
                  "csv: the sample is not text"):
        assert tried in result.reason


def test_truncated_parquet_footer(tmp_path):
    data = datagen.write_parquet(tmp_path / "p.parquet").read_bytes()
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(data[: len(data) - 50])
    result = classify(sample_local_file(cut))
    assert result.classification == UNKNOWN and "parquet: the footer cannot be read" in result.reason


def test_parquet_footer_length_beyond_the_budget_is_refused(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(1)
    pq.write_table(pa.table({"r": [rng.random() for _ in range(40_000)]}), tmp_path / "p.parquet",
                   compression="none")
    data = bytearray((tmp_path / "p.parquet").read_bytes())
    assert len(data) > 200_000  # larger than the 64 KiB head probe, so the footer comes by ranged reads
    result = classify(sample_local_file(tmp_path / "p.parquet"), options=ClassifyOptions(max_footer_bytes=100))
    assert result.classification == UNKNOWN and "max_footer_bytes=100" in result.reason
    data[-8:-4] = (2**31 - 1).to_bytes(4, "little")  # a corrupt footer length
    (tmp_path / "bad.parquet").write_bytes(bytes(data))
    assert classify(sample_local_file(tmp_path / "bad.parquet")).classification == UNKNOWN


def test_truncated_avro_header(tmp_path):
    data = datagen.write_avro_fastavro(tmp_path / "p.avro").read_bytes()
    result = classify(Sample("p.avro", data[:40], size=len(data)))
    assert result.classification == UNKNOWN and "avro: the header cannot be read" in result.reason


def test_truncated_avro_body_still_gives_the_schema(tmp_path):
    data = datagen.write_avro_fastavro(tmp_path / "p.avro", codec="null").read_bytes()
    result = classify(Sample("p.avro", data[:-30], size=len(data)))
    assert result.classification == "avro" and result.columns[0].name == "id"


def test_truncated_orc(tmp_path):
    data = datagen.write_orc_pyarrow(tmp_path / "p.orc").read_bytes()
    (tmp_path / "cut.orc").write_bytes(data[:-10])
    result = classify(sample_local_file(tmp_path / "cut.orc"))
    assert result.classification == UNKNOWN and "orc: the file tail cannot be read" in result.reason


def test_json_lines_cut_by_the_sample_drops_the_partial_record(tmp_path):
    path = tmp_path / "many.json"
    path.write_text("".join(json.dumps({"i": i, "s": "x" * 50}) + "\n" for i in range(10_000)))
    result = classify(sample_local_file(path, ClassifyOptions(sample_bytes=5000)),
                      options=ClassifyOptions(sample_bytes=5000))
    assert result.classification == "json" and cols(result) == [("i", "int"), ("s", "string")]
    assert 0 < result.records_sampled < 100 and result.record_count is None


def test_truncated_xml_keeps_closed_rows(tmp_path):
    path = tmp_path / "rows.xml"
    path.write_text("<rows>" + "".join(f"<row><n>{i}</n></row>" for i in range(5000)) + "</rows>")
    options = ClassifyOptions(sample_bytes=2000)
    result = classify(sample_local_file(path, options), options=options)
    assert result.classification == "xml" and cols(result) == [("n", "int")] and result.record_count is None


def test_50_mb_single_line_json_array_reads_one_sample(tmp_path):
    record = json.dumps({"id": 123456, "name": "abcdefghij", "vals": [1.5, 2.5]}).encode()
    count = 50 * MB // (len(record) + 1) + 1000
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.write(b"[" + b",".join([record] * count) + b"]")
    assert path.stat().st_size >= 50 * MB
    sample = sample_local_file(path)
    result = classify(sample)
    assert len(sample.head) == MB and sample.read_range.bytes_read == 0
    assert result.classification == "json" and result.records_sampled == 1000
    assert cols(result) == [("id", "int"), ("name", "string"), ("vals", "array<double>")]
    assert len(record) <= result.average_record_size <= len(record) + 1


def test_50_mb_single_json_object_is_unknown_with_advice(tmp_path):
    path = tmp_path / "one.json"
    with open(path, "wb") as f:
        f.write(b'{"data": [' + b",".join([b'"0123456789abcdef"'] * (50 * MB // 19)) + b"]}")
    result = classify(sample_local_file(path))
    assert result.classification == UNKNOWN
    assert "json: no complete record in the first 1,048,576 bytes (raise sample_bytes" in result.reason


def test_one_column_csv_needs_a_custom_classifier(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("name\nalpha\nbeta\ngamma\n")
    result = classify(sample_local_file(path))
    assert result.classification == UNKNOWN and "allow_single_column=True" in result.reason
    custom = CustomCsvClassifier("names", CsvSettings(allow_single_column=True, header="PRESENT"))
    result = classify(sample_local_file(path), custom=[custom])
    assert result.classification == "names" and cols(result) == [("name", "string")]


def test_deeply_nested_json_is_cut_to_string_at_max_nesting(tmp_path):
    value: object = 1
    for _ in range(80):
        value = {"n": value}
    path = tmp_path / "deep.json"
    path.write_text(json.dumps({"root": value}) + "\n")
    result = classify(sample_local_file(path))
    assert result.classification == "json"
    assert result.columns[0].type.count("struct<") == 64 and result.columns[0].type.endswith(":string" + ">" * 64)


def test_json_deeper_than_the_parser_allows(tmp_path):
    path = tmp_path / "abyss.json"
    path.write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    result = classify(sample_local_file(path, ClassifyOptions(sample_bytes=4 * MB)),
                      options=ClassifyOptions(sample_bytes=4 * MB))
    assert result.classification == UNKNOWN and "nesting is deeper than the JSON parser allows" in result.reason


@pytest.mark.parametrize("bom,encoding", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                          (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_csv_byte_order_marks_do_not_reach_the_first_column(tmp_path, bom, encoding):
    path = tmp_path / "bom.csv"
    path.write_bytes(bom + "id,name\n1,Zoë\n2,Ana\n".encode(encoding))
    result = classify(sample_local_file(path))
    assert cols(result) == [("id", "int"), ("name", "string")]
    assert "byte-order mark stripped" in result.reason
    java_name = {"utf-8": None, "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE"}[encoding]
    assert result.serde_parameters.get("serialization.encoding") == java_name


def test_json_with_utf8_bom(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(codecs.BOM_UTF8 + b'{"a": 1}\n{"a": 2}\n')
    assert cols(classify(sample_local_file(path))) == [("a", "int")]


def test_mixed_encodings_fall_back_to_latin1(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("id,city\n1,Zürich\n".encode() + "2,Köln\n".encode("latin-1") + b"3,Oslo\n")
    result = classify(sample_local_file(path))
    assert result.classification == "csv" and cols(result) == [("id", "int"), ("city", "string")]
    assert result.serde_parameters["serialization.encoding"] == "ISO-8859-1"
    assert result.serde_parameters["encoding"] == "ISO-8859-1"


def test_all_string_csv_keeps_a_clear_header(tmp_path):
    rows = [["first_name", "city", "country_code"], ["Alice", "Paris", "FR"], ["Bob", "Rome", "IT"],
            ["Chen", "Beijing", "CN"]]
    result = classify(sample_local_file(datagen.write_csv(tmp_path / "s.csv", rows=rows)))
    assert [c.name for c in result.columns] == ["first_name", "city", "country_code"]
    assert result.table_parameters["skip.header.line.count"] == "1" and result.records_sampled == 3


def test_all_string_csv_without_header_is_not_given_one(tmp_path):
    rows = [["alice", "paris"], ["bob", "rome"], ["carol", "berlin"], ["dave", "lisbon"]]
    result = classify(sample_local_file(datagen.write_csv(tmp_path / "s.csv", rows=rows)))
    assert [c.name for c in result.columns] == ["col0", "col1"] and result.records_sampled == 4


def test_ragged_text_is_not_csv(tmp_path):
    path = tmp_path / "prose.txt"
    path.write_text("Hello, world.\nThis line has no commas\nBut this one, has, three\nand; this\n" * 10)
    result = classify(sample_local_file(path))
    assert result.classification == UNKNOWN and result.reason.endswith(
        "csv: every delimiter gives a single column (a custom CSV classifier with allow_single_column=True "
        "accepts one-column files)")


def test_markup_that_is_not_xml(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><body><p>unclosed<br></body>\n" * 3)
    result = classify(sample_local_file(path))
    assert result.classification == UNKNOWN and "xml: not well-formed XML" in result.reason


def test_sample_never_exceeds_sample_bytes(tmp_path):
    path = datagen.write_csv(tmp_path / "big.csv", rows=[["a", "b"]] + [[str(i), "x" * 90] for i in range(50_000)])
    options = ClassifyOptions(sample_bytes=100_000)
    sample = sample_local_file(path, options)
    result = classify(sample, options=options)
    assert len(sample.head) == 100_000 and sample.read_range.bytes_read == 0
    assert result.classification == "csv" and result.records_sampled == 1000
    assert 94 <= result.average_record_size <= 96  # "123,xxx…x\n"


def test_max_records_bounds_the_rows_parsed(tmp_path):
    path = datagen.write_csv(tmp_path / "r.csv", rows=[["a", "b"]] + [[str(i), "x"] for i in range(5000)])
    result = classify(sample_local_file(path), options=ClassifyOptions(max_records=10))
    assert result.records_sampled == 10 and result.record_count is None


def test_bad_options_say_what_to_fix():
    with pytest.raises(ValueError, match="sample_bytes must be at least 64, got 10"):
        ClassifyOptions(sample_bytes=10)
    with pytest.raises(ValueError, match="max_records must be at least 1, got 0"):
        ClassifyOptions(max_records=0)


def test_quote_only_csv_cells_and_csv_writer_round_trip(tmp_path):
    path = datagen.write_csv(tmp_path / "all.csv", quoting=csv.QUOTE_ALL)
    result = classify(sample_local_file(path))
    assert result.serde == serdes.OPEN_CSV_SERDE and result.table_parameters["areColumnsQuoted"] == "true"
    assert [c.name for c in result.columns] == ["id", "name", "score", "balance", "born", "active"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dictionaries(st.text(min_size=1, max_size=6), JSON_VALUES, min_size=1, max_size=5),
                min_size=1, max_size=8))
def test_json_property_any_objects_give_types_the_metastore_accepts(records):
    text = "".join(json.dumps(r) + "\n" for r in records).encode()
    result = classify(Sample("p.json", text, size=len(text)))
    assert result.classification == "json", result.reason
    keys = {k.lower() for r in records for k in r}
    assert {c.name for c in result.columns} == keys  # keys differing only in case are one column
    for c in result.columns:
        assert validate_type(c.type) == c.type
