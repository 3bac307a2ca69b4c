"""Merge: turn a table group into the table and partition definitions the catalog should hold.

Schemas are unioned across files and partitions with the classifiers' widening rules
(``classifiers.hive_schema``); partitions inherit the table's columns, and one whose files have
other columns records them in its ``crawler.partition.columns`` parameter. Parameters are the ones Glue's crawler writes, so tools that read those keep working.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from classifiers.api import Column
from crawlers import spark_tables
from crawlers.folders import FolderData, Shape
from crawlers.grouping import TableGroup
from metastore.model import FieldSchema, Partition, SerDeInfo, StorageDescriptor, Table, TableType

CRAWLER_KEY = "UPDATED_BY_CRAWLER"
RUN_KEY = "CRAWL_RUN_ID"
DEPRECATED_KEY = "DEPRECATED_BY_CRAWLER"
# Partitions take the table's columns (engines compare them; a mismatch breaks Athena and Hive);
# a partition whose own files have other columns records them here.
PARTITION_SCHEMA_KEY = "crawler.partition.columns"
# The Java HMS (Hive 2.x/3.x schema) keeps partition parameters in PARTITION_PARAMS.PARAM_VALUE,
# VARCHAR(4000); table, StorageDescriptor and SerDe parameters have no such limit.
PARTITION_PARAM_LIMIT = 4000
# Parameters that change on every run and never make a definition "different".
VOLATILE_KEYS = frozenset({RUN_KEY, "transient_lastDdlTime", "last_modified_time", "last_modified_by"})


def merge_columns(lists: Iterable[Sequence[Column]]) -> tuple[Column, ...]:
    """Union of columns in first-seen order with types widened (classifiers.hive_schema's rules)."""
    unique = list(dict.fromkeys(tuple(cols) for cols in lists))  # 10k equal partition schemas: one merge
    if len(unique) <= 1:
        return unique[0] if unique else ()
    from classifiers.hive_schema import merge_columns as merge_two

    merged = unique[0]
    for cols in unique[1:]:
        merged = tuple(merge_two(merged, cols))
    return merged


@dataclass
class DesiredTable:
    """What the crawl found for one table: definitions plus the files that decided them."""

    group: TableGroup
    table: Table
    partitions: list[Partition]
    evidence: list[str]  # example files behind the schema
    ignored: dict[str, str] = field(default_factory=dict)  # file -> why it is not part of the table
    files: int = 0
    bytes: int = 0

    @property
    def name(self) -> str:
        return self.table.table_name


def _stats_params(files: int, size: int, records: int) -> dict[str, str]:
    return {"objectCount": str(files), "sizeKey": str(size), "recordCount": str(records),
            "averageRecordSize": str(size // records if records else 0)}


def _format_params(shape: Shape) -> dict[str, str]:
    params = {"classification": shape.classification, "compressionType": shape.compression, "typeOfData": "file"}
    params.update(dict(shape.table_parameters))
    return params


def _fit_partition_params(params: dict[str, str]) -> dict[str, str]:
    """Partition parameters the Java HMS can store (values of at most ``PARTITION_PARAM_LIMIT`` characters).

    A long ``crawler.partition.columns`` is split into ``….numParts``/``….part.N``; other long values are
    format parameters copied from the table (e.g. ``avro.schema.literal``), which the table and the
    partition's SerDe parameters still carry, so they are left out.
    """
    fitted = {k: v for k, v in params.items() if len(v) <= PARTITION_PARAM_LIMIT}
    long_columns = params.get(PARTITION_SCHEMA_KEY, "")
    if len(long_columns) > PARTITION_PARAM_LIMIT:
        chunks = spark_tables.split_value(long_columns, PARTITION_PARAM_LIMIT)
        fitted[f"{PARTITION_SCHEMA_KEY}.numParts"] = str(len(chunks))
        fitted.update({f"{PARTITION_SCHEMA_KEY}.part.{i}": chunk for i, chunk in enumerate(chunks)})
    return fitted


def _sd(shape: Shape, location: str, cols: Sequence[Column], params: dict[str, str]) -> StorageDescriptor:
    return StorageDescriptor(
        cols=[FieldSchema(c.name, c.type, c.comment) for c in cols], location=location,
        input_format=shape.input_format, output_format=shape.output_format, compressed=shape.compression != "none",
        serde_info=SerDeInfo(serialization_lib=shape.serde, parameters=dict(shape.serde_parameters)),
        parameters=dict(params),
    )


def _folder_part(folder: FolderData, fmt: tuple[str, str, str], ignored: dict[str, str]):
    """(shapes of the table's format, files, bytes, records) for one folder; other formats are ignored."""
    shapes, files, size, records = [], 0, 0, 0
    for shape, stats in folder.shapes.items():
        if shape.known and shape.format_key == fmt:
            shapes.append(shape)
            files, size, records = files + stats.files, size + stats.bytes, records + stats.records
        else:
            why = ("no classifier matched" if not shape.known else
                   f"{shape.classification}/{shape.compression} differs from the table's {fmt[0]}/{fmt[1]}")
            for example in stats.examples:
                ignored[example] = why
    return shapes, files, size, records


def merge(group: TableGroup, database: str, location_of: Callable[[str], str], crawler: str, run_id: str,
          exclusions: Sequence[str] = ()) -> DesiredTable:
    """The table and partitions for a group; ``location_of(folder)`` gives a folder's URI."""
    votes: Counter[Shape] = Counter()
    for folder in group.folders:
        for shape, stats in folder.known_shapes().items():
            votes[shape] += stats.files
    fmt = max(votes, key=lambda s: votes[s]).format_key
    ignored: dict[str, str] = {}
    per_folder = [(p, *_folder_part(p.folder, fmt, ignored)) for p in group.partitions]
    table_shape = max((s for s in votes if s.format_key == fmt), key=lambda s: votes[s])
    key_names = set(group.keys)
    all_cols = merge_columns(s.columns for _p, shapes, *_ in per_folder for s in shapes)
    cols = [c for c in all_cols if c.name.lower() not in key_names]
    files = sum(f for *_, f, _s, _r in per_folder)
    size = sum(s for *_, s, _r in per_folder)
    records = sum(r for *_, r in per_folder)
    params = {**_format_params(table_shape), **_stats_params(files, size, records),
              CRAWLER_KEY: crawler, RUN_KEY: run_id, "EXTERNAL": "TRUE",
              "CrawlerSchemaDeserializerVersion": "1.0", "CrawlerSchemaSerializerVersion": "1.0"}
    if exclusions:
        params["exclusions"] = "[" + ",".join(f'"{e}"' for e in exclusions) + "]"
    sd_params = {k: v for k, v in params.items() if k not in ("EXTERNAL", RUN_KEY) and not k.startswith("spark.")}
    sd = _sd(table_shape, location_of(group.root), cols, sd_params)
    spark_tables.adapt(params, sd.serde_info.parameters, table_shape.columns, cols, group.keys, sd.location or "")
    table = Table(
        table_name=group.name, db_name=database, owner="crawler:" + crawler, table_type=TableType.EXTERNAL,
        sd=sd, partition_keys=[FieldSchema(k, "string") for k in group.keys], parameters=params,
    )
    partitions = []
    if group.keys:
        for part, shapes, p_files, p_size, p_records in per_folder:
            own = merge_columns(s.columns for s in shapes)
            own_cols = [c for c in own if c.name.lower() not in key_names]
            p_params = {k: v for k, v in _format_params(table_shape).items() if not k.startswith("spark.")}
            p_params.update(_stats_params(p_files, p_size, p_records))
            p_params[CRAWLER_KEY] = crawler
            if [(c.name, c.type) for c in own_cols] != [(c.name, c.type) for c in cols]:
                p_params[PARTITION_SCHEMA_KEY] = json.dumps([f"{c.name}:{c.type}" for c in own_cols])
            partitions.append(Partition(values=list(part.values), db_name=database, table_name=group.name,
                                        sd=_sd(table_shape, location_of(part.folder.path), cols, p_params),
                                        parameters=_fit_partition_params(p_params)))
    evidence: list[str] = []
    for folder in group.folders:
        for shape, stats in folder.shapes.items():
            if shape.known and shape.format_key == fmt:
                evidence.extend(stats.examples)
        if len(evidence) >= 3:
            break
    return DesiredTable(group, table, partitions, evidence[:3], ignored, files, size)
