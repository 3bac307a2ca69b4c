"""The SQL a partition filter becomes: typed comparisons, and joins the indexes can drive."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from metastore.exceptions import MetaError
from metastore.model import FieldSchema
from metastore.partition_filter import parse_filter
from metastore.store.filters import PartitionQuery
from metastore.store.schema import partitions

KEYS = [FieldSchema("ds", "string"), FieldSchema("hr", "int")]


def _sql(text: str, dialect=postgresql.dialect()) -> str:  # noqa: ANN001, B008
    pq = PartitionQuery(partitions, KEYS)
    condition = pq.filter_condition(parse_filter(text))
    query = partitions.select().select_from(pq.from_clause()).where(condition)
    return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()])
def test_value_joins_carry_the_table_id_for_the_index(dialect):
    sql = _sql('ds >= "2024-01-01" and hr > 3', dialect)
    assert "pv0.tbl_id = mh_partitions.tbl_id" in sql
    assert "pv1.tbl_id = mh_partitions.tbl_id" in sql


def test_integer_keys_compare_numbers_and_string_keys_compare_text():
    sql = _sql('ds >= "2024-01-02" and hr < 10')
    assert "pv0.value >= '2024-01-02'" in sql
    assert "pv1.num < 10" in sql


def test_like_becomes_an_escaped_sql_like():
    sql = _sql('ds like ".*02"', sqlite.dialect())  # psycopg2 would show '%%' (its % escaping)
    assert "pv0.value LIKE '%02' ESCAPE '\\'" in sql


def test_unknown_key_and_non_integer_literal_are_meta_errors():
    with pytest.raises(MetaError, match="'nope', which is not a partition key; partition keys are: ds, hr"):
        _sql('nope = "x"')
    with pytest.raises(MetaError, match="integer partition key 'hr' with 'abc'"):
        _sql('hr = "abc"')


def test_equality_on_the_first_string_key_is_a_name_range_without_a_join():
    sql = _sql('ds = "2024-01-01" and hr > 3')
    assert "mh_partitions.name >= 'ds=2024-01-01/' AND mh_partitions.name < 'ds=2024-01-010'" in sql
    assert "pv0" not in sql and "pv1.num > 3" in sql
    escaped = _sql('ds = "a/b%c"')
    assert "mh_partitions.name >= 'ds=a%%2Fb%%25c/'" in escaped and "JOIN" not in escaped
    # under OR, NOT, on the second key, on an integer first key or with another operator: the value join
    assert "pv0.value = '2024-01-01'" in _sql('ds = "2024-01-01" or hr = 3')
    assert "pv1.num = 3" in _sql('hr = 3') and "name" not in _sql('hr = 3').split("WHERE")[1]
    int_first = PartitionQuery(partitions, [FieldSchema("hr", "int")])
    assert str(int_first.filter_condition(parse_filter("hr = 3"))).startswith("pv0.num")


def test_a_single_key_equality_is_the_exact_name_and_specs_use_their_leading_values():
    pq = PartitionQuery(partitions, [FieldSchema("ds", "string")])
    where = pq.filter_condition(parse_filter('ds = "x"'))
    assert str(where.compile(compile_kwargs={"literal_binds": True})) == "mh_partitions.name = 'ds=x'"
    spec = PartitionQuery(partitions, KEYS)
    sql = str(spec.spec_condition(["2024-01-01", ""]).compile(compile_kwargs={"literal_binds": True}))
    assert sql == "mh_partitions.name >= 'ds=2024-01-01/' AND mh_partitions.name < 'ds=2024-01-010'"
    gap = PartitionQuery(partitions, KEYS)
    sql = str(gap.spec_condition(["", "3"]).compile(compile_kwargs={"literal_binds": True}))
    assert sql == "pv1.value = '3'"
