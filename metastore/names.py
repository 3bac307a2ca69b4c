"""Identifier rules, Hive name patterns and partition-name escaping, as Hive clients expect them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from metastore.exceptions import InvalidObjectError, MetaError, NoSuchObjectError

MAX_NAME_LENGTH = 128
MAX_COLUMN_NAME_LENGTH = 767
DEFAULT_PARTITION_NAME = "__HIVE_DEFAULT_PARTITION__"

_NAME_RE = re.compile(r"[A-Za-z0-9_]+")
# Characters Hive's FileUtils.escapePathName turns into %XX in partition names and paths.
_ESCAPED = frozenset([chr(c) for c in range(1, 0x20)] + list("\"#%'*/:=?\\\x7f{[]^"))
_UNESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_NEEDS_ESCAPE = re.compile("[" + re.escape("".join(sorted(_ESCAPED))) + "]").search


def normalize_name(kind: str, name: str | None) -> str:
    """Validate a database/table/function name and return it lowercased, as Hive stores it."""
    if name is None or name == "":
        raise InvalidObjectError(f"{kind} name is empty; give a name of letters, digits and underscores")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidObjectError(
            f"{kind} name '{name[:40]}...' is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}"
        )
    if not _NAME_RE.fullmatch(name):
        raise InvalidObjectError(
            f"{kind} name '{name}' is not valid: use only letters, digits and underscores"
        )
    return name.lower()


def lookup_name(name: str | None) -> str:
    """Lowercase a name used for lookup (no validation: a bad name simply finds nothing)."""
    return (name or "").lower()


DEFAULT_CATALOG = "hive"


def check_catalog(cat_name: str | None) -> None:
    """Hive 3/4 catalogs: there is one, ``hive``; a request naming another gets NoSuchObjectException."""
    if cat_name and cat_name.lower() != DEFAULT_CATALOG:
        raise NoSuchObjectError(
            f"Catalog {cat_name} does not exist; this metastore has one catalog, '{DEFAULT_CATALOG}'. "
            f"Leave the catalog name unset or use '{DEFAULT_CATALOG}'"
        )


def split_catalog_prefix(db_name: str | None) -> str:
    """Strip Hive 3's ``@catalog#db`` prefix (Trino with a catalog name) down to the database name."""
    if db_name and db_name.startswith("@"):
        cat, _, rest = db_name[1:].partition("#")
        check_catalog(cat)
        return rest
    return db_name or ""


_STAR, _ANY = object(), object()


class NamePattern:
    """A compiled Hive name pattern; ``fullmatch`` runs in O(len(name) x len(pattern)), never backtracks.

    Hive documents only ``*`` (any characters) and ``|`` (alternatives) for name patterns; ``.``
    also matches any one character, as the Java server's regex does (so ``.*`` is "one or more").
    Everything else is literal. A regular expression engine is deliberately not used: a pattern
    such as ``(a+)+b`` or ``*a*a*a*a*a*b`` would make it backtrack for hours on a long name.
    """

    def __init__(self, alternatives: list[tuple[object, ...]]) -> None:
        self.alternatives = alternatives

    def fullmatch(self, name: str) -> bool:
        lowered = name.lower()
        return any(_glob_match(atoms, lowered) for atoms in self.alternatives)


def _glob_match(atoms: tuple[object, ...], text: str) -> bool:
    """Greedy wildcard matching with one backtrack point: linear in practice, O(n*m) at worst."""
    i = j = 0
    star, mark = -1, 0
    n, m = len(text), len(atoms)
    while i < n:
        if j < m and (atoms[j] is _ANY or atoms[j] == text[i]):
            i += 1
            j += 1
        elif j < m and atoms[j] is _STAR:
            star, mark = j, i
            j += 1
        elif star != -1:
            j = star + 1
            mark += 1
            i = mark
        else:
            return False
    while j < m and atoms[j] is _STAR:
        j += 1
    return j == m


@lru_cache(maxsize=256)
def compile_pattern(pattern: str | None) -> NamePattern | None:
    """Hive's name pattern: alternatives split on ``|``, ``*`` any characters, case-insensitive full match.

    Returns None for "match everything".
    """
    if pattern is None or pattern.strip() in ("", "*", ".*"):
        return None
    alternatives = []
    for part in pattern.split("|"):
        part = part.strip().lower()
        if not part:
            continue
        atoms = tuple(_STAR if ch == "*" else _ANY if ch == "." else ch for ch in part)
        alternatives.append(atoms)
    if not alternatives:
        return None
    return NamePattern(alternatives)


def filter_names(names: Iterable[str], pattern: str | None) -> list[str]:
    """Names that match a Hive pattern, in the given order."""
    compiled = compile_pattern(pattern)
    if compiled is None:
        return list(names)
    return [n for n in names if compiled.fullmatch(n)]


def escape_path_name(value: str) -> str:
    """Hive's ``FileUtils.escapePathName``: reserved characters become ``%XX``."""
    if not _NEEDS_ESCAPE(value):  # the usual case, checked in C (twice per partition added)
        return value
    return "".join(f"%{ord(c):02X}" if c in _ESCAPED else c for c in value)


def unescape_path_name(value: str) -> str:
    return _UNESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), value) if "%" in value else value


def make_partition_name(keys: Sequence[str], values: Sequence[str | None]) -> str:
    """``k1=v1/k2=v2`` with Hive escaping; empty or null values become the default partition."""
    return "/".join(
        f"{escape_path_name(k)}={escape_path_name(v) if v else DEFAULT_PARTITION_NAME}"
        for k, v in zip(keys, values, strict=True)
    )


def parse_partition_name(name: str) -> list[tuple[str, str]]:
    """Split an escaped partition name into ``(key, value)`` pairs (unescaped)."""
    pairs = []
    for fragment in name.split("/"):
        key, sep, value = fragment.partition("=")
        if not sep or not key:
            raise MetaError(
                f"Invalid partition name '{name}': expected key=value pairs separated by '/'"
            )
        pairs.append((unescape_path_name(key).lower(), unescape_path_name(value)))
    return pairs


def partition_values_from_name(name: str, keys: Sequence[str]) -> list[str]:
    """Values in key order for a partition name; the keys must be exactly the table's keys."""
    pairs = parse_partition_name(name)
    if [k for k, _ in pairs] != [k.lower() for k in keys]:
        raise MetaError(
            f"Partition name '{name}' does not match the partition keys ({', '.join(keys)})"
        )
    return [v for _, v in pairs]


@lru_cache(maxsize=256)
def _canonical_name_re(keys: tuple[str, ...]) -> re.Pattern[str]:
    """Matches names already in stored form: these keys in order, values needing no escaping."""
    value = "[^" + re.escape("".join(sorted(_ESCAPED))) + "]+"
    return re.compile("/".join(re.escape(escape_path_name(k)) + "=" + value for k in keys))


def canonical_partition_names(keys: Sequence[str], names: Iterable[str]) -> list[str]:
    """Names re-escaped the way they are stored; names of other key lists are dropped (no match)."""
    result = []
    canonical = _canonical_name_re(tuple(keys)).fullmatch
    for name in dict.fromkeys(names):
        if canonical(name):  # the usual case (clients send names they got from us): no re-escaping
            result.append(name)
            continue
        try:
            pairs = parse_partition_name(name)
        except MetaError:
            continue
        if [k for k, _ in pairs] == list(keys):
            result.append(make_partition_name(keys, [v for _, v in pairs]))
    return result
