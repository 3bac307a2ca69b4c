"""Plan and apply against metahive's catalog (in-process, SQLite): policies, hand edits, recrawls."""

from __future__ import annotations

import copy

import pytest
from crawl_helpers import folders, shape

from crawlers.apply import apply
from crawlers.crawl import existing_tables
from crawlers.grouping import group
from crawlers.merge import merge
from crawlers.plan import DeleteBehavior, Planner, Policy, ThresholdExceeded, UpdateBehavior, written_record
from crawlers.store import CrawlState
from crawlers.targets import MetahiveTarget
from metastore.model import FieldSchema

ROOT = "file:/lake"
AB = shape("a:int", "b:string")
XY = shape("x:int", "y:string")  # dissimilar to AB: its folder is a table of its own
ABC = shape("a:int", "b:string", "c:double")


@pytest.fixture
def target(tmp_path):
    t = MetahiveTarget(f"sqlite:///{tmp_path / 'catalog.db'}", str(tmp_path / "wh"), user="crawler:t")
    yield t
    t.close()


@pytest.fixture
def state(target):
    return CrawlState(target.hms.catalog.engine, "t")


def crawl(target, state, spec, policy=Policy(), run="run-1"):  # noqa: ANN001, ANN201, B008
    """group → merge → plan → apply over folder summaries; returns the plan."""
    grouped = group(folders(spec), "lake")
    desired = [merge(g, "db", lambda f: f"{ROOT}/{f}" if f else ROOT, "t", run) for g in grouped.tables]
    plan = Planner("db", "t", policy, existing_tables(target, "db", desired, "t"), state.load_written("db")).build(
        desired, [ROOT])
    metrics = apply(plan, target)
    by_name = {d.name: d for d in desired}
    state.save_written("db", {n: written_record(by_name[n].table) for n in metrics.written})
    return plan


def actions(plan) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(i.action, i.table) for i in plan.items]


SALES = {f"sales/day={d}": [("p0.parquet", AB, 10), ("p1.parquet", AB, 5)] for d in ("01", "02", "03")}


def test_first_crawl_creates_table_with_glue_parameters_and_partitions(target, state) -> None:
    plan = crawl(target, state, SALES)
    assert actions(plan) == [("create_table", "sales"), ("add_partitions", "sales")]
    assert plan.items[1].partitions == ["day=01", "day=02", "day=03"]
    assert plan.items[0].files == ["sales/day=01/p0.parquet", "sales/day=01/p1.parquet", "sales/day=02/p0.parquet"]
    t = target.hms.get_table("db", "sales")
    assert t.table_type == "EXTERNAL_TABLE" and t.sd.location == f"{ROOT}/sales"
    assert [(c.name, c.type) for c in t.sd.cols] == [("a", "int"), ("b", "string")]
    assert [(k.name, k.type) for k in t.partition_keys] == [("day", "string")]
    p = t.parameters
    assert (p["classification"], p["compressionType"], p["typeOfData"]) == ("parquet", "none", "file")
    assert (p["recordCount"], p["objectCount"], p["sizeKey"], p["averageRecordSize"]) == ("45", "6", "600", "13")
    assert (p["UPDATED_BY_CRAWLER"], p["CRAWL_RUN_ID"], p["EXTERNAL"]) == ("t", "run-1", "TRUE")
    parts = target.hms.get_partitions("db", "sales")
    assert [(x.values, x.sd.location, x.parameters["recordCount"]) for x in parts] == [
        (["01"], f"{ROOT}/sales/day=01", "15"), (["02"], f"{ROOT}/sales/day=02", "15"),
        (["03"], f"{ROOT}/sales/day=03", "15")]
    assert t.sd.serde_info.serialization_lib == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


def test_recrawl_without_changes_plans_nothing(target, state) -> None:
    crawl(target, state, SALES)
    assert actions(crawl(target, state, SALES, run="run-2")) == []


def test_new_partition_folder_is_added(target, state) -> None:
    crawl(target, state, SALES)
    plan = crawl(target, state, {**SALES, "sales/day=04": [("p0.parquet", AB, 7)]}, run="run-2")
    assert actions(plan) == [("update_table", "sales"), ("add_partitions", "sales")]
    assert plan.items[0].reason == "statistics changed"
    assert plan.items[1].partitions == ["day=04"]
    assert target.hms.get_table("db", "sales").parameters["recordCount"] == "52"


@pytest.mark.parametrize(("behavior", "expected"), [
    (DeleteBehavior.DELETE_FROM_DATABASE, ["day=01", "day=02"]),
    (DeleteBehavior.DEPRECATE_IN_DATABASE, ["day=01", "day=02", "day=03"]),
    (DeleteBehavior.LOG, ["day=01", "day=02", "day=03"]),
])
def test_vanished_partition_follows_delete_behavior(target, state, behavior, expected) -> None:
    crawl(target, state, SALES)
    remaining = {k: v for k, v in SALES.items() if not k.endswith("03")}
    plan = crawl(target, state, remaining, Policy(delete=behavior), run="run-2")
    assert target.hms.get_partition_names("db", "sales") == expected
    item = next(i for i in plan.items if i.partitions == ["day=03"])
    assert item.action == {"DELETE_FROM_DATABASE": "delete_partitions", "DEPRECATE_IN_DATABASE":
                           "deprecate_partitions", "LOG": "log"}[behavior.value]
    if behavior == DeleteBehavior.DEPRECATE_IN_DATABASE:
        assert "DEPRECATED_BY_CRAWLER" in target.hms.get_partition("db", "sales", ["03"]).parameters
        crawl(target, state, SALES, Policy(delete=behavior), run="run-3")  # the data comes back
        assert "DEPRECATED_BY_CRAWLER" not in target.hms.get_partition("db", "sales", ["03"]).parameters


def test_hand_edits_survive_update_in_database(target, state) -> None:
    crawl(target, state, {"t": [("a.parquet", AB, 1)]})
    edited = copy.deepcopy(target.hms.get_table("db", "t"))
    edited.sd.cols[1] = FieldSchema("b", "varchar(10)", "customer name")  # retyped and commented by hand
    edited.parameters["owner_team"] = "billing"
    edited.parameters["classification"] = "parquet-v2"  # a crawler key edited by hand
    target.alter_table(edited)
    plan = crawl(target, state, {"t": [("a.parquet", ABC, 1)]}, run="run-2")
    assert actions(plan) == [("update_table", "t")]
    assert plan.items[0].reason == "new columns c"
    t = target.hms.get_table("db", "t")
    assert [(c.name, c.type, c.comment) for c in t.sd.cols] == [
        ("a", "int", None), ("b", "varchar(10)", "customer name"), ("c", "double", None)]
    assert (t.parameters["owner_team"], t.parameters["classification"]) == ("billing", "parquet-v2")
    assert t.parameters["CRAWL_RUN_ID"] == "run-2"


def test_overwrite_edits_replaces_them(target, state) -> None:
    crawl(target, state, {"t": [("a.parquet", AB, 1)]})
    edited = copy.deepcopy(target.hms.get_table("db", "t"))
    edited.sd.cols[1] = FieldSchema("b", "varchar(10)", None)
    target.alter_table(edited)
    crawl(target, state, {"t": [("a.parquet", AB, 1)]}, Policy(overwrite_edits=True), run="run-2")
    assert [c.type for c in target.hms.get_table("db", "t").sd.cols] == ["int", "string"]


def test_merge_new_columns_adds_but_never_removes(target, state) -> None:
    crawl(target, state, {"t": [("a.parquet", ABC, 1)]})
    plan = crawl(target, state, {"t": [("a.parquet", shape("a:int", "d:string"), 1)]},
                 Policy(update=UpdateBehavior.MERGE_NEW_COLUMNS), run="run-2")
    assert plan.items[0].reason == "new columns d"
    assert [c.name for c in target.hms.get_table("db", "t").sd.cols] == ["a", "b", "c", "d"]


def test_merge_new_columns_deprecates_on_format_change(target, state) -> None:
    crawl(target, state, {"t": [("a.parquet", AB, 1)]})
    plan = crawl(target, state, {"t": [("a.json", shape("a:int", "b:string", classification="json"), 1)]},
                 Policy(update=UpdateBehavior.MERGE_NEW_COLUMNS), run="run-2")
    assert actions(plan) == [("deprecate_table", "t")]
    assert plan.items[0].reason == "format changed from parquet/none/None to json/none/None under MERGE_NEW_COLUMNS"
    assert "DEPRECATED_BY_CRAWLER" in target.hms.get_table("db", "t").parameters


def test_log_update_behavior_writes_nothing(target, state) -> None:
    crawl(target, state, {"t": [("a.parquet", AB, 1)]})
    plan = crawl(target, state, {"t": [("a.parquet", ABC, 1)]}, Policy(update=UpdateBehavior.LOG), run="run-2")
    assert actions(plan) == [("log", "t")]
    assert plan.items[0].reason == "would update (new columns c) but the update behaviour is LOG"
    assert [c.name for c in target.hms.get_table("db", "t").sd.cols] == ["a", "b"]


def test_vanished_table_is_deprecated_then_cleared_when_data_returns(target, state) -> None:
    crawl(target, state, {"t": [("a.parquet", AB, 1)], "u": [("a.parquet", XY, 1)]})
    plan = crawl(target, state, {"t": [("a.parquet", AB, 1)]}, run="run-2")
    assert actions(plan) == [("deprecate_table", "u")]
    assert plan.items[0].reason == f"no data found at {ROOT}/u any more"
    assert "DEPRECATED_BY_CRAWLER" in target.hms.get_table("db", "u").parameters
    plan = crawl(target, state, {"t": [("a.parquet", AB, 1)], "u": [("a.parquet", XY, 1)]}, run="run-3")
    assert actions(plan) == [("update_table", "u")]
    assert plan.items[0].reason.startswith("data is back, clearing DEPRECATED_BY_CRAWLER")
    assert "DEPRECATED_BY_CRAWLER" not in target.hms.get_table("db", "u").parameters


def test_vanished_table_deleted_with_delete_from_database(target, state) -> None:
    crawl(target, state, {"t": [("a.parquet", AB, 1)], "u": [("a.parquet", XY, 1)]})
    crawl(target, state, {"t": [("a.parquet", AB, 1)]}, Policy(delete=DeleteBehavior.DELETE_FROM_DATABASE), "run-2")
    assert target.hms.get_tables("db", None) == ["t"]


def test_table_threshold_fails_before_writing(target, state) -> None:
    spec = {"t": [("a.parquet", AB, 1)], "u": [("a.json", shape("x:int", classification="json"), 1)]}
    with pytest.raises(ThresholdExceeded, match="The number of tables detected by the crawler: 2 is greater than "
                                                "the table threshold value provided: 1"):
        crawl(target, state, spec, Policy(table_threshold=1))
    with pytest.raises(Exception, match="db"):
        target.hms.get_database("db")


def test_name_taken_by_a_foreign_table_gets_a_hash_suffix(target, state) -> None:
    crawl(target, state, {"t": [("a.parquet", AB, 1)]})
    foreign = copy.deepcopy(target.hms.get_table("db", "t"))
    target.drop_table("db", "t")
    foreign.sd.location = "file:///elsewhere/t"
    foreign.parameters = {"EXTERNAL": "TRUE"}
    target.create_table(foreign)
    plan = crawl(target, state, {"t": [("a.parquet", AB, 1)]}, run="run-2")
    assert [i.action for i in plan.items] == ["create_table"]
    assert plan.items[0].table.startswith("t_") and len(plan.items[0].table) == 10
