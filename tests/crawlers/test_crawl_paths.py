"""Exclude globs with Glue's semantics and the side files engines skip."""

from __future__ import annotations

import pytest

from crawlers.paths import Excludes, is_side_entry


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("*.csv", "a.csv", True),
    ("*.csv", "x/a.csv", False),  # * stays within one level
    ("**.csv", "x/y/a.csv", True),  # ** crosses levels
    ("departments/**", "departments/2020/a.json", True),
    ("employees/*.csv", "employees/a.csv", True),
    ("employees/*.csv", "employees/x/a.csv", False),
    ("?.json", "a.json", True),
    ("?.json", "ab.json", False),
    ("[!a-c]*.json", "d.json", True),
    ("[!a-c]*.json", "b.json", False),
    ("{a,b}/**", "b/x.parquet", True),
    ("{a,b}/**", "c/x.parquet", False),
    ("2015/01/{[!0],0[8-9]}**", "2015/01/09/x", True),
    ("2015/01/{[!0],0[8-9]}**", "2015/01/03/x", False),
    ("*", ".hidden", True),  # a leading dot is not special
    ("a\\*b", "a*b", True),
    ("a\\*b", "axb", False),
])
def test_glue_globs(pattern: str, path: str, matches: bool) -> None:
    assert Excludes([pattern]).matches(path) is matches


def test_exclusions_parameter_is_absolute() -> None:
    assert Excludes(["**.tmp", "/logs/*"]).absolute("s3://bucket/data/") == [
        "s3://bucket/data/**.tmp", "s3://bucket/data/logs/*"]


@pytest.mark.parametrize("pattern", ["[abc", "{a,b", "{a,{b}}"])
def test_bad_globs_say_what_is_wrong(pattern: str) -> None:
    with pytest.raises(ValueError, match="exclude pattern"):
        Excludes([pattern])


@pytest.mark.parametrize(("name", "side"), [
    ("_SUCCESS", True), ("_temporary", True), (".part-0.parquet.crc", True), ("part-0.parquet.crc", True),
    ("logs_$folder$", True), (".DS_Store", True), ("_metadata", True), ("_common_metadata", True),
    ("x._COPYING_", True), ("part-0.parquet", False), ("_key=1", False), ("year=2024", False),
])
def test_side_files(name: str, side: bool) -> None:
    assert is_side_entry(name) is side
