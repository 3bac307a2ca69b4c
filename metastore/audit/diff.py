"""What changed between two definitions, as a flat list of typed items (pure functions).

Each item has a ``kind`` from ``KINDS`` (``column_added``, ``parameter_changed``, ...), the ``name`` of
what changed (column, parameter key, partition) and the old and new values as text. An empty list
means a no-op: ``transient_lastDdlTime`` and bookkeeping fields (times, write ids) are ignored, because
engines such as Spark rewrite identical definitions often.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from metastore.model import Database, FieldSchema, Partition, StorageDescriptor, Table

DDL_TIME = "transient_lastDdlTime"
IGNORED_PARAMETERS = frozenset({DDL_TIME})
SUMMARY_NAMES = 10  # partition names listed in a bulk summary item

KINDS = (
    "table_created", "table_dropped", "table_renamed", "table_type_changed", "owner_changed",
    "view_text_changed", "retention_changed",
    "column_added", "column_removed", "column_retyped", "column_comment_changed", "columns_reordered",
    "partition_key_added", "partition_key_removed", "partition_key_retyped", "partition_key_comment_changed",
    "partition_keys_reordered",
    "location_changed", "input_format_changed", "output_format_changed", "serde_changed",
    "serde_parameter_added", "serde_parameter_removed", "serde_parameter_changed",
    "bucketing_changed", "storage_changed",
    "parameter_added", "parameter_removed", "parameter_changed",
    "partitions_added", "partitions_dropped", "partitions_altered", "partition_renamed",
    "database_created", "database_dropped", "description_changed", "managed_location_changed",
    "function_created", "function_altered", "function_dropped",
)


@dataclass(frozen=True, slots=True)
class DiffItem:
    kind: str
    name: str | None = None
    old: str | None = None
    new: str | None = None

    def to_doc(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "old": self.old, "new": self.new}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> DiffItem:
        return cls(doc["kind"], doc.get("name"), doc.get("old"), doc.get("new"))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def columns_diff(before: Sequence[FieldSchema], after: Sequence[FieldSchema], prefix: str = "column") -> list[DiffItem]:
    """Columns added, removed, retyped, re-commented and reordered (matched by lower-case name)."""
    old = {c.name.lower(): c for c in before}
    new = {c.name.lower(): c for c in after}
    items = [DiffItem(f"{prefix}_removed", n, c.type, None) for n, c in old.items() if n not in new]
    items += [DiffItem(f"{prefix}_added", n, None, c.type) for n, c in new.items() if n not in old]
    for name, col in new.items():
        was = old.get(name)
        if was is None:
            continue
        if was.type != col.type:
            items.append(DiffItem(f"{prefix}_retyped", name, was.type, col.type))
        if (was.comment or None) != (col.comment or None):
            items.append(DiffItem(f"{prefix}_comment_changed", name, was.comment, col.comment))
    old_order = [n for n in old if n in new]
    new_order = [n for n in new if n in old]
    if old_order != new_order:
        plural = "columns" if prefix == "column" else "partition_keys"
        items.append(DiffItem(f"{plural}_reordered", None, _text(old_order), _text(new_order)))
    return items


def parameters_diff(before: dict[str, str], after: dict[str, str], prefix: str = "parameter",
                    ignored: Iterable[str] = IGNORED_PARAMETERS) -> list[DiffItem]:
    skip = set(ignored)
    items = [DiffItem(f"{prefix}_removed", k, v, None) for k, v in sorted(before.items()) if k not in after and k not in skip]
    items += [DiffItem(f"{prefix}_added", k, None, v) for k, v in sorted(after.items()) if k not in before and k not in skip]
    items += [
        DiffItem(f"{prefix}_changed", k, before[k], v)
        for k, v in sorted(after.items()) if k in before and before[k] != v and k not in skip
    ]
    return items


def storage_diff(before: StorageDescriptor, after: StorageDescriptor) -> list[DiffItem]:
    """Location, formats, SerDe, bucketing and other storage settings (columns are diffed apart)."""
    items: list[DiffItem] = []
    for attr, kind in (("location", "location_changed"), ("input_format", "input_format_changed"),
                       ("output_format", "output_format_changed")):
        old, new = getattr(before, attr), getattr(after, attr)
        if old != new:
            items.append(DiffItem(kind, None, old, new))
    bs, as_ = before.serde_info, after.serde_info
    if bs.serialization_lib != as_.serialization_lib:
        items.append(DiffItem("serde_changed", None, bs.serialization_lib, as_.serialization_lib))
    items += parameters_diff(bs.parameters, as_.parameters, "serde_parameter", ())
    if (before.num_buckets, before.bucket_cols, before.sort_cols) != (after.num_buckets, after.bucket_cols, after.sort_cols):
        items.append(DiffItem("bucketing_changed", None, _bucketing(before), _bucketing(after)))
    for attr in ("compressed", "skewed_info", "stored_as_sub_directories"):
        if getattr(before, attr) != getattr(after, attr):
            items.append(DiffItem("storage_changed", attr, _text(getattr(before, attr)), _text(getattr(after, attr))))
    for item in parameters_diff(before.parameters, after.parameters, "storage_parameter", ()):
        items.append(DiffItem("storage_changed", f"parameters.{item.name}", item.old, item.new))
    for attr in ("name", "description", "serializer_class", "deserializer_class", "serde_type"):
        if getattr(bs, attr) != getattr(as_, attr):
            items.append(DiffItem("storage_changed", f"serde_info.{attr}", _text(getattr(bs, attr)), _text(getattr(as_, attr))))
    return items


def _bucketing(sd: StorageDescriptor) -> str:
    sort = ",".join(f"{o.col} {'ASC' if o.order == 1 else 'DESC'}" for o in sd.sort_cols)
    return f"{sd.num_buckets} buckets by ({','.join(sd.bucket_cols)}) sorted by ({sort})"


def table_diff(before: Table, after: Table) -> list[DiffItem]:
    """Everything a table definition change consists of; [] for a no-op rewrite."""
    items: list[DiffItem] = []
    if (before.db_name, before.table_name) != (after.db_name, after.table_name):
        items.append(DiffItem("table_renamed", None, f"{before.db_name}.{before.table_name}",
                              f"{after.db_name}.{after.table_name}"))
    items += columns_diff(before.sd.cols, after.sd.cols)
    items += columns_diff(before.partition_keys, after.partition_keys, "partition_key")
    items += storage_diff(before.sd, after.sd)
    items += parameters_diff(before.parameters, after.parameters)
    for attr, kind in (("table_type", "table_type_changed"), ("owner", "owner_changed"),
                       ("view_original_text", "view_text_changed"), ("view_expanded_text", "view_text_changed"),
                       ("retention", "retention_changed")):
        old, new = getattr(before, attr), getattr(after, attr)
        if old != new:
            items.append(DiffItem(kind, attr, _text(old), _text(new)))
    return items


def partition_diff(before: Partition, after: Partition) -> list[DiffItem]:
    return [
        *columns_diff(before.sd.cols, after.sd.cols),
        *storage_diff(before.sd, after.sd),
        *parameters_diff(before.parameters, after.parameters),
    ]


def database_diff(before: Database, after: Database) -> list[DiffItem]:
    items: list[DiffItem] = []
    for attr, kind in (("description", "description_changed"), ("location_uri", "location_changed"),
                       ("managed_location_uri", "managed_location_changed"), ("owner_name", "owner_changed")):
        old, new = getattr(before, attr), getattr(after, attr)
        if old != new:
            items.append(DiffItem(kind, None, old, new))
    return items + parameters_diff(before.parameters, after.parameters)


def partitions_summary(kind: str, names: Sequence[str]) -> DiffItem:
    """One item for a bulk partition change: the count and the first names."""
    shown = ",".join(names[:SUMMARY_NAMES]) + (f",... ({len(names) - SUMMARY_NAMES} more)" if len(names) > SUMMARY_NAMES else "")
    return DiffItem(kind, str(len(names)), None, shown)
