"""Column statistics in the catalog database: rows of ``mh_table_column_stats`` and
``mh_partition_column_stats``, one per (table or partition, engine, column).

Each public method is one transaction with a fixed number of statements whatever the number of
columns or partitions (chunked IN lists aside). Statistics hang off table and partition row ids,
so renames carry them along and drops remove them (ON DELETE CASCADE); columns that disappear
from a table are forgotten by ``forget_columns``, called from the table's own alter transaction.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from metastore.column_stats import ColumnStats
from metastore.exceptions import NoSuchObjectError
from metastore.names import canonical_partition_names
from metastore.store import codec
from metastore.store.schema import databases, partition_column_stats, partitions, table_column_stats, tables

if TYPE_CHECKING:
    from metastore.store.sql_catalog import SqlCatalog

Merge = Callable[[ColumnStats, ColumnStats], ColumnStats]

_ts = table_column_stats.c
_ps = partition_column_stats.c
_t = tables.c
_p = partitions.c
_db = databases.c
BATCH = 1000


def _chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[i : i + BATCH] for i in range(0, len(items), BATCH)]


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$b64"}:
            return base64.b64decode(value["$b64"])
        return {k: _decode(v) for k, v in value.items()}
    return value


def dump_data(data: dict[str, Any]) -> str:
    return json.dumps(_encode(data), separators=(",", ":"), sort_keys=True)


def load_data(text: str) -> dict[str, Any]:
    return _decode(json.loads(text))


def _to_stats(row: Row) -> ColumnStats:
    return ColumnStats(row.col_name, row.col_type, row.kind, load_data(row.data))


class SqlStatistics:
    """Statistics statements over the catalog's engines."""

    def __init__(self, catalog: SqlCatalog) -> None:
        self.catalog = catalog

    def _table(self, conn: Connection, db: str, table: str) -> Row:
        row = conn.execute(
            sa.select(_t.id, _t.partition_keys).select_from(tables.join(databases, _t.db_id == _db.id))
            .where(_db.name == db, _t.name == table)
        ).first()
        if row is None:
            raise NoSuchObjectError(f"{db}.{table} table not found")
        return row

    def _partition_ids(self, conn: Connection, trow: Row, names: Sequence[str]) -> dict[str, int]:
        keys = [k.name for k in codec.load_columns(trow.partition_keys)]
        found: dict[str, int] = {}
        for chunk in _chunks(canonical_partition_names(keys, names)):
            for name, pid in conn.execute(sa.select(_p.name, _p.id).where(_p.tbl_id == trow.id, _p.name.in_(chunk))):
                found[name] = pid
        return found

    @staticmethod
    def _rows(stats: Sequence[ColumnStats], engine: str, last_analyzed: int, **owner: int) -> list[dict[str, Any]]:
        return [
            dict(owner, engine=engine, col_name=s.col_name, col_type=s.col_type, kind=s.kind,
                 data=dump_data(s.data), last_analyzed=last_analyzed)
            for s in stats
        ]

    def put_table(self, db: str, table: str, stats: Sequence[ColumnStats], engine: str, last_analyzed: int,
                  merge: Merge | None = None) -> None:
        """Replace (or with ``merge``, merge into) the statistics of these columns of a table."""
        cols = [s.col_name for s in stats]
        with self.catalog._write() as conn:  # noqa: SLF001 - the catalog's own transaction helper
            tbl_id = self._table(conn, db, table).id
            where = sa.and_(_ts.tbl_id == tbl_id, _ts.engine == engine, _ts.col_name.in_(cols))
            if merge is not None:
                old = {r.col_name: _to_stats(r) for r in conn.execute(sa.select(table_column_stats).where(where))}
                stats = [merge(old[s.col_name], s) if s.col_name in old else s for s in stats]
            conn.execute(table_column_stats.delete().where(where))
            conn.execute(table_column_stats.insert(), self._rows(stats, engine, last_analyzed, tbl_id=tbl_id))

    def put_partitions(self, db: str, table: str, stats: dict[str, Sequence[ColumnStats]], engine: str,
                       last_analyzed: int, merge: Merge | None = None) -> None:
        """Replace (or merge into) column statistics of several partitions of one table, by partition name."""
        with self.catalog._write() as conn:  # noqa: SLF001
            trow = self._table(conn, db, table)
            ids = self._partition_ids(conn, trow, list(stats))
            keys = [k.name for k in codec.load_columns(trow.partition_keys)]
            canonical = dict(zip(stats, canonical_partition_names(keys, list(stats)), strict=True))
            missing = [n for n in stats if canonical[n] not in ids]
            if missing:
                raise NoSuchObjectError(
                    f"Partition {missing[0]} of {db}.{table} does not exist; add the partition before its statistics"
                )
            part_ids = [ids[canonical[n]] for n in stats]
            cols = sorted({s.col_name for group in stats.values() for s in group})
            old: dict[tuple[int, str], ColumnStats] = {}
            if merge is not None:
                for chunk in _chunks(part_ids):
                    for r in conn.execute(sa.select(partition_column_stats).where(
                            _ps.part_id.in_(chunk), _ps.engine == engine, _ps.col_name.in_(cols))):
                        old[(r.part_id, r.col_name)] = _to_stats(r)
            rows = []
            for name, group in stats.items():
                pid = ids[canonical[name]]
                merged = [merge(old[(pid, s.col_name)], s) if (pid, s.col_name) in old else s for s in group]
                rows.extend(self._rows(merged, engine, last_analyzed, part_id=pid, tbl_id=trow.id))
            for chunk in _chunks(part_ids):
                conn.execute(partition_column_stats.delete().where(
                    _ps.part_id.in_(chunk), _ps.engine == engine, _ps.col_name.in_(cols)))
            if rows:
                conn.execute(partition_column_stats.insert(), rows)

    def get_table(self, db: str, table: str, cols: Sequence[str] | None, engine: str) -> list[ColumnStats]:
        """Statistics of the named columns (all with ``cols`` None) that exist; 1 statement."""
        on = sa.and_(_ts.tbl_id == _t.id, _ts.engine == engine)
        if cols is not None:
            on = sa.and_(on, _ts.col_name.in_(list(cols)))
        query = (
            sa.select(_t.id, _ts.col_name, _ts.col_type, _ts.kind, _ts.data)
            .select_from(tables.join(databases, _t.db_id == _db.id).outerjoin(table_column_stats, on))
            .where(_db.name == db, _t.name == table)
            .order_by(_ts.col_name)
        )
        with self.catalog._read() as conn:  # noqa: SLF001
            rows = conn.execute(query).all()
        if not rows:
            raise NoSuchObjectError(f"{db}.{table} table not found")
        return [_to_stats(r) for r in rows if r.col_name is not None]

    def get_partitions(self, db: str, table: str, names: Sequence[str], cols: Sequence[str] | None,
                       engine: str) -> dict[str, list[ColumnStats]]:
        """Statistics by partition name, for the partitions among ``names`` that have any; 2 statements."""
        result: dict[str, list[ColumnStats]] = {}
        with self.catalog._read() as conn:  # noqa: SLF001
            trow = self._table(conn, db, table)
            keys = [k.name for k in codec.load_columns(trow.partition_keys)]
            for chunk in _chunks(canonical_partition_names(keys, list(dict.fromkeys(names)))):
                query = (
                    sa.select(_p.name, _ps.col_name, _ps.col_type, _ps.kind, _ps.data)
                    .select_from(partitions.join(partition_column_stats, _ps.part_id == _p.id))
                    .where(_p.tbl_id == trow.id, _p.name.in_(chunk), _ps.engine == engine)
                    .order_by(_p.name, _ps.col_name)
                )
                if cols is not None:
                    query = query.where(_ps.col_name.in_(list(cols)))
                for r in conn.execute(query):
                    result.setdefault(r.name, []).append(_to_stats(r))
        return result

    def delete_table(self, db: str, table: str, col: str | None, engine: str) -> int:
        with self.catalog._write() as conn:  # noqa: SLF001
            tbl_id = self._table(conn, db, table).id
            where = sa.and_(_ts.tbl_id == tbl_id, _ts.engine == engine)
            if col is not None:
                where = sa.and_(where, _ts.col_name == col)
            return conn.execute(table_column_stats.delete().where(where)).rowcount

    def delete_partition(self, db: str, table: str, part_name: str, col: str | None, engine: str) -> int:
        with self.catalog._write() as conn:  # noqa: SLF001
            trow = self._table(conn, db, table)
            ids = self._partition_ids(conn, trow, [part_name])
            if not ids:
                raise NoSuchObjectError(f"Partition {part_name} of {db}.{table} does not exist")
            where = sa.and_(_ps.part_id == next(iter(ids.values())), _ps.engine == engine)
            if col is not None:
                where = sa.and_(where, _ps.col_name == col)
            return conn.execute(partition_column_stats.delete().where(where)).rowcount


def forget_columns(conn: Connection, tbl_id: int, columns: Sequence[tuple[str, str]], *, partitions_too: bool) -> None:
    """Drop statistics of columns a table no longer has, or whose type changed (as Hive's alter does).

    Runs inside the caller's alter transaction; ``columns`` are the table's new (name, type) pairs.
    """
    keep = {(name, type_.lower()) for name, type_ in columns}
    targets = [(table_column_stats, _ts)] + ([(partition_column_stats, _ps)] if partitions_too else [])
    for table, c in targets:
        stale = [
            (r.col_name, r.col_type) for r in conn.execute(
                sa.select(c.col_name, c.col_type).where(c.tbl_id == tbl_id).distinct())
            if (r.col_name, r.col_type.lower()) not in keep
        ]
        if stale:
            conn.execute(table.delete().where(
                c.tbl_id == tbl_id, sa.or_(*[sa.and_(c.col_name == n, c.col_type == t) for n, t in stale])))
