"""Mechanical conversion between domain dataclasses and the Thrift structs of the same name.

Field names map snake_case <-> camelCase. Nested structs and lists of structs are converted
recursively; column lists shared by many partitions are converted once per response.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from operator import attrgetter
from typing import Any

from metastore import model
from metastore.wire.idl import hms

_DOMAIN_TYPES = (
    model.FieldSchema, model.SerDeInfo, model.Order, model.SkewedInfo, model.StorageDescriptor,
    model.Database, model.Table, model.Partition, model.ResourceUri, model.Function, model.TableMeta,
)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _nested(hint: Any) -> tuple[str, type | None]:
    """('one', cls) for a struct field, ('list', cls) for a list of structs, ('plain', None) otherwise."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = args[0] if len(args) == 1 else hint
    if dataclasses.is_dataclass(hint):
        return "one", hint  # type: ignore[return-value]
    if typing.get_origin(hint) is list:
        (inner,) = typing.get_args(hint)
        if dataclasses.is_dataclass(inner):
            return "list", inner  # type: ignore[return-value]
    return "plain", None


@cache
def _plan(domain_cls: type) -> tuple[type, tuple[tuple[str, str, str, type | None, Any], ...]]:
    """(thrift class, ((domain field, thrift field, kind, nested class, default factory), ...))."""
    thrift_cls = getattr(hms(), domain_cls.__name__)
    hints = typing.get_type_hints(domain_cls, vars(model))
    thrift_fields = {spec[1] for spec in thrift_cls.thrift_spec.values()}
    steps = []
    for f in dataclasses.fields(domain_cls):
        tname = _camel(f.name)
        if tname not in thrift_fields:
            raise TypeError(f"{domain_cls.__name__}.{f.name}: Thrift struct has no field {tname}")
        kind, nested = _nested(hints[f.name])
        factory = f.default_factory if f.default_factory is not dataclasses.MISSING else None
        default = f.default if f.default is not dataclasses.MISSING else None
        steps.append((f.name, tname, kind, nested, factory or (lambda d=default: d)))
    return thrift_cls, tuple(steps)


def to_thrift(obj: Any, memo: dict[int, Any] | None = None, skip: tuple[str, ...] = ()) -> Any:
    """A domain object (or list of them) as Thrift struct(s); ``skip``: top-level fields left unset."""
    if obj is None:
        return None
    if isinstance(obj, list):
        if obj and type(obj[0]) is model.FieldSchema:  # the most frequent struct: direct path
            key = id(obj)
            if memo is not None and key in memo:
                return memo[key][1]
            schema = _field_schema()
            converted = [schema(name=c.name, type=c.type, comment=c.comment) for c in obj]
            if memo is not None:
                memo[key] = (obj, converted)
            return converted
        if memo is not None:
            key = id(obj)
            if key in memo:
                return memo[key][1]
            converted = [to_thrift(o, memo) for o in obj]
            memo[key] = (obj, converted)  # keep obj alive so its id is not reused
            return converted
        return [to_thrift(o, memo) for o in obj]
    thrift_cls, steps = _plan(type(obj))
    out = thrift_cls()
    for dname, tname, kind, _nested_cls, _factory in steps:
        if dname in skip:
            continue
        value = getattr(obj, dname)
        if kind != "plain" and value is not None:
            value = to_thrift(value, memo)
        setattr(out, tname, value)
    return out


def to_thrift_list(objs: list[Any]) -> list[Any]:
    """Convert many objects sharing sub-lists (partitions sharing a column set) efficiently."""
    memo: dict[int, Any] = {}
    return [to_thrift(o, memo) for o in objs]


@cache
def _field_schema() -> type:
    return hms().FieldSchema


def from_thrift(obj: Any, domain_cls: type) -> Any:
    """A Thrift struct as a domain object; missing (null) fields take the domain defaults."""
    if obj is None:
        return None
    if domain_cls is model.FieldSchema:
        return model.FieldSchema(obj.name or "", obj.type or "", obj.comment)
    _, steps = _plan(domain_cls)
    kwargs = {}
    for dname, tname, kind, nested, factory in steps:
        value = getattr(obj, tname, None)
        if value is None:
            value = factory()
        elif kind == "one":
            value = from_thrift(value, nested)  # type: ignore[arg-type]
        elif kind == "list":
            if nested is model.FieldSchema:
                value = [model.FieldSchema(v.name or "", v.type or "", v.comment) for v in value]
            else:
                value = [from_thrift(v, nested) for v in value]  # type: ignore[arg-type]
        elif isinstance(value, dict) and dname == "skewed_col_value_location_maps":
            value = {tuple(k): v for k, v in value.items()}
        kwargs[dname] = value
    return domain_cls(**kwargs)


_sd_shared = attrgetter(*(spec[1] for spec in hms().StorageDescriptor.thrift_spec.values() if spec[1] != "location"))


class PartitionReader:
    """The partitions of one request as domain objects, storage descriptors converted once per shape.

    Hive sends every partition with its own copy of the table's descriptor (no location): a
    descriptor equal to the previous one but for the location shares that one's converted parts,
    so the later stages (column checks, encoding, the change record) see one shape, not 1,000.
    """

    def __init__(self) -> None:
        self._last: tuple[tuple[Any, ...], model.StorageDescriptor] | None = None  # (Thrift fields, conversion)

    def partition(self, p: Any) -> model.Partition:
        sd, p.sd = p.sd, None
        try:
            part = from_thrift(p, model.Partition)
        finally:
            p.sd = sd
        part.sd = self._sd(sd) if sd is not None else None  # None: the store uses the table's
        return part

    def _sd(self, sd: Any) -> model.StorageDescriptor:
        shared = _sd_shared(sd)
        last = self._last
        if last is not None and shared == last[0]:
            converted = model.shallow_copy(last[1])
            converted.location = sd.location
        else:
            converted = from_thrift(sd, model.StorageDescriptor)
        self._last = (shared, converted)
        return converted


def check_plans() -> None:
    """Fail fast at start-up if the IDL and the domain model disagree on a field name."""
    for cls in _DOMAIN_TYPES:
        _plan(cls)
