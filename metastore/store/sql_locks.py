"""Hive Metastore locks in the catalog database: all lock state is rows of ``mh_locks``.

The store knows nothing of lock compatibility; it gives the semantics layer
(``metastore.hms.locks``) one transaction in which to read the locks that matter, decide, and
write, with concurrent deciders on the same database serialised:

* SQLite: write transactions start with ``BEGIN IMMEDIATE`` (``metastore.store.engine``), which
  already serialises every writer of the file, across server processes.
* PostgreSQL: ``serialise(dbs)`` takes a transaction-scoped advisory lock per Hive database name
  (in sorted order, so two requests spanning the same databases cannot deadlock). Every lock
  decision on a database, including a DB-level lock against its table locks, takes that key, so
  two server processes can never both grant conflicting locks. Statements after the advisory lock
  see everything committed before it was granted (READ COMMITTED takes a snapshot per statement).

Ids are never reused (AUTOINCREMENT on SQLite, a sequence on PostgreSQL), so a client holding a
stale lock id can never release somebody else's lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from metastore.model import LockRow
from metastore.store.schema import locks

if TYPE_CHECKING:
    from metastore.store.sql_catalog import SqlCatalog

_l = locks.c
_ADVISORY_NAMESPACE = b"metahive-lock:"


def advisory_key(db_name: str) -> int:
    """A stable signed 64-bit key per Hive database name (the same in every server process)."""
    digest = hashlib.sha256(_ADVISORY_NAMESPACE + db_name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class LockTransaction:
    """The statements available inside one lock transaction."""

    def __init__(self, conn: Connection, is_pg: bool) -> None:
        self.conn = conn
        self._is_pg = is_pg

    def serialise(self, db_names: Iterable[str]) -> None:
        """Wait until no other transaction decides locks on these databases (PostgreSQL)."""
        if not self._is_pg:
            return  # BEGIN IMMEDIATE holds the database's write lock already
        for key in sorted({advisory_key(name) for name in db_names}):
            self.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))

    def expire(self, before_ms: int) -> int:
        """Delete locks last heartbeaten (or created) before ``before_ms``; return how many."""
        stale = _l.last_heartbeat_ms < before_ms
        if self._is_pg:
            # Rows another transaction is already deleting are skipped, not waited for: two
            # expiring transactions never wait on each other (no deadlock between them).
            victims = sa.select(_l.id).where(stale).with_for_update(skip_locked=True).scalar_subquery()
            return self.conn.execute(locks.delete().where(_l.id.in_(victims))).rowcount
        return self.conn.execute(locks.delete().where(stale)).rowcount

    def request(self, ext_id: int) -> list[LockRow]:
        """The components of one lock request, in request order (empty if unknown)."""
        return self._rows(sa.select(locks).where(_l.ext_id == ext_id).order_by(_l.component))

    def in_databases(self, db_names: Iterable[str]) -> list[LockRow]:
        """Every lock component on these Hive databases or anything in them, oldest first."""
        return self._rows(sa.select(locks).where(_l.db_name.in_(sorted(set(db_names)))).order_by(_l.id))

    def listing(self, db_name: str | None = None) -> list[LockRow]:
        """All lock components (of one Hive database if given), oldest first."""
        query = sa.select(locks).order_by(_l.id)
        if db_name is not None:
            query = query.where(_l.db_name == db_name)
        return self._rows(query)

    def insert(self, rows: Sequence[LockRow]) -> int:
        """Store a request's components; return its lock id (the first component's id)."""
        values = [asdict(row) for row in rows]
        for v in values:
            del v["id"]
        first = self.conn.execute(locks.insert().values(values[0]).returning(_l.id)).scalar_one()
        self.conn.execute(locks.update().where(_l.id == first).values(ext_id=first))
        if len(values) > 1:
            self.conn.execute(locks.insert(), [{**v, "ext_id": first} for v in values[1:]])
        return first

    def set_state(self, ext_id: int, state: int, acquired_ms: int | None) -> None:
        self.conn.execute(locks.update().where(_l.ext_id == ext_id).values(state=state, acquired_ms=acquired_ms))

    def touch(self, ext_id: int, now_ms: int, *, alive_after_ms: int | None = None) -> int:
        """Record a heartbeat (of a request not already expired, if ``alive_after_ms``); rows updated."""
        query = locks.update().where(_l.ext_id == ext_id)
        if alive_after_ms is not None:
            query = query.where(_l.last_heartbeat_ms >= alive_after_ms)
        return self.conn.execute(query.values(last_heartbeat_ms=now_ms)).rowcount

    def delete(self, ext_id: int) -> int:
        return self.conn.execute(locks.delete().where(_l.ext_id == ext_id)).rowcount

    def _rows(self, query: sa.Select) -> list[LockRow]:
        return [LockRow(**row._mapping) for row in self.conn.execute(query)]


class SqlLocks:
    """Lock storage on the catalog's database, through the catalog's write transactions."""

    def __init__(self, catalog: SqlCatalog) -> None:
        self._catalog = catalog
        self._is_pg = catalog.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[LockTransaction]:
        """One write transaction (committed on exit, rolled back on error); store errors mapped."""
        with self._catalog._write() as conn:  # noqa: SLF001 - the store's own transaction plumbing
            yield LockTransaction(conn, self._is_pg)

    @contextmanager
    def reading(self) -> Iterator[LockTransaction]:
        """A read-only view (no write lock taken): for answers that may safely be a moment stale."""
        with self._catalog._read() as conn:  # noqa: SLF001
            yield LockTransaction(conn, self._is_pg)
