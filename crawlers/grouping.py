"""Group: decide which folders are tables and which are their partitions.

Rule (Glue's, made explicit): a folder is a table when every data folder below it sits at the
same depth, all share one format (classification, compression, delimiter) and most of their
schemas are similar (Jaccard similarity of column names to the most common set ≥ 0.7 for more
than 70% of the folders; ``combine_compatible`` drops the similarity test). Otherwise each
subfolder is tried on its own. A folder holding nothing but one plain (not ``k=v``) folder is not a
table root when that folder looks like a dataset (files of its own or only ``k=v`` subfolders), or
when it is the source root: ``web/clicks/year=2024/…`` is table ``clicks``, not ``web`` with a
one-value key ``partition_0``.
``table_level`` instead fixes tables at N levels below the root.
Files lying next to the folders of a table are not turned into extra tables: they are reported.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

from crawlers.folders import FolderData, Shape
from metastore.names import unescape_path_name

SIMILARITY = 0.7
MAX_NAME = 128


@dataclass
class PartitionGroup:
    values: tuple[str, ...]
    folder: FolderData


@dataclass
class TableGroup:
    name: str
    root: str  # folder relative to the source root
    keys: tuple[str, ...]
    partitions: list[PartitionGroup]  # one entry with values () for an unpartitioned table
    reason: str

    @property
    def folders(self) -> list[FolderData]:
        return [p.folder for p in self.partitions]


@dataclass
class Grouping:
    tables: list[TableGroup] = field(default_factory=list)
    ignored: dict[str, str] = field(default_factory=dict)  # folder or file -> why it is in no table


@dataclass(frozen=True)
class GroupingOptions:
    table_level: int | None = None
    combine_compatible: bool = False


def sanitize_name(raw: str) -> str:
    """Lowercase ``[a-z0-9_]``, at most 128 characters (Glue's table-name rule)."""
    name = re.sub(r"[^a-z0-9_]", "_", raw.lower()).strip("_") or "table"
    return name[:MAX_NAME]


def with_hash_suffix(name: str, location: str) -> str:
    suffix = hashlib.sha1(location.encode()).hexdigest()[:8]
    return f"{name[:MAX_NAME - 9]}_{suffix}"


def _depth(path: str) -> int:
    return 0 if not path else path.count("/") + 1


def _relative(path: str, root: str) -> list[str]:
    if not root:
        return path.split("/") if path else []
    return path[len(root) + 1:].split("/") if path != root else []


def _similar(shapes: list[Shape]) -> tuple[bool, str]:
    sets = Counter(s.column_names for s in shapes)
    reference = sets.most_common(1)[0][0]

    def jaccard(a: frozenset[str]) -> float:
        union = a | reference
        return len(a & reference) / len(union) if union else 1.0

    similar = sum(n for cols, n in sets.items() if jaccard(cols) >= SIMILARITY)
    share = similar / len(shapes)
    return share > SIMILARITY, f"{similar}/{len(shapes)} folders have similar schemas (≥{SIMILARITY:.0%} column overlap)"


def _compatible(node: str, datas: list[FolderData], options: GroupingOptions) -> tuple[bool, str]:
    depths = {_depth(d.path) for d in datas}
    if len(depths) > 1:
        return False, "data files sit at different folder depths"
    shapes = [d.dominant() for d in datas]
    formats = Counter(s.format_key for s in shapes if s is not None)
    if len(formats) > 1:
        listed = ", ".join(f"{c}/{z}" for (c, z, _), _n in formats.most_common(3))
        return False, f"folders hold different formats ({listed})"
    if options.combine_compatible or len(datas) == 1:
        return True, "one format" if len(datas) > 1 else "one folder"
    return _similar([s for s in shapes if s is not None])


def _keys(node: str, datas: list[FolderData]) -> tuple[str, ...]:
    levels = max((len(_relative(d.path, node)) for d in datas), default=0)
    keys = []
    for i in range(levels):
        names = {_relative(d.path, node)[i] for d in datas}
        hive = {n.partition("=")[0].lower() for n in names if "=" in n}
        if len(hive) == 1 and all("=" in n for n in names):
            keys.append(sanitize_name(unescape_path_name(hive.pop())))
        else:
            keys.append(f"partition_{i}")
    return tuple(keys)


def _values(node: str, folder: FolderData) -> tuple[str, ...]:
    return tuple(unescape_path_name(seg.partition("=")[2] if "=" in seg else seg)
                 for seg in _relative(folder.path, node))


def group(folders: dict[str, FolderData], root_name: str, options: GroupingOptions | None = None) -> Grouping:
    """Tables (with partitions) for the data folders of one source."""
    options = options or GroupingOptions()
    result = Grouping()
    data: dict[str, FolderData] = {}
    for path, folder in folders.items():
        if folder.dominant() is None:
            result.ignored[path or "."] = "no file in this folder was recognised by a classifier"
        else:
            data[path] = folder
    children: dict[str, set[str]] = {}
    below: dict[str, list[FolderData]] = {}
    for path, folder in data.items():
        node = path
        below.setdefault(node, []).append(folder)
        while node:
            parent = node.rpartition("/")[0]
            children.setdefault(parent, set()).add(node)
            below.setdefault(parent, []).append(folder)
            node = parent

    def looks_like_table(path: str) -> bool:
        """Files of its own, or only ``key=value`` subfolders: a dataset root, not a partition level."""
        kids = children.get(path, set())
        return path in data or bool(kids) and all("=" in k.rpartition("/")[2] for k in kids)

    def table(node: str, datas: list[FolderData], reason: str) -> None:
        keys = _keys(node, datas)
        parts = sorted((PartitionGroup(_values(node, d), d) for d in datas), key=lambda p: p.values)
        name = sanitize_name(node.rpartition("/")[2] if node else root_name)
        result.tables.append(TableGroup(name, node, keys, parts, reason))

    def decide(node: str, level: int) -> None:
        datas = below.get(node, [])
        if not datas:
            return
        if options.table_level is not None:
            if level == options.table_level:
                ok, why = (_compatible(node, datas, GroupingOptions(combine_compatible=True)))
                if ok:
                    table(node, datas, f"table level {level}; {why}")
                else:
                    result.ignored[node or "."] = f"at table level {level} but {why}"
                return
        else:
            kids = children.get(node, set())
            if node not in data and len(kids) == 1:
                child = next(iter(kids))
                if "=" not in child.rpartition("/")[2] and (not node or looks_like_table(child)):
                    decide(child, level + 1)  # one dataset folder below: that is the table, not a partition
                    return
            own = data.get(node)
            sub = [d for d in datas if d.path != node] if own is not None and kids else datas
            ok, why = _compatible(node, sub, options)
            if ok:
                table(node, sub, why)
                if sub is not datas:
                    result.ignored[node or "."] = ("files next to the partition folders of this table are not "
                                                   "registered; move them into a folder")
                return
            if own is not None and not kids:
                table(node, [own], "one folder")
                return
        if node in data:
            result.ignored[node or "."] = ("files above the table level" if options.table_level is not None
                                           else f"files next to subfolders ({why}); move them into a folder")
        for child in sorted(children.get(node, ())):
            decide(child, level + 1)

    decide("", 0)
    counts = Counter(t.name for t in result.tables)
    for t in result.tables:
        if counts[t.name] > 1:
            t.name = with_hash_suffix(t.name, t.root)
    return result
