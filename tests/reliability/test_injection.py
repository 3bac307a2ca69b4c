"""Names, patterns, partition names and filter literals never reach SQL as text (both backends)."""

from __future__ import annotations

import pytest
from hive_metastore.ttypes import InvalidObjectException, MetaException, NoSuchObjectException

from tests.reliability import clients as c

HOSTILE = [
    "x' OR '1'='1", "'; DROP TABLE mh_tables; --", "\" OR 1=1 --", "a%", "t_%", "%'--", "\\'",
    "); DELETE FROM mh_partitions WHERE (1=1", "' UNION SELECT name FROM mh_databases --", "1; SELECT pg_sleep(30)",
]


@pytest.fixture(scope="module")
def client(server):
    client = c.connect(server.host, server.port)
    client.create_database(c.database("inj"))
    client.create_table(c.table("inj", "t"))
    tbl = client.get_table("inj", "t")
    client.add_partitions([c.partition("inj", "t", [v], tbl.sd) for v in ("2024-01-01", "2024-01-02")])
    yield client
    c.close(client)


def assert_untouched(client) -> None:
    assert client.get_all_tables("inj") == ["t"]
    assert client.get_partition_names("inj", "t", -1) == ["ds=2024-01-01", "ds=2024-01-02"]
    assert "inj" in client.get_all_databases()


@pytest.mark.parametrize("evil", HOSTILE)
def test_hostile_strings_are_data_not_sql(client, evil):
    assert client.get_tables("inj", evil) == []
    assert client.get_databases(evil) == []
    with pytest.raises(NoSuchObjectException):
        client.get_table("inj", evil)
    with pytest.raises(NoSuchObjectException):
        client.get_table(evil, "t")
    quoted = evil.replace("\\", "\\\\").replace('"', '\\"')
    assert client.get_partitions_by_filter("inj", "t", f'ds = "{quoted}"', -1) == []
    assert client.get_partition_names_ps("inj", "t", [evil], -1) == []
    assert client.get_partitions_by_names("inj", "t", [f"ds={evil}"]) == []
    with pytest.raises((InvalidObjectException, MetaException)):
        client.create_table(c.table("inj", evil))
    assert_untouched(client)


def test_nul_characters_get_a_clear_error_on_both_backends(client, server):
    """PostgreSQL cannot store NUL: the call says so instead of failing with an internal error."""
    if server.db_url.startswith("postgresql"):
        with pytest.raises(MetaException, match=r"contains a NUL \(0x00\) character"):
            client.get_table("inj", "x\x00y")
    else:
        with pytest.raises(NoSuchObjectException):
            client.get_table("inj", "x\x00y")
    assert client.get_databases("x\x00y") == []
    with pytest.raises(InvalidObjectException):
        client.create_table(c.table("inj", "t\x00"))
    assert_untouched(client)


def test_like_wildcards_in_filters_are_escaped(client):
    assert [p.values for p in client.get_partitions_by_filter("inj", "t", 'ds like "2024%"', -1)] == [
        ["2024-01-01"], ["2024-01-02"]]
    assert client.get_partitions_by_filter("inj", "t", 'ds = "2024%"', -1) == []
    assert client.get_partitions_by_filter("inj", "t", 'ds = "2024-01-0_"', -1) == []


def test_hostile_partition_values_round_trip(client):
    tbl = client.get_table("inj", "t")
    evil = "x' OR '1'='1"
    client.add_partitions([c.partition("inj", "t", [evil], tbl.sd)])
    try:
        found = client.get_partitions_by_filter("inj", "t", 'ds = "x\' OR \'1\'=\'1"', -1)
        assert [p.values for p in found] == [[evil]]
        assert len(client.get_partitions("inj", "t", -1)) == 3
    finally:
        client.drop_partition("inj", "t", [evil], True)
    assert_untouched(client)
