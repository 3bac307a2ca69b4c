"""``metahive audit`` through click's CliRunner over a catalog written in-process (SQLite)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from metastore.app import build_metastore, prepare_database
from metastore.audit.context import acting_as
from metastore.cli import main
from metastore.model import FieldSchema, Partition, SerDeInfo, StorageDescriptor, Table


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """A catalog with lake.orders at versions 1..3 (column retyped, then column added) and partitions."""
    root = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{root / 'catalog.db'}"
    prepare_database(url)
    ms = build_metastore(url, str(root / "wh"))
    ms.ensure_default_database()
    with acting_as("alice"):
        from metastore.model import Database

        ms.create_database(Database(name="lake"))
        ms.create_table(Table(
            table_name="orders", db_name="lake", table_type="EXTERNAL_TABLE", parameters={"EXTERNAL": "TRUE"},
            sd=StorageDescriptor(cols=[FieldSchema("id", "int"), FieldSchema("total", "float")],
                                 serde_info=SerDeInfo(serialization_lib="org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe")),
            partition_keys=[FieldSchema("ds", "string")],
        ))
        t = ms.get_table("lake", "orders")
        t.sd.cols = [FieldSchema("id", "bigint"), FieldSchema("total", "float")]
        ms.alter_table("lake", "orders", t)
    with acting_as("crawler:nightly", run_id="run-1"):
        t = ms.get_table("lake", "orders")
        t.sd.cols = [*t.sd.cols, FieldSchema("country", "string")]
        ms.alter_table("lake", "orders", t)
        ms.add_partitions("lake", "orders", [Partition(values=["2024-01-01"]), Partition(values=["2024-01-02"])])
    ms.catalog.dispose()
    return url, str(root / "wh")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_history_json_lists_versions_newest_first(catalog):
    url, _ = catalog
    code, out = _run("history", "lake.orders", "--db", url, "--json")
    assert code == 0, out
    rows = json.loads(out)
    assert [(r["operation"], r["version"], r["actor"]) for r in rows] == [
        ("ADD_PARTITION", None, "crawler:nightly"), ("ALTER_TABLE", 3, "crawler:nightly"),
        ("ALTER_TABLE", 2, "alice"), ("CREATE_TABLE", 1, "alice")]
    assert rows[1]["changes"] == [{"kind": "column_added", "name": "country", "old": None, "new": "string"}]
    assert rows[1]["run_id"] == "run-1"


def test_history_table_output_names_the_changes(catalog):
    code, out = _run("history", "LAKE.Orders", "--db", catalog[0])
    assert code == 0, out
    assert "column retyped id: int -> bigint" in out
    assert "crawler:nightly" in out


def test_diff_between_two_versions_and_of_one_version(catalog):
    code, out = _run("diff", "lake.orders", "1", "3", "--db", catalog[0], "--json")
    assert code == 0, out
    assert json.loads(out) == {"table": "lake.orders", "from_version": 1, "to_version": 3, "changes": [
        {"kind": "column_added", "name": "country", "old": None, "new": "string"},
        {"kind": "column_retyped", "name": "id", "old": "int", "new": "bigint"}]}
    code, out = _run("diff", "lake.orders", "3", "--db", catalog[0])
    assert out.splitlines() == ["lake.orders: version 2 -> 3", "  column added country: string"]


def test_changes_filters_by_kind_and_actor(catalog):
    code, out = _run("changes", "--since", "1h", "--kind", "column_retyped,column_removed", "--db", catalog[0], "--json")
    assert code == 0, out
    assert [(r["table"], r["version"], r["actor"]) for r in json.loads(out)] == [("orders", 2, "alice")]
    code, out = _run("changes", "--actor", "crawler:nightly", "--run-id", "run-1", "--db", catalog[0], "--json")
    assert [r["operation"] for r in json.loads(out)] == ["ADD_PARTITION", "ALTER_TABLE"]


def test_bad_input_says_what_to_do(catalog):
    code, out = _run("changes", "--since", "7 days", "--db", catalog[0])
    assert code == 1 and "Cannot read the duration '7 days'" in out and "7d" in out
    code, out = _run("changes", "--kind", "column_deleted", "--db", catalog[0])
    assert code == 1 and "Unknown change kind(s) column_deleted; known kinds:" in out
    code, out = _run("history", "orders", "--db", catalog[0])
    assert code == 1 and "Name the table as DATABASE.TABLE, got 'orders'" in out
    code, out = _run("diff", "lake.orders", "9", "--db", catalog[0])
    assert code == 1 and "lake.orders has no version 9" in out


def test_restore_then_cleanup_and_prune(catalog):
    url, warehouse = catalog
    code, out = _run("restore", "lake.orders", "1", "--db", url, "--warehouse", warehouse)
    assert code == 0 and "restored lake.orders version 1 as version 4" in out
    code, out = _run("restore", "lake.orders", "4", "--db", url, "--warehouse", warehouse)
    assert "already has the definition of version 4; nothing changed" in out
    code, out = _run("history", "lake.orders", "--limit", "1", "--db", url, "--json")
    (latest,) = json.loads(out)
    assert latest["actor"].startswith("cli:")
    assert {c["kind"] for c in latest["changes"]} == {"column_removed", "column_retyped"}
    code, out = _run("prune", "--max-versions", "2", "--db", url)
    assert code == 0 and "2 change records deleted" in out
    code, out = _run("cleanup", "--ttl", "1d", "--db", url)
    assert code == 0 and "0 change records deleted" in out
    code, out = _run("cleanup", "--ttl", "soon", "--db", url)
    assert code == 2 and "Cannot read the duration 'soon'" in out


def test_an_old_schema_is_refused(tmp_path):
    code, out = _run("history", "a.b", "--db", f"sqlite:///{tmp_path / 'empty.db'}")
    assert code == 2 and "metahive db upgrade" in out
