"""Custom classifiers (grok, CSV, JSON path, XML row tag) and the order classifiers run in."""

from __future__ import annotations

import json

import pytest

from classifiers import UNKNOWN, Classification, ClassifyOptions, Sample, classify, sample_local_file, unknown
from classifiers.csv import CsvSettings
from classifiers.custom import CustomCsvClassifier, GrokClassifier, JsonPathClassifier, XmlRowTagClassifier
from classifiers.grok import GrokError, expand

APACHE_LINES = [
    '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 '
    '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
    '10.1.2.3 - - [11/Oct/2000:14:01:02 +0000] "POST /api/v1/items?id=7 HTTP/1.1" 201 512 "-" "curl/8.0"',
]


def cols(result) -> list[tuple[str, str]]:
    return [(c.name, c.type) for c in result.columns]


def sample_of(text: str, name: str = "f") -> Sample:
    data = text.encode()
    return Sample(name, data, size=len(data))


# ---- grok ------------------------------------------------------------------------------------

def test_grok_builtin_combined_apache_log():
    grok = GrokClassifier("apache", "%{COMBINEDAPACHELOG}")
    result = classify(sample_of("\n".join(APACHE_LINES) + "\n"), custom=[grok])
    assert (result.classification, result.certainty, result.classifier) == ("apache", 1.0, "apache")
    assert [c.name for c in result.columns] == ["clientip", "ident", "auth", "timestamp", "verb", "request",
                                                "httpversion", "rawrequest", "response", "bytes", "referrer", "agent"]
    assert result.serde == "org.apache.hadoop.hive.serde2.RegexSerDe"
    assert result.table_parameters["grokPattern"] == "%{COMBINEDAPACHELOG}"


def test_grok_typed_captures_and_custom_patterns():
    grok = GrokClassifier("app", "%{TIMESTAMP_ISO8601:at} %{LOGLEVEL:level} \\[%{APPNAME:app}\\] "
                                 "took %{INT:millis:int}ms size=%{NUMBER:size:double} ok=%{WORD:ok:boolean}",
                          custom_patterns="# our services\nAPPNAME [a-z]+-svc\n")
    text = ("2024-01-02T03:04:05Z INFO [billing-svc] took 17ms size=1.5 ok=true\n"
            "2024-01-02 03:04:06 WARN [auth-svc] took 3ms size=2 ok=false\n")
    result = classify(sample_of(text), custom=[grok])
    assert cols(result) == [("at", "string"), ("level", "string"), ("app", "string"), ("millis", "int"),
                            ("size", "double"), ("ok", "boolean")]
    assert result.certainty == 1.0


def test_grok_partial_match_gives_the_share_of_lines():
    grok = GrokClassifier("kv", "%{WORD:key}=%{INT:value:long}")
    result = grok.classify(sample_of("a=1\nb=2\nnot a match\nc=3\n"), ClassifyOptions())
    assert result.certainty == 0.75 and cols(result) == [("key", "string"), ("value", "bigint")]


def test_grok_named_field_around_named_fields_is_one_column():
    grok = expand("%{COMMONAPACHELOG:line}")
    assert [f.name for f in grok.fields] == ["line"]


@pytest.mark.parametrize("pattern,custom,message", [
    ("%{NOPE:x}", "", "unknown grok pattern %{NOPE}"),
    ("%{INT:x:decimal}", "", "grok type 'decimal' of field 'x' is not one of string, byte"),
    ("%{LOOP:x}", "LOOP a%{LOOP}", "grok pattern %{LOOP} refers to itself (LOOP -> LOOP)"),
    ("%{WORD:x} (y)", "", "grok pattern has capturing groups of its own; use (?:...) for grouping"),
    ("%{WORD:x}", "bad-name x", "custom pattern line 1 must be 'NAME regex'"),
])
def test_bad_grok_definitions_say_what_to_fix(pattern, custom, message):
    with pytest.raises(GrokError, match=message.replace("(", r"\(").replace(")", r"\)").replace("{", r"\{")
                       .replace("}", r"\}").replace("?", r"\?").replace(".", r"\.")):
        GrokClassifier("g", pattern, custom)


def test_grok_without_fields_is_refused():
    with pytest.raises(ValueError, match="names no fields"):
        GrokClassifier("g", "%{WORD} %{INT}")


# ---- custom CSV ------------------------------------------------------------------------------

def test_custom_csv_with_given_header_names_and_types():
    custom = CustomCsvClassifier("sales", CsvSettings(delimiter="~", header="ABSENT", names=("day", "amount"),
                                                      types=("date", "decimal(12,2)"), serde="LazySimpleSerDe"))
    result = classify(sample_of("2024-01-01~10.5\n2024-01-02~7\n"), custom=[custom])
    assert (result.classification, cols(result)) == ("sales", [("day", "date"), ("amount", "decimal(12,2)")])
    assert result.serde_parameters["field.delim"] == "~"


def test_custom_csv_forces_open_csv():
    custom = CustomCsvClassifier("q", CsvSettings(serde="OpenCSVSerDe", header="PRESENT"))
    result = classify(sample_of("a,b\n1,2\n3,4\n"), custom=[custom])
    assert result.serde == "org.apache.hadoop.hive.serde2.OpenCSVSerde" and cols(result) == [("a", "string"),
                                                                                              ("b", "string")]


@pytest.mark.parametrize("settings,message", [
    (CsvSettings(delimiter="ab"), "delimiter must be one character"),
    (CsvSettings(delimiter=",", quote=","), "quote must be one character other than the delimiter"),
    (CsvSettings(header="MAYBE"), "header must be UNKNOWN, PRESENT or ABSENT"),
    (CsvSettings(serde="JsonSerDe"), "serde must be OpenCSVSerDe, LazySimpleSerDe or None"),
])
def test_bad_custom_csv_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        CustomCsvClassifier("c", settings)


def test_bad_classification_name():
    with pytest.raises(ValueError, match="classification 'My Logs' must be lower-case"):
        GrokClassifier("My Logs", "%{WORD:w}")


# ---- JSON path -------------------------------------------------------------------------------

def test_json_path_records_inside_an_object():
    doc = {"meta": {"n": 2}, "records": [{"id": 1, "v": "a"}, {"id": 2, "v": "b", "x": True}]}
    result = classify(sample_of(json.dumps(doc, indent=1)), custom=[JsonPathClassifier("recs", "$.records[*]")])
    assert result.classification == "recs" and result.records_sampled == 2
    assert cols(result) == [("id", "int"), ("v", "string"), ("x", "boolean")]


def test_json_path_top_level_array_and_nested_path():
    doc = [{"id": 1, "ids": [{"identifier": "x"}]}, {"id": 2, "ids": [{"identifier": "y"}, {"identifier": "z"}]}]
    assert cols(classify(sample_of(json.dumps(doc)), custom=[JsonPathClassifier("a", "$[*]")])) == [
        ("id", "int"), ("ids", "array<struct<identifier:string>>")]
    result = classify(sample_of(json.dumps(doc)), custom=[JsonPathClassifier("b", "$[*].ids[*].identifier")])
    assert (result.classification, cols(result), result.records_sampled) == ("b", [("record", "string")], 3)


def test_json_path_that_selects_nothing_falls_back_to_builtins():
    result = classify(sample_of('{"a": 1}\n{"a": 2}\n'), custom=[JsonPathClassifier("x", "$.records[*]")])
    assert result.classification == "json"


def test_bad_json_path():
    with pytest.raises(ValueError, match=r"JSON path 'records\[\*\]' must start with '\$'"):
        JsonPathClassifier("x", "records[*]")
    with pytest.raises(ValueError, match="cannot read"):
        JsonPathClassifier("x", "$.a[0]")


# ---- XML row tag -----------------------------------------------------------------------------

def test_xml_row_tag_at_any_depth_including_self_closing():
    text = ('<catalog><meta><owner>x</owner></meta><books>'
            '<book id="1"><title>A</title></book><book id="2" title="B"/></books></catalog>')
    result = classify(sample_of(text), custom=[XmlRowTagClassifier("books", "<book>")])
    assert result.classification == "books" and result.records_sampled == 2
    assert cols(result) == [("_id", "int"), ("title", "string"), ("_title", "string")]
    assert result.serde_parameters["rowTag"] == "book"


def test_bad_row_tag():
    with pytest.raises(ValueError, match="must be an element name without angle brackets"):
        XmlRowTagClassifier("x", "a b")


# ---- the chain -------------------------------------------------------------------------------

class Fixed:
    def __init__(self, name: str, certainty: float) -> None:
        self.name = name
        self.certainty = certainty
        self.calls = 0

    def classify(self, sample, options) -> Classification:
        self.calls += 1
        if self.certainty == 0:
            return unknown(f"{self.name}: never matches")
        return Classification(classification=self.name, certainty=self.certainty)


def test_first_custom_at_certainty_one_wins_before_builtins():
    first, second = Fixed("mine", 1.0), Fixed("other", 1.0)
    result = classify(sample_of("a,b\n1,2\n"), custom=[first, second])
    assert result.classification == "mine" and second.calls == 0
    assert result.table_parameters == {"classification": "mine", "compressionType": "none"}


def test_builtin_at_certainty_one_beats_a_less_certain_custom():
    result = classify(sample_of("a,b\n1,2\n"), custom=[Fixed("maybe", 0.6)])
    assert result.classification == "csv"


def test_most_certain_wins_when_nothing_is_certain():
    result = classify(sample_of("\x00\x01binary"), custom=[Fixed("low", 0.2), Fixed("high", 0.7), Fixed("mid", 0.5)])
    assert result.classification == "high"


def test_unknown_reason_lists_every_classifier_in_glue_order():
    result = classify(sample_of("just one line"), custom=[Fixed("mine", 0.0)])
    assert result.classification == UNKNOWN
    reason = result.reason
    order = [reason.index(p) for p in ("mine:", "avro:", "orc:", "parquet:", "json:", "xml:", "csv:")]
    assert order == sorted(order)


def test_a_crashing_custom_classifier_is_reported_not_raised():
    class Broken:
        name = "broken"

        def classify(self, sample, options):
            raise KeyError("boom")

    result = classify(sample_of("a,b\n1,2\n"), custom=[Broken()])
    assert result.classification == "csv"
    result = classify(sample_of("\x00"), custom=[Broken()])
    assert "broken: failed (KeyError: 'boom')" in result.reason


def test_local_sample_head_is_bounded_and_footer_formats_probe_small(tmp_path):
    from tests.classifiers import datagen

    path = datagen.write_parquet(tmp_path / "p.parquet")
    sample = sample_local_file(path)
    assert sample.size == path.stat().st_size and len(sample.head) == sample.size  # small file: all of it
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" + b"1,2\n" * 1_000_000)
    assert len(sample_local_file(big, ClassifyOptions(sample_bytes=4096)).head) == 4096


def test_custom_csv_with_the_wrong_number_of_names_declines_with_reason():
    custom = CustomCsvClassifier("sales", CsvSettings(header="ABSENT", names=("a", "b", "c")))
    result = custom.classify(sample_of("1,2\n3,4\n"), ClassifyOptions())
    assert result.classification == UNKNOWN and result.reason == "sales: 3 column names given, the file has 2 columns"
