"""JSON documents for the parts of a definition that are never queried by field.

Storage descriptors (minus their columns, which live in shared column sets), parameters and
partition keys are kept as JSON text: one row read gives a whole definition, so reads take a fixed
number of statements however wide the table is.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from metastore.model import FieldSchema, Order, SerDeInfo, SkewedInfo, StorageDescriptor, storage_shape

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
_loads = json.loads


def dump_params(params: dict[str, str] | None) -> str:
    return _dumps(params or {})


def load_params(text: str | None) -> dict[str, str]:
    return _loads(text) if text else {}


def dump_columns(cols: list[FieldSchema]) -> str:
    return _dumps([[c.name, c.type, c.comment] for c in cols])


def load_columns(text: str | None) -> list[FieldSchema]:
    return [FieldSchema(n, t, c) for n, t, c in _loads(text)] if text else []


def dump_sd(sd: StorageDescriptor) -> str:
    """Everything in a storage descriptor except ``cols``."""
    serde = sd.serde_info
    skew = sd.skewed_info
    doc: dict[str, Any] = {
        "location": sd.location,
        "inputFormat": sd.input_format,
        "outputFormat": sd.output_format,
        "compressed": sd.compressed,
        "numBuckets": sd.num_buckets,
        "serde": [serde.name, serde.serialization_lib, serde.parameters, serde.description,
                  serde.serializer_class, serde.deserializer_class, serde.serde_type],
        "bucketCols": sd.bucket_cols,
        "sortCols": [[o.col, o.order] for o in sd.sort_cols],
        "parameters": sd.parameters,
        "storedAsSubDirectories": sd.stored_as_sub_directories,
    }
    if skew.skewed_col_names or skew.skewed_col_values or skew.skewed_col_value_location_maps:
        doc["skewed"] = [skew.skewed_col_names, skew.skewed_col_values,
                         [[list(k), v] for k, v in skew.skewed_col_value_location_maps.items()]]
    return _dumps(doc)


_MARK = "\x00location\x00"  # never in a stored value (PostgreSQL refuses NUL in text)


def dump_sds(sds: Sequence[StorageDescriptor]) -> list[str]:
    """``dump_sd`` of each; from its second use, a shape is dumped once and each location spliced in."""
    seen: set[tuple[object, ...]] = set()
    halves: dict[tuple[object, ...], tuple[str, str] | None] = {}
    result = []
    for sd in sds:
        shape = storage_shape(sd)
        if shape not in seen:  # first use: no template (in-process callers rarely share parts)
            seen.add(shape)
            result.append(dump_sd(sd))
            continue
        if shape not in halves:
            marked = dump_sd(dataclasses.replace(sd, location=_MARK)).split(_dumps(_MARK))
            halves[shape] = (marked[0], marked[1]) if len(marked) == 2 else None
        pair = halves[shape]
        result.append(pair[0] + _dumps(sd.location) + pair[1] if pair is not None else dump_sd(sd))
    return result


def load_sd(text: str, cols: list[FieldSchema]) -> StorageDescriptor:
    doc = _loads(text)
    skewed = doc.get("skewed")
    return StorageDescriptor(
        cols=cols,
        location=doc["location"],
        input_format=doc["inputFormat"],
        output_format=doc["outputFormat"],
        compressed=doc["compressed"],
        num_buckets=doc["numBuckets"],
        serde_info=SerDeInfo(*doc["serde"]),
        bucket_cols=doc["bucketCols"],
        sort_cols=[Order(c, o) for c, o in doc["sortCols"]],
        parameters=doc["parameters"],
        skewed_info=SkewedInfo(skewed[0], skewed[1], {tuple(k): v for k, v in skewed[2]})
        if skewed else SkewedInfo(),
        stored_as_sub_directories=doc["storedAsSubDirectories"],
    )


def dump_list(values: list[Any]) -> str:
    return _dumps(values)


def load_list(text: str | None) -> list[Any]:
    return _loads(text) if text else []
