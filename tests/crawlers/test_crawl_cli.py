"""``metahive crawl`` as users run it: dry run, explain, JSON, threshold and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest


def metahive(*args: str, cwd) -> subprocess.CompletedProcess:  # noqa: ANN001
    return subprocess.run([sys.executable, "-m", "metastore.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200"})


@pytest.fixture
def lake(tmp_path):
    root = tmp_path / "lake"
    for day in ("1", "2"):
        (root / "orders" / f"day={day}").mkdir(parents=True)
        pq.write_table(pa.table({"id": [1, 2], "total": [1.5, 2.5]}), root / "orders" / f"day={day}" / "p.parquet")
        (root / "orders" / f"day={day}" / "_SUCCESS").write_text("")
    (root / "notes").mkdir()
    (root / "notes" / "a.csv").write_text("id,text\n1,hello\n2,world\n")
    (root / "notes" / "skip.tmp.csv").write_text("id,text\n1,x\n2,y\n")
    return root


def test_dry_run_prints_the_plan_and_writes_nothing(lake, tmp_path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    out = metahive("crawl", str(lake), "--database", "lake", "--db", db, "--dry-run", "--exclude", "**.tmp.csv",
                   "--explain", str(lake / "orders" / "day=2" / "p.parquet"),
                   "--explain", str(lake / "orders" / "day=1" / "_SUCCESS"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "plan for database lake: add_partitions 2, create_table 2"
    assert any(line.startswith("  create_table         notes: new table (one folder); csv at file:") for line in lines)
    assert "      partitions: day=1, day=2" in lines
    assert f"{lake}/orders/day=2/p.parquet: part of table orders at file:{lake}/orders (2/2 folders have similar schemas (≥70% column overlap))" in lines
    assert f"  partition {{'day': '2'}} at file:{lake}/orders/day=2" in lines
    assert (f"{lake}/orders/day=1/_SUCCESS: skipped, a side file or folder engines do not read "
            "(_SUCCESS, .crc, _temporary, dot files…)") in lines
    listed = metahive("crawl", str(lake), "--database", "lake", "--db", db, "--json", cwd=tmp_path)
    doc = json.loads(listed.stdout)
    assert doc["plan"] == {"create_table": 2, "add_partitions": 2}  # the dry run wrote nothing
    assert doc["files_listed"] == 4 and doc["metrics"]["tables_created"] == 2
    again = json.loads(metahive("crawl", str(lake), "--database", "lake", "--db", db, "--json", cwd=tmp_path).stdout)
    assert (again["plan"], again["files_read"]) == ({}, 0)


def test_table_threshold_fails_with_glue_message_before_writing(lake, tmp_path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    out = metahive("crawl", str(lake), "--database", "lake", "--db", db, "--table-threshold", "1", cwd=tmp_path)
    assert out.returncode == 1
    assert "The number of tables detected by the crawler: 2 is greater than the table threshold value provided: 1" \
        in " ".join(out.stderr.split())
    shown = json.loads(metahive("crawl", str(lake), "--database", "lake", "--db", db, "--json", "--dry-run",
                                cwd=tmp_path).stdout)
    assert shown["plan"] == {"create_table": 2, "add_partitions": 2}


def test_missing_source_and_bad_metastore_are_clear_errors(tmp_path) -> None:
    out = metahive("crawl", str(tmp_path / "nope"), "--database", "x", "--db", f"sqlite:///{tmp_path}/c.db",
                   cwd=tmp_path)
    assert out.returncode == 1
    assert f"source {tmp_path}/nope does not exist; check the path" in " ".join(out.stderr.split())
    out = metahive("crawl", str(tmp_path), "--database", "x", "--metastore", "thrift://127.0.0.1:1", cwd=tmp_path)
    assert out.returncode == 1
    assert "cannot connect to the metastore at thrift://127.0.0.1:1" in " ".join(out.stderr.split())
