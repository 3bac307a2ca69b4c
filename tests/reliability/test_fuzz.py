"""Fuzzing the three parsers that take untrusted text or bytes: the wire reader, partition filters, name patterns.

Bounded for CI (``FUZZ_EXAMPLES``, default 150 per property); ``make fuzz`` raises it
(``METAHIVE_FUZZ_EXAMPLES=20000``) for a longer run.
"""

from __future__ import annotations

import os
import re
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from thriftpy2.protocol.cybin import TCyBinaryProtocol
from thriftpy2.transport.memory import TCyMemoryBuffer

from metastore.names import compile_pattern, filter_names
from metastore.partition_filter import FilterSyntaxError, parse_filter
from metastore.wire.idl import hms
from metastore.wire.limits import MessageReader, WireLimitError, WireLimits
from tests.reliability import wire_bytes as w

FUZZ_EXAMPLES = int(os.environ.get("METAHIVE_FUZZ_EXAMPLES", "150"))
fuzz = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LIMITS = WireLimits(max_message_size=64 * 1024, read_timeout=1.0, max_depth=64)


class ChunkedSource:
    """Serves ``data`` in the given chunk sizes, as a socket delivering segments would."""

    def __init__(self, data: bytes, chunks: list[int]) -> None:
        self.data, self.chunks, self.pos = data, chunks or [7], 0

    def recv(self, n: int, timeout: float | None) -> bytes:
        size = min(n, self.chunks[self.pos % len(self.chunks)] if self.chunks else n)
        piece = self.data[self.pos:self.pos + max(size, 1)]
        self.pos += len(piece)
        return piece


def read_all(data: bytes, chunks: list[int]) -> tuple[list[bytes], Exception | None]:
    reader = MessageReader(ChunkedSource(data, chunks), LIMITS)
    messages: list[bytes] = []
    try:
        while (message := reader.next_message()) is not None:
            messages.append(message)
    except (WireLimitError, EOFError) as e:
        return messages, e
    return messages, None


def decode(message: bytes) -> None:
    """What the processor does with an accepted message (from memory: cannot block)."""
    proto = TCyBinaryProtocol(TCyMemoryBuffer(message), strict_read=False)
    name, _, _ = proto.read_message_begin()
    service = hms().ThriftHiveMetastore
    if name in service.thrift_services:
        proto.read_struct(getattr(service, name + "_args")())


def encode_call(method: str, args) -> bytes:
    buf = TCyMemoryBuffer()
    proto = TCyBinaryProtocol(buf)
    proto.write_message_begin(method, 1, 3)
    proto.write_struct(args)
    proto.write_message_end()
    buf.flush()
    return buf.getvalue()


names = st.text(st.characters(codec="utf-8"), max_size=40)
chunk_sizes = st.lists(st.integers(1, 4096), min_size=1, max_size=8)


@fuzz
@given(st.binary(max_size=4096), chunk_sizes)
def test_random_bytes_are_rejected_or_read_never_crash(data, chunks):
    messages, _error = read_all(data, chunks)
    for message in messages:
        try:
            decode(message)
        except Exception:  # noqa: BLE001, S110 - a decode error closes that connection; the point is no crash/hang
            pass


@fuzz
@given(st.lists(names, max_size=50), names, names, chunk_sizes)
def test_valid_calls_come_through_byte_for_byte(part_names, db, table, chunks):
    service = hms().ThriftHiveMetastore
    first = encode_call("get_partitions_by_names",
                        service.get_partitions_by_names_args(db_name=db, tbl_name=table, names=part_names))
    t = hms()
    table_struct = t.Table(tableName=table, dbName=db, parameters={n: n for n in part_names},
                           sd=t.StorageDescriptor(cols=[t.FieldSchema(name=n, type="int") for n in part_names[:5]]))
    second = encode_call("create_table", service.create_table_args(tbl=table_struct))
    messages, error = read_all(first + second, chunks)
    assert error is None and messages == [first, second]


@fuzz
@given(st.data(), chunk_sizes)
def test_mutated_calls_are_rejected_or_read(data, chunks):
    t = hms()
    table_struct = t.Table(tableName="t", dbName="d", parameters={"k": "v"},
                           sd=t.StorageDescriptor(cols=[t.FieldSchema(name="c", type="int")], location="file:/x"),
                           partitionKeys=[t.FieldSchema(name="ds", type="string")])
    message = bytearray(encode_call("create_table", hms().ThriftHiveMetastore.create_table_args(tbl=table_struct)))
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(message) - 1))
        message[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(message)))
    messages, _ = read_all(bytes(message[:cut]), chunks)
    for accepted in messages:
        try:
            decode(accepted)
        except Exception:  # noqa: BLE001, S110
            pass


def test_limits_are_enforced_exactly():
    ok = w.get_table("d", "t")
    assert read_all(ok, [3]) == ([ok], None)
    for payload, reason in [
        (w.huge_string_prefix(), "does not fit the 65536-byte message limit"),
        (w.huge_list_prefix(), "a container of 2147483647 elements does not fit"),
        (w.deep_nesting(65), "nested deeper than 64 levels"),
        (w.unknown_field_type(), "unknown Thrift field type 126"),
        (w.bad_version(), "not a Thrift binary message"),
        (w.many_empty_structs(8000), "too many structs in one message"),
        (w.call_header("get_table") + struct.pack(">bhi", 11, 1, -5), "negative string length -5"),
    ]:
        _, error = read_all(payload + b"\x00" * 64, [4096])
        assert isinstance(error, WireLimitError) and reason in str(error), (reason, error)
    _, error = read_all(ok[:-3], [5])
    assert isinstance(error, EOFError)
    assert read_all(w.deep_nesting(60), [100])[1] is None


# -- partition filters ------------------------------------------------------------------------------

FILTER_TOKENS = st.sampled_from([
    "ds", "hr", "`k`", "=", "==", "!=", "<>", "<", "<=", ">", ">=", "<=>", "and", "or", "not", "like", "between",
    "in", "(", ")", ",", "'x'", '"2024-01-01"', "2024-01-01", "-5", "9223372036854775808", "date", "'%_'", "\\",
    "'", '"', "`", ";", "--", "/*", "DROP TABLE mh_tables", "'); DELETE FROM mh_partitions; --",
])


@fuzz
@given(st.one_of(st.text(max_size=300), st.lists(FILTER_TOKENS, max_size=60).map(" ".join)))
def test_filter_parser_accepts_or_rejects_cleanly(text):
    try:
        parse_filter(text)
    except FilterSyntaxError as e:
        assert str(e).startswith("Error parsing partition filter")


def test_filter_parser_bounds_nesting_and_length():
    for text in ("(" * 100_000 + "ds = 1" + ")" * 100_000, "not " * 100_000 + "ds = 1"):
        try:
            parse_filter(text)
            raise AssertionError("accepted")
        except FilterSyntaxError as e:
            assert "nested more than 200 levels deep" in str(e)


# -- name patterns ----------------------------------------------------------------------------------

def reference_match(pattern: str, name: str) -> bool:
    """Hive's documented semantics via a regex (fine for the short strings hypothesis draws)."""
    for part in pattern.split("|"):
        part = part.strip().lower()
        if part and re.fullmatch("".join(".*" if c == "*" else "." if c == "." else re.escape(c) for c in part),
                                 name.lower()):
            return True
    return False


@fuzz
@given(st.text(st.sampled_from("ab*.|_A("), max_size=12), st.lists(st.text(st.sampled_from("abA_("), max_size=10),
                                                                    max_size=10))
def test_patterns_match_hive_semantics(pattern, candidates):
    if compile_pattern(pattern) is None:
        assert filter_names(candidates, pattern) == candidates
    else:
        assert filter_names(candidates, pattern) == [n for n in candidates if reference_match(pattern, n)]


def test_backtracking_patterns_cannot_hang():
    """Patterns that make a backtracking regex engine run for hours on a long name (pytest-timeout guards)."""
    name = "a" * 20_000
    for pattern in ("(a+)+b", "(a|aa)*c", ".*.*.*.*.*.*.*.*.*.*!"):
        assert filter_names([name, "ab"], pattern) == []
    assert filter_names([name, name + "b"], "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b") == [name + "b"]
