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
    sql = _sql('ds = "2024-01-01" and hr > 3', dialect)
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
