"""Spark data-source tables: the parameters that depend on where and how the crawler registers.

A classifier may ask Spark to read a format with its own reader (``spark.sql.sources.provider``,
e.g. JSON, whose keys Spark matches case-sensitively). Spark then needs what only the crawler
knows: the table's location in the SerDe ``path`` parameter, and a schema that covers the merged
columns plus the partition keys (``numPartCols``/``partCol.N``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from classifiers.api import Column

PROVIDER = "spark.sql.sources.provider"
_PREFIX = "spark.sql.sources.schema."
_PART = 4000  # Spark splits the schema JSON into parameters of at most this many characters


def split_value(text: str, size: int = _PART) -> list[str]:
    """``text`` in pieces of at most ``size`` characters (Spark's ``numParts``/``part.N`` convention)."""
    return [text[i:i + size] for i in range(0, len(text), size)]


def _schema(params: dict[str, str]) -> dict:
    n = int(params.get(_PREFIX + "numParts", "0"))
    return json.loads("".join(params[f"{_PREFIX}part.{i}"] for i in range(n))) if n else {"fields": []}


def adapt(params: dict[str, str], serde_params: dict[str, str], shape_columns: Sequence[Column],
          columns: Sequence[Column], keys: Sequence[str], location: str) -> None:
    """Rewrite the Spark schema for ``columns`` + ``keys`` and set ``path``, in place."""
    if PROVIDER not in params:
        return
    from classifiers.hive_schema import parse_type, spark_type

    original = {f["name"].lower(): f for f in _schema(params).get("fields", [])}
    shape_types = {c.name: c.type for c in shape_columns}
    fields = []
    for c in columns:
        f = original.get(c.name)
        if f is not None and shape_types.get(c.name) == c.type:
            fields.append(f)
        else:
            name = f["name"] if f is not None else c.name
            fields.append({"name": name, "type": spark_type(parse_type(c.type)), "nullable": True, "metadata": {}})
    fields += [{"name": k, "type": "string", "nullable": True, "metadata": {}} for k in keys]
    text = json.dumps({"type": "struct", "fields": fields}, separators=(",", ":"))
    for key in [k for k in params if k.startswith(_PREFIX)]:
        del params[key]
    chunks = split_value(text)
    params[_PREFIX + "numParts"] = str(len(chunks))
    for i, chunk in enumerate(chunks):
        params[f"{_PREFIX}part.{i}"] = chunk
    if keys:
        params[_PREFIX + "numPartCols"] = str(len(keys))
        for i, k in enumerate(keys):
            params[f"{_PREFIX}partCol.{i}"] = k
    serde_params["path"] = location
