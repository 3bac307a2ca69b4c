"""Recrawls on real local files: incremental (size + mtime), CRAWL_EVERYTHING, CRAWL_NEW_FOLDERS_ONLY,
deletions noticed, and files that vanish or cannot be read."""

from __future__ import annotations

import os
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawlers.crawl import CRAWL_EVERYTHING, CRAWL_NEW_FOLDERS_ONLY, CrawlOptions, crawl
from crawlers.store import CrawlState
from crawlers.targets import MetahiveTarget


def write(path, **cols) -> None:  # noqa: ANN001, ANN003
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(cols), path)


@pytest.fixture
def lake(tmp_path):
    root = tmp_path / "lake" / "events"
    for day in ("01", "02", "03"):
        for n in range(2):
            write(root / f"day={day}" / f"part-{n}.parquet", id=[1, 2, 3], kind=["a", "b", "c"])
    return tmp_path / "lake"


@pytest.fixture
def target(tmp_path):
    t = MetahiveTarget(f"sqlite:///{tmp_path / 'catalog.db'}", str(tmp_path / "wh"))
    yield t
    t.close()


def run(lake, target, **kw):  # noqa: ANN001, ANN003, ANN201
    state = CrawlState(target.hms.catalog.engine, "c")
    return crawl(CrawlOptions([str(lake)], "db", crawler="c", **kw), target, state)


def test_incremental_recrawl_reads_only_changed_files_and_sees_deletions(lake, target) -> None:
    first = run(lake, target)
    assert first.summary()["files_read"] == 6
    assert first.metrics.partitions_created == 3
    # a changed file (new column), a new partition folder, a deleted partition folder
    changed = lake / "events" / "day=02" / "part-1.parquet"
    write(changed, id=[4, 5], kind=["d", "e"], score=[1.5, 2.5])
    os.utime(changed, ns=(os.stat(changed).st_atime_ns, os.stat(changed).st_mtime_ns + 10**9))
    write(lake / "events" / "day=04" / "part-0.parquet", id=[6], kind=["f"])
    shutil.rmtree(lake / "events" / "day=01")
    second = run(lake, target)
    assert second.summary()["files_read"] == 2  # the changed file and the new one
    assert [(i.action, i.partitions) for i in second.plan.items] == [
        ("update_table", []), ("add_partitions", ["day=04"]), ("update_partitions", ["day=02", "day=03"]),
        ("deprecate_partitions", ["day=01"])]  # day=03 takes the table's new column
    assert second.plan.items[0].reason == "new columns score"
    t = target.hms.get_table("db", "events")
    assert [(c.name, c.type) for c in t.sd.cols] == [("id", "bigint"), ("kind", "string"), ("score", "double")]
    assert t.parameters["recordCount"] == str(3 * 3 + 2 + 1)
    # partitions inherit the table's columns; those whose files differ record their own
    day2, day3 = (target.hms.get_partition("db", "events", [d]) for d in ("02", "03"))
    assert [c.name for c in day2.sd.cols] == [c.name for c in day3.sd.cols] == ["id", "kind", "score"]
    assert "crawler.partition.columns" not in day2.parameters
    assert day3.parameters["crawler.partition.columns"] == '["id:bigint", "kind:string"]'

    third = run(lake, target)
    assert (third.summary()["files_read"], third.plan.items) == (0, [])


def test_crawl_everything_reads_every_file_again(lake, target) -> None:
    run(lake, target)
    again = run(lake, target, recrawl=CRAWL_EVERYTHING)
    assert again.summary()["files_read"] == 6
    assert again.plan.items == []


def test_new_folders_only_ignores_changes_to_known_folders(lake, target) -> None:
    run(lake, target)
    write(lake / "events" / "day=03" / "part-9.parquet", id=[1], kind=["z"], extra=["x"])
    write(lake / "events" / "day=05" / "part-0.parquet", id=[7], kind=["g"])
    shutil.rmtree(lake / "events" / "day=01")
    result = run(lake, target, recrawl=CRAWL_NEW_FOLDERS_ONLY)
    assert result.summary()["files_read"] == 1
    assert [(i.action, i.partitions) for i in result.plan.items] == [
        ("log", []), ("add_partitions", ["day=05"]), ("log", ["day=01"])]
    assert target.hms.get_partition_names("db", "events") == ["day=01", "day=02", "day=03", "day=05"]
    assert [c.name for c in target.hms.get_table("db", "events").sd.cols] == ["id", "kind"]


def test_vanished_and_unreadable_files_are_listed_and_the_crawl_completes(lake, target) -> None:
    os.symlink(lake / "gone.parquet", lake / "events" / "day=03" / "vanished.parquet")  # dangling: gone
    (lake / "events" / "day=03" / "empty.parquet").write_bytes(b"")
    result = run(lake, target)
    skipped = result.summary()["skipped_files"]
    assert len(skipped) == 1 and skipped[0].startswith(f"cannot stat file:{lake}/events/day=03/vanished.parquet: ")
    assert result.metrics.tables_created == 1 and result.metrics.partitions_created == 3
    assert result.plan.ignored["events/day=03/empty.parquet"].startswith("no classifier matched")


def test_source_that_does_not_exist_is_a_clear_error(tmp_path, target) -> None:
    from crawlers.sources import SourceError

    with pytest.raises(SourceError, match=f"source {tmp_path}/nope does not exist; check the path"):
        run(tmp_path / "nope", target)
