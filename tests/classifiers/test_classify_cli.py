"""``metahive classify``: the real command in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.classifiers import datagen


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metastore.cli", "classify", *args], capture_output=True, text=True,
                          timeout=60)


def test_classify_prints_schema_and_exits_0(tmp_path):
    path = datagen.write_parquet(tmp_path / "p.parquet")
    done = run(str(path))
    assert done.returncode == 0, done.stderr
    assert f"{path}: parquet (certainty 1.00), compression none, 3 records" in done.stdout
    assert "balance" in done.stdout and "decimal(10,2)" in done.stdout


def test_classify_json_output_and_unknown_exit_status(tmp_path):
    good = datagen.write_json_lines(tmp_path / "p.json")
    bad = tmp_path / "junk.bin"
    bad.write_bytes(bytes(range(256)) * 4)
    done = run("--json", "--max-records", "2", str(good), str(bad))
    assert done.returncode == 1
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert (first["classification"], first["records_sampled"]) == ("json", 2)
    assert first["serde_parameters"]["paths"] == "Id,userName,score,active,tags,Address"
    assert second["classification"] == "UNKNOWN" and "no classifier matched" in second["reason"]


def test_classify_bad_option_says_what_is_wrong(tmp_path):
    path = datagen.write_json_lines(tmp_path / "p.json")
    done = run("--sample-bytes", "10", str(path))
    assert done.returncode == 2 and "Invalid value for '--sample-bytes': 10 is not in the range x>=64" in done.stderr
