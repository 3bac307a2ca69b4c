"""Grouping folders into tables and partitions: the similarity rule, key names, table level, names."""

from __future__ import annotations

from crawl_helpers import folders, shape

from crawlers.grouping import GroupingOptions, group, sanitize_name

AB = shape("a:int", "b:string")
CD = shape("c:int", "d:string")


def test_hive_style_folders_become_named_partition_keys() -> None:
    g = group(folders({
        "sales/year=2019/month=Jan": [("p0.parquet", AB, 10)],
        "sales/year=2019/month=Feb": [("p0.parquet", AB, 10)],
        "sales/year=2020/month=Jan": [("p0.parquet", AB, 10), ("p1.parquet", AB, 5)],
    }), "lake")
    assert [(t.name, t.root, t.keys) for t in g.tables] == [("sales", "sales", ("year", "month"))]
    assert [p.values for p in g.tables[0].partitions] == [("2019", "Feb"), ("2019", "Jan"), ("2020", "Jan")]


def test_plain_folders_become_partition_n_keys() -> None:
    g = group(folders({
        "logs/2024/01": [("a.parquet", AB, 1)],
        "logs/2024/02": [("a.parquet", AB, 1)],
    }), "lake")
    assert [(t.name, t.keys) for t in g.tables] == [("logs", ("partition_0", "partition_1"))]


def test_a_single_dataset_folder_is_the_table_not_a_partition() -> None:
    g = group(folders({
        "web/clicks/year=2024/month=01": [("p.parquet", AB, 1)],
        "web/clicks/year=2024/month=02": [("p.parquet", AB, 1)],
        "sales/orders/dt=1": [("p.parquet", CD, 1)],
    }), "lake")
    assert sorted((t.name, t.keys) for t in g.tables) == [("clicks", ("year", "month")), ("orders", ("dt",))]


def test_dissimilar_schemas_make_one_table_per_folder() -> None:
    """Glue's example 3: {A,B} and {C,D} under year=... are two tables named after the folders."""
    g = group(folders({
        "table1/year=2017": [("a.parquet", AB, 1)],
        "table1/year=2018": [("a.parquet", CD, 1)],
    }), "lake")
    assert sorted(t.name for t in g.tables) == ["year_2017", "year_2018"]
    assert all(t.keys == () for t in g.tables)


def test_combine_compatible_schemas_ignores_similarity() -> None:
    g = group(folders({
        "table1/year=2017": [("a.parquet", AB, 1)],
        "table1/year=2018": [("a.parquet", CD, 1)],
    }), "lake", GroupingOptions(combine_compatible=True))
    assert [(t.name, t.keys) for t in g.tables] == [("table1", ("year",))]


def test_a_few_new_columns_stay_one_table() -> None:
    wide = shape("a:int", "b:string", "c:double")
    spec = {f"t/day={d:02d}": [("x.parquet", AB, 1)] for d in range(1, 10)}
    spec["t/day=10"] = [("x.parquet", wide, 1)]
    g = group(folders(spec), "lake")
    assert [(t.name, len(t.partitions)) for t in g.tables] == [("t", 10)]


def test_different_formats_split_sibling_datasets() -> None:
    g = group(folders({
        "orders/part=1": [("a.parquet", AB, 1)],
        "clicks/part=1": [("a.json", shape("a:int", "b:string", classification="json"), 1)],
    }), "lake")
    assert sorted((t.name, t.keys) for t in g.tables) == [("clicks", ("part",)), ("orders", ("part",))]


def test_table_level_fixes_where_tables_start() -> None:
    """Sibling datasets with equal schemas merge at the root; --table-level 1 keeps them apart."""
    spec = folders({"a/x=1": [("f.parquet", AB, 1)], "b/x=1": [("f.parquet", AB, 1)]})
    assert [(t.name, t.keys) for t in group(spec, "lake").tables] == [("lake", ("partition_0", "x"))]
    tables = group(spec, "lake", GroupingOptions(table_level=1)).tables
    assert sorted((t.name, t.keys) for t in tables) == [("a", ("x",)), ("b", ("x",))]


def test_files_next_to_folders_are_reported_not_made_tables() -> None:
    g = group(folders({
        "t": [("stray.parquet", AB, 1)],
        "t/k=1": [("a.parquet", AB, 1)],
        "t/k=2": [("a.parquet", AB, 1)],
    }), "lake")
    assert [(t.name, t.keys, len(t.partitions)) for t in g.tables] == [("t", ("k",), 2)]
    assert g.ignored == {"t": "files next to the partition folders of this table are not registered; "
                              "move them into a folder"}


def test_unknown_only_folders_are_ignored_with_reason() -> None:
    unknown = shape(classification="UNKNOWN")
    g = group(folders({"junk": [("a.bin", unknown, 0)], "t": [("a.parquet", AB, 3)]}), "lake")
    assert [t.name for t in g.tables] == ["t"]
    assert g.ignored == {"junk": "no file in this folder was recognised by a classifier"}


def test_names_are_sanitised_and_collisions_get_a_hash_suffix() -> None:
    assert sanitize_name("Sales-Data 2024!") == "sales_data_2024"
    assert len(sanitize_name("x" * 300)) == 128
    g = group(folders({"a/Events": [("f.parquet", AB, 1)], "b/events": [("f.json", shape(
        "q:int", classification="json"), 1)]}), "lake", GroupingOptions(table_level=2))
    names = sorted(t.name for t in g.tables)
    assert len(names) == 2 and all(n.startswith("events_") and len(n) == len("events_") + 8 for n in names)
