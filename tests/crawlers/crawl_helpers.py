"""Building blocks for crawler tests: folder summaries as the scan stage would produce them."""

from __future__ import annotations

from classifiers.api import Column
from crawlers.folders import FolderData, Shape

PARQUET = dict(classification="parquet", compression="none",
               serde="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
               input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
               output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
               serde_parameters=(("serialization.format", "1"),))


def shape(*cols: str, classification: str = "parquet", **kw) -> Shape:  # noqa: ANN003
    """A shape from ``"name:type"`` strings."""
    base = {**PARQUET, "classification": classification, **kw}
    return Shape(columns=tuple(Column(*c.split(":", 1)) for c in cols), **base)


def folders(spec: dict[str, list[tuple[str, Shape, int]]]) -> dict[str, FolderData]:
    """{folder: [(file name, shape, records)]} -> FolderData per folder (100 bytes per file)."""
    out = {}
    for path, files in spec.items():
        data = FolderData(path)
        for name, s, records in files:
            data.add(name, 100, "v1", s, records, read=True)
        out[path] = data
    return out
