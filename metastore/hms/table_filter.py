"""``get_table_names_by_filter``: which tables of a database a Hive table filter selects.

The filter uses the partition-filter grammar (``metastore.partition_filter``) over three kinds of
keys (Hive's ``hive_metastoreConstants``)::

    hive_filter_field_owner__ = "alice"                 -- the table owner
    hive_filter_field_last_access__ > 0                 -- lastAccessTime, compared as a number
    hive_filter_field_params__presto_view = "true"      -- a table parameter (missing: never equal)

``=``, ``!=``/``<>`` and the ordering operators compare strings (numbers for last access); ``LIKE``
takes a Java-style regular expression matched against the whole value, as Hive does, and also the
SQL form with ``%`` (Trino's retry after a failed ``=`` sends ``LIKE "<v>"`` with a plain value).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence

from metastore.exceptions import MetaError
from metastore.model import Table
from metastore.partition_filter import And, Compare, Expr, FilterSyntaxError, Like, Not, Or, parse_filter

OWNER = "hive_filter_field_owner__"
LAST_ACCESS = "hive_filter_field_last_access__"
PARAMS = "hive_filter_field_params__"

_OPS: dict[str, Callable[[object, object], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def _sql_like_regex(pattern: str) -> str:
    return "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)


def _like(value: str | None, pattern: str) -> bool:
    if value is None:
        return False
    try:
        if re.fullmatch(pattern, value, re.DOTALL):
            return True
    except re.error:
        pass
    return "%" in pattern and re.fullmatch(_sql_like_regex(pattern), value, re.DOTALL) is not None


def _field(table: Table, key: str) -> str | int | None:
    if key == OWNER:
        return table.owner
    if key == LAST_ACCESS:
        return table.last_access_time or 0
    if key.startswith(PARAMS) and len(key) > len(PARAMS):
        return table.parameters.get(key[len(PARAMS):])
    raise MetaError(
        f"Invalid key name in filter: '{key}'. Use {OWNER}, {LAST_ACCESS} or {PARAMS}<parameter name>"
    )


def _matches(expr: Expr, table: Table) -> bool:
    if isinstance(expr, And):
        return all(_matches(e, table) for e in expr.items)
    if isinstance(expr, Or):
        return any(_matches(e, table) for e in expr.items)
    if isinstance(expr, Not):
        return not _matches(expr.item, table)
    value = _field(table, expr.key)
    if isinstance(expr, Like):
        if expr.key == LAST_ACCESS:
            raise MetaError(f"LIKE is not supported for {LAST_ACCESS}; compare it with a number")
        return _like(value if isinstance(value, str) else None, expr.pattern)
    assert isinstance(expr, Compare)
    if expr.key == LAST_ACCESS:
        if not isinstance(expr.value, int):
            raise MetaError(f"{LAST_ACCESS} compares with a number, not '{expr.value}'")
        return _OPS[expr.op](value, expr.value)
    if value is None:
        return expr.op == "!="
    return _OPS[expr.op](value, str(expr.value))


def select_tables(tables: Sequence[Table], filter_text: str | None, max_tables: int = -1) -> list[str]:
    """Names of the tables the filter selects, in name order, at most ``max_tables`` (-1: all)."""
    try:
        expr = parse_filter(filter_text or "")
    except FilterSyntaxError as e:
        raise MetaError(f"Error parsing table filter: {e}") from None
    names = sorted(t.table_name for t in tables if expr is None or _matches(expr, t))
    return names if max_tables is None or max_tables < 0 else names[:max_tables]
