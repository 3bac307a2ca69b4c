"""Definitions as JSON-ready documents (and back): what a change record keeps as before/after.

Documents mirror the domain dataclasses field by field (snake_case names), so any definition can be
restored exactly; maps with tuple keys (skewed value locations) become lists of ``[key, value]``.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from metastore import model

T = TypeVar("T")

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


_SCALARS = frozenset({str, int, float, bool, type(None)})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...] | None:
    """Field names of a dataclass type (cached), None for anything else."""
    names = _FIELDS.get(cls)
    if names is None and dataclasses.is_dataclass(cls):
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def to_doc(value: Any) -> Any:
    """A JSON-ready copy of a domain object (dataclasses, lists, dicts, scalars).

    On every recorded write path (twice per alter_table), so scalars and known classes are
    dispatched by exact type before anything slower.
    """
    cls = type(value)
    if cls in _SCALARS:
        return value
    names = _fields(cls)
    if names is not None:
        return {name: to_doc(getattr(value, name)) for name in names}
    if cls is list or cls is tuple:
        return [to_doc(v) for v in value]
    if cls is dict:
        if all(type(k) is str for k in value):
            return {k: to_doc(v) for k, v in value.items()}
        return [[list(k) if isinstance(k, tuple) else k, to_doc(v)] for k, v in value.items()]
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))


def _build(hint: Any, doc: Any) -> Any:
    if doc is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return _build(args[0], doc) if len(args) == 1 else doc
    if dataclasses.is_dataclass(hint):
        return from_doc(hint, doc)
    if origin is list:
        (inner,) = typing.get_args(hint)
        return [_build(inner, v) for v in doc]
    if origin is dict:
        key_hint, value_hint = typing.get_args(hint)
        if isinstance(doc, list):  # tuple-keyed map stored as pairs
            return {tuple(k) if typing.get_origin(key_hint) is tuple else k: _build(value_hint, v) for k, v in doc}
        return {k: _build(value_hint, v) for k, v in doc.items()}
    return doc


def from_doc(cls: type[T], doc: dict[str, Any]) -> T:
    """Rebuild a domain object from ``to_doc`` output; unknown keys are ignored, missing ones default."""
    hints = _hints(cls)
    kwargs = {name: _build(hints[name], doc[name]) for name in _fields(cls) or () if name in doc}
    return cls(**kwargs)


def dumps(doc: Any) -> str:
    """Compact, key-sorted JSON (stable text, so equal definitions give equal documents)."""
    return _dumps(doc)


def partition_doc(part: model.Partition, same_cols: bool) -> dict[str, Any]:
    """A partition document; its columns are left out (None) when they are the table's (the usual case)."""
    if same_cols:
        cols, part.sd.cols = part.sd.cols, []
        try:
            doc = to_doc(part)
        finally:
            part.sd.cols = cols
        doc["sd"]["cols"] = None
        return doc
    return to_doc(part)


def partition_docs(parts: Sequence[tuple[model.Partition, bool]]) -> list[dict[str, Any]]:
    """``partition_doc`` of each (partition, has the table's columns); one descriptor document per shape.

    The descriptor documents of one shape share their nested values (they are only serialised).
    """
    names = [n for n in _fields(model.Partition) or () if n != "sd"]
    sd_docs: dict[tuple[object, ...], dict[str, Any]] = {}
    docs = []
    for part, same_cols in parts:
        doc = {name: to_doc(getattr(part, name)) for name in names}
        shape = (same_cols, *model.storage_shape(part.sd))
        template = sd_docs.get(shape)
        if template is None:
            template = sd_docs[shape] = partition_doc(part, same_cols)["sd"]
        doc["sd"] = {**template, "location": part.sd.location}
        docs.append(doc)
    return docs


def partition_from_doc(doc: dict[str, Any], table_cols: list[model.FieldSchema]) -> model.Partition:
    part = from_doc(model.Partition, doc)
    if doc.get("sd", {}).get("cols") is None:
        part.sd.cols = list(table_cols)
    return part
