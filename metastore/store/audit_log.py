"""The change log's SQL: record a change in the caller's transaction, read history, events, cleanup.

Recording is one INSERT per write call (plus one DELETE when a table exceeds its version retention).
On PostgreSQL the INSERT first takes a transaction-level advisory lock, inside the same statement,
so event ids are allocated in commit order across server processes: a notification reader that has
seen id N never later finds a smaller id committing behind it. SQLite writers are serialised by
``BEGIN IMMEDIATE`` already.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from metastore.audit.definitions import dumps
from metastore.audit.diff import DiffItem
from metastore.audit.records import ChangeRecord, StoredChange
from metastore.audit.settings import AuditSettings
from metastore.exceptions import NoSuchObjectError
from metastore.store.schema import changes

_c = changes.c
_LOCK_CLASS, _LOCK_ID = 0x6D686175, 1  # two-int advisory key space ("mhau"), apart from sql_locks' keys
_HEAD = (_c.id, _c.event_time, _c.operation, _c.actor, _c.db_name, _c.table_name, _c.version, _c.run_id, _c.diff)
_FULL = (*_HEAD, _c.before, _c.after)
_INSERT_COLUMNS = ("event_time", "operation", "actor", "db_name", "table_name", "run_id", "kinds", "diff",
                   "before", "after")


def _max_version(db: str, table: str) -> Any:
    """The highest version under a name: an index-only max() on (db_name, table_name, version)."""
    return sa.func.coalesce(
        sa.select(sa.func.max(_c.version))
        .where(_c.db_name == sa.bindparam(db), _c.table_name == sa.bindparam(table))
        .scalar_subquery(), 0)


def _insert_statement(postgres: bool, version: str | None) -> sa.Insert:
    """INSERT ... SELECT computing the table's next version in the statement; PG: under the id lock.

    ``version``: None (not a table version), "same" (next under the table's name) or "rename" (next
    after both the old and the new name's versions, so a renamed table continues its numbering).
    """
    params = [sa.bindparam(name, type_=_c[name].type) for name in _INSERT_COLUMNS]
    number: Any = sa.null()
    if version == "same":
        number = _max_version("db_name", "table_name") + 1
    elif version == "rename":
        new, old = _max_version("db_name", "table_name"), _max_version("from_db", "from_table")
        number = sa.case((new >= old, new), else_=old) + 1
    select = sa.select(*params, number)
    if postgres:
        select = select.select_from(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_CLASS, _LOCK_ID).label("l")).subquery())
    return changes.insert().from_select([*_INSERT_COLUMNS, "version"], select).returning(_c.id, _c.version)


def _fetch(conn: Connection, query: sa.Select) -> list[tuple[Any, ...]]:
    """Plain DBAPI tuples: no Row processing for 10,000-version histories."""
    result = conn.execute(query)
    try:
        return result.cursor.fetchall()  # type: ignore[union-attr]
    finally:
        result.close()


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


def _stored(row: Row | tuple[Any, ...], full: bool) -> StoredChange:
    items = [DiffItem.from_doc(d) for d in json.loads(row[8])]
    change = StoredChange(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], items)
    if full:
        change.before, change.after = _loads(row[9]), _loads(row[10])
    return change


class SqlAuditLog:
    """Change records in ``mh_changes`` of the catalog database."""

    def __init__(self, catalog: Any, settings: AuditSettings | None = None) -> None:
        self.catalog = catalog
        self.settings = settings or AuditSettings()
        postgres = catalog.engine.dialect.name == "postgresql"
        self._insert = {v: _insert_statement(postgres, v) for v in (None, "same", "rename")}

    # -- writing (inside the caller's transaction) ------------------------------------------------

    def record(self, conn: Connection, change: ChangeRecord | None) -> int | None:
        """Append ``change`` (None: a no-op, nothing recorded); returns the event id."""
        if change is None or not self.settings.enabled:
            return None
        kind = ("rename" if change.renamed_from else "same") if change.versioned else None
        from_db, from_table = change.renamed_from or (None, None)
        row = conn.execute(self._insert[kind], {
            "from_db": from_db, "from_table": from_table, "event_time": change.event_time, "operation": change.operation, "actor": change.actor,
            "db_name": change.db_name, "table_name": change.table_name, "run_id": change.run_id,
            "kinds": change.kinds, "diff": dumps([i.to_doc() for i in change.items]),
            "before": dumps(change.before) if change.before is not None else None,
            "after": dumps(change.after) if change.after is not None else None,
        }).one()
        limit = self.settings.max_versions
        if change.versioned and limit and row.version > limit:
            self._prune_table(conn, change.db_name, change.table_name, row.version - limit)
        return row.id

    @staticmethod
    def _prune_table(conn: Connection, db: str, table: str | None, upto: int) -> int:
        return conn.execute(changes.delete().where(
            _c.db_name == db, _c.table_name == table, _c.version.is_not(None), _c.version <= upto)).rowcount

    # -- reading ----------------------------------------------------------------------------------

    def current_event_id(self) -> int:
        with self.catalog._read() as conn:  # noqa: SLF001 - the catalog's read plumbing
            return conn.execute(sa.select(sa.func.coalesce(sa.func.max(_c.id), 0))).scalar_one()

    def events(self, after_id: int, limit: int, *, skip_types: Sequence[str] = (), types: Sequence[str] = (),
               db: str | None = None, tables: Sequence[str] = ()) -> list[StoredChange]:
        """Events with id > ``after_id`` in id order, filtered by type, database and tables."""
        query = sa.select(*_FULL).where(_c.id > after_id).order_by(_c.id).limit(limit)
        if skip_types:
            query = query.where(_c.operation.not_in(list(skip_types)))
        if types:
            query = query.where(_c.operation.in_(list(types)))
        if db is not None:
            query = query.where(_c.db_name == db)
        if tables:
            query = query.where(_c.table_name.in_(list(tables)))
        with self.catalog._read() as conn:  # noqa: SLF001
            return [_stored(r, True) for r in conn.execute(query)]

    def count_events(self, from_id: int, db: str, to_id: int | None = None, limit: int | None = None) -> int:
        query = sa.select(_c.id).where(_c.id > from_id, _c.db_name == db)
        if to_id is not None and to_id > 0:
            query = query.where(_c.id <= to_id)
        if limit is not None and limit > 0:
            query = query.limit(limit)
        with self.catalog._read() as conn:  # noqa: SLF001
            return conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()

    def history(self, db: str, table: str, limit: int | None = None, before_id: int | None = None) -> list[StoredChange]:
        """Recorded changes under a table name (newest first, below ``before_id``), definitions left out."""
        query = sa.select(*_HEAD).where(_c.db_name == db, _c.table_name == table).order_by(_c.id.desc())
        if before_id is not None:
            query = query.where(_c.id < before_id)
        if limit:
            query = query.limit(limit)
        with self.catalog._read() as conn:  # noqa: SLF001
            rows = _fetch(conn, query)
        return [_stored(r, False) for r in rows]

    def change(self, event_id: int) -> StoredChange:
        """One change with its definitions."""
        with self.catalog._read() as conn:  # noqa: SLF001
            row = conn.execute(sa.select(*_FULL).where(_c.id == event_id)).first()
        if row is None:
            raise NoSuchObjectError(f"No change with event id {event_id} (it may have been cleaned up)")
        return _stored(row, True)

    def version(self, db: str, table: str, version: int) -> StoredChange:
        with self.catalog._read() as conn:  # noqa: SLF001
            row = conn.execute(sa.select(*_FULL).where(
                _c.db_name == db, _c.table_name == table, _c.version == version)).first()
        if row is None:
            raise NoSuchObjectError(
                f"{db}.{table} has no version {version}; list its versions with `metahive audit history {db}.{table}`")
        return _stored(row, True)

    def latest_version(self, db: str, table: str) -> int | None:
        with self.catalog._read() as conn:  # noqa: SLF001
            return conn.execute(sa.select(sa.func.max(_c.version)).where(
                _c.db_name == db, _c.table_name == table)).scalar()

    def changes(self, *, since: int | None = None, database: str | None = None, kinds: Sequence[str] = (),
                actor: str | None = None, run_id: str | None = None, limit: int = 100) -> list[StoredChange]:
        """Recent changes, newest first, filtered by time, database, diff kind, actor and run."""
        query = sa.select(*_HEAD).order_by(_c.id.desc()).limit(limit)
        if since is not None:
            query = query.where(_c.event_time >= since)
        if database is not None:
            query = query.where(_c.db_name == database)
        if kinds:
            query = query.where(sa.or_(*[_c.kinds.like(f"%,{k},%") for k in kinds]))
        if actor is not None:
            query = query.where(_c.actor == actor)
        if run_id is not None:
            query = query.where(_c.run_id == run_id)
        with self.catalog._read() as conn:  # noqa: SLF001
            return [_stored(r, False) for r in conn.execute(query)]

    # -- maintenance ------------------------------------------------------------------------------

    def cleanup(self, ttl_seconds: int, batch: int = 10_000, now: int | None = None) -> int:
        """Delete events older than the TTL by id range, ``batch`` ids per transaction; returns rows deleted.

        Ids grow with time, so everything up to the newest expired event's id goes; rows are never
        read, only the two ends of the range.
        """
        cutoff = (now if now is not None else int(time.time())) - ttl_seconds
        with self.catalog._read() as conn:  # noqa: SLF001
            hi = conn.execute(sa.select(_c.id).where(_c.event_time < cutoff)
                              .order_by(_c.event_time.desc(), _c.id.desc()).limit(1)).scalar()
            lo = conn.execute(sa.select(sa.func.min(_c.id))).scalar()
        deleted = 0
        if hi is None or lo is None:
            return 0
        while lo <= hi:
            with self.catalog._write() as conn:  # noqa: SLF001
                deleted += conn.execute(changes.delete().where(_c.id >= lo, _c.id < lo + batch, _c.id <= hi)).rowcount
            lo += batch
        return deleted

    def prune(self, max_versions: int) -> int:
        """Keep the newest ``max_versions`` versions of every table; returns rows deleted."""
        if max_versions < 1:
            raise ValueError(f"max versions must be at least 1, got {max_versions}")
        newer = changes.alias("newer")
        latest = (sa.select(sa.func.max(newer.c.version))
                  .where(newer.c.db_name == _c.db_name, newer.c.table_name == _c.table_name).scalar_subquery())
        with self.catalog._write() as conn:  # noqa: SLF001
            return conn.execute(changes.delete().where(
                _c.version.is_not(None), _c.version <= latest - max_versions)).rowcount
