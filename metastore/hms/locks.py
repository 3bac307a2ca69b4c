"""Hive Metastore locks without transactions: what PyIceberg, Trino's Iceberg/Delta connectors
and Hive clients rely on to serialise commits (``lock`` -> ``check_lock`` while WAITING -> commit ->
``unlock``).

A request is a list of components, each a lock of some type on a database, a table or a
partition. It is granted whole or not at all:

* **Objects overlap** when they are the same object or one encloses the other: a DB-level lock
  overlaps every table and partition lock in that database, a table lock every partition lock of
  that table; two different partitions (or tables) do not overlap.
* **Types** on overlapping objects (EXCL_WRITE, Hive 4's, counts as a write)::

                       held: SHARED_READ  SHARED_WRITE  EXCLUSIVE
      SHARED_READ            yes          yes           no
      SHARED_WRITE           yes          no            no
      EXCLUSIVE              no           no            no

* **Arrival order**: a request waits for every incompatible overlapping lock that is held, or
  that is waiting and arrived earlier, so a stream of compatible requests cannot starve an earlier
  waiter (a reader arriving behind a waiting EXCLUSIVE queues behind it). Waits only point at
  held locks or earlier requests, so they never form a cycle.
* **Expiry**: a lock not heartbeaten (``heartbeat``, or ``check_lock`` while polling) or created
  within ``hive.txn.timeout`` (seconds, default 300, as in Hive) is abandoned: it stops counting
  at once and is deleted by the next ``lock``/``check_lock``/``show_locks``. PyIceberg never
  heartbeats, so a crashed committer blocks a table for at most that long.

Requests carrying a transaction id answer NoSuchTxnException: metahive has no ACID transactions.
The decision and the insert/grant run in one store transaction that is serialised per Hive
database across server processes (``metastore.store.sql_locks``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Protocol

from metastore.exceptions import MetaError, NoSuchLockError, NoSuchTxnError
from metastore.model import LockRow
from metastore.names import lookup_name, split_catalog_prefix

if TYPE_CHECKING:
    from metastore.catalog import Catalog
    from metastore.store.sql_locks import SqlLocks

TIMEOUT_KEY = "hive.txn.timeout"
DEFAULT_TIMEOUT_S = 300.0


class LockLevel(IntEnum):
    DB = 1
    TABLE = 2
    PARTITION = 3


class LockType(IntEnum):
    SHARED_READ = 1
    SHARED_WRITE = 2
    EXCLUSIVE = 3
    EXCL_WRITE = 4


class LockState(IntEnum):
    ACQUIRED = 1
    WAITING = 2
    ABORT = 3
    NOT_ACQUIRED = 4


@dataclass(slots=True)
class LockComponent:
    type: LockType
    level: LockLevel
    db_name: str
    table_name: str | None = None
    partition_name: str | None = None


@dataclass(slots=True)
class LockRequest:
    components: list[LockComponent]
    user: str = ""
    hostname: str = ""
    agent_info: str | None = None
    txn_id: int | None = None


@dataclass(slots=True)
class LockStatus:
    lock_id: int
    state: LockState


@dataclass(slots=True)
class LockInfo:
    """One component of a held or waiting request, as ``show_locks`` reports it."""

    lock_id: int
    internal_id: int
    component: LockComponent
    state: LockState
    txn_id: int | None
    user: str
    hostname: str
    agent_info: str | None
    created_ms: int
    acquired_ms: int | None
    last_heartbeat_ms: int
    blocked_by_lock_id: int | None = None
    blocked_by_internal_id: int | None = None


class _Target(Protocol):
    """What the rules look at: a requested component or a stored one."""

    @property
    def type(self) -> int: ...
    @property
    def level(self) -> int: ...
    @property
    def db_name(self) -> str: ...
    @property
    def table_name(self) -> str | None: ...
    @property
    def partition_name(self) -> str | None: ...


# -- the rules -------------------------------------------------------------------------------------


def compatible(a: int, b: int) -> bool:
    """Whether locks of types ``a`` and ``b`` may be held together on overlapping objects."""
    if LockType.EXCLUSIVE in (a, b):
        return False
    return LockType.SHARED_READ in (a, b)  # read+read, read+write; never write+write


def overlaps(a: _Target, b: _Target) -> bool:
    """Whether two lock targets are the same object or one encloses the other."""
    if a.db_name != b.db_name:
        return False
    if LockLevel.DB in (a.level, b.level):
        return True
    if a.table_name != b.table_name:
        return False
    if LockLevel.TABLE in (a.level, b.level):
        return True
    return a.partition_name == b.partition_name


def conflicts(a: _Target, b: _Target) -> bool:
    return overlaps(a, b) and not compatible(a.type, b.type)


def first_blocker(wanted: Sequence[_Target], ext_id: int | None, existing: Iterable[LockRow],
                  alive_after_ms: int) -> LockRow | None:
    """The oldest lock that keeps request ``ext_id`` (None: a new request) from being granted."""
    for other in existing:
        if other.ext_id == ext_id or other.last_heartbeat_ms < alive_after_ms:
            continue
        earlier = ext_id is None or other.ext_id < ext_id
        if other.state != LockState.ACQUIRED and not earlier:
            continue  # a later waiter never blocks an earlier request
        if any(conflicts(mine, other) for mine in wanted):
            return other
    return None


# -- configuration ---------------------------------------------------------------------------------

_UNITS = {
    "": 1.0, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
    "ms": 0.001, "msec": 0.001, "msecs": 0.001, "m": 60.0, "min": 60.0, "mins": 60.0, "minute": 60.0,
    "minutes": 60.0, "h": 3600.0, "hour": 3600.0, "hours": 3600.0, "d": 86400.0, "day": 86400.0, "days": 86400.0,
}


def parse_seconds(value: str, key: str = TIMEOUT_KEY) -> float:
    """A Hive time setting in seconds: ``300``, ``300s``, ``5m``, ``1500ms`` ... (bare numbers are seconds)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([a-zA-Z]*)\s*", value)
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS or float(match.group(1)) * _UNITS[unit] <= 0:
        raise ValueError(f"{key}={value!r}: give a positive duration in seconds, e.g. 300 or 300s or 5m")
    return float(match.group(1)) * _UNITS[unit]


# -- the service -----------------------------------------------------------------------------------


def _db_name(name: str | None) -> str:
    if not name or not name.strip():
        raise MetaError("A lock component needs a database name (dbname)")
    return lookup_name(split_catalog_prefix(name))


def _normalise(c: LockComponent) -> LockComponent:
    """Names as stored; an unknown type counts as EXCLUSIVE and an underspecified level is widened
    (a table lock without a table name locks the database): both err on the safe side."""
    lock_type = LockType(c.type) if c.type in LockType._value2member_map_ else LockType.EXCLUSIVE
    db = _db_name(c.db_name)
    table = lookup_name(c.table_name) if c.table_name else None
    partition = c.partition_name or None
    level = LockLevel(c.level) if c.level in LockLevel._value2member_map_ else LockLevel.DB
    if level == LockLevel.PARTITION and partition is None:
        level = LockLevel.TABLE
    if level != LockLevel.DB and table is None:
        level = LockLevel.DB
    if level == LockLevel.DB:
        table = partition = None
    elif level == LockLevel.TABLE:
        partition = None
    return LockComponent(lock_type, level, db, table, partition)


def _no_txn(txn_id: int | None) -> None:
    if txn_id:  # 0 and absent both mean "no transaction"
        raise NoSuchTxnError(
            f"No such transaction txnid:{txn_id}: metahive does not support ACID transactions; "
            "take the lock without a transaction id"
        )


def _no_lock(lock_id: int | None) -> NoSuchLockError:
    return NoSuchLockError(
        f"No such lock lockid:{lock_id}: it was released, expired after no heartbeat, or never existed"
    )


class HiveLocks:
    """Lock semantics over the lock store; the clock is injectable for tests."""

    def __init__(self, store: SqlLocks, timeout_s: float = DEFAULT_TIMEOUT_S,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.timeout_ms = int(timeout_s * 1000)
        self._clock = clock

    @classmethod
    def for_catalog(cls, catalog: Catalog, config: Mapping[str, str]) -> HiveLocks:
        """Locks kept in the catalog's own database, expiring after ``hive.txn.timeout``."""
        timeout = parse_seconds(config[TIMEOUT_KEY]) if config.get(TIMEOUT_KEY) else DEFAULT_TIMEOUT_S
        return cls(catalog.lock_store(), timeout)

    def _now(self) -> tuple[int, int]:
        """(now, the oldest heartbeat still alive), in epoch milliseconds."""
        now = int(self._clock() * 1000)
        return now, now - self.timeout_ms

    def lock(self, request: LockRequest) -> LockStatus:
        _no_txn(request.txn_id)
        if not request.components:
            raise MetaError("A lock request needs at least one component")
        wanted = [_normalise(c) for c in request.components]
        dbs = {c.db_name for c in wanted}
        now, alive_after = self._now()
        with self.store.transaction() as tx:
            tx.serialise(dbs)
            tx.expire(alive_after)
            blocked = first_blocker(wanted, None, tx.in_databases(dbs), alive_after) is not None
            state = LockState.WAITING if blocked else LockState.ACQUIRED
            lock_id = tx.insert([
                LockRow(id=0, ext_id=0, component=i, level=int(c.level), type=int(c.type), db_name=c.db_name,
                        table_name=c.table_name, partition_name=c.partition_name, state=int(state), txn_id=None,
                        user_name=request.user or "", hostname=request.hostname or "",
                        agent_info=request.agent_info, created_ms=now,
                        acquired_ms=None if blocked else now, last_heartbeat_ms=now)
                for i, c in enumerate(wanted)
            ])
        return LockStatus(lock_id, state)

    def check_lock(self, lock_id: int, txn_id: int | None = None) -> LockStatus:
        """Grant the request if nothing blocks it any more; polling also counts as a heartbeat."""
        _no_txn(txn_id)
        now, alive_after = self._now()
        quick = self._check_without_writing(lock_id, now, alive_after)
        if quick is not None:
            return quick
        state: LockState | None = None
        with self.store.transaction() as tx:
            rows = tx.request(lock_id)
            if rows:
                tx.serialise({r.db_name for r in rows})
                tx.expire(alive_after)
                # Again: it may have been released or expired meanwhile. An expired row can still
                # be visible while another transaction deletes it; it counts as gone.
                rows = [r for r in tx.request(lock_id) if r.last_heartbeat_ms >= alive_after]
            if rows:
                state = LockState.ACQUIRED
                if any(r.state != LockState.ACQUIRED for r in rows):
                    existing = tx.in_databases({r.db_name for r in rows})
                    if first_blocker(rows, lock_id, existing, alive_after) is None:
                        tx.set_state(lock_id, LockState.ACQUIRED, now)
                    else:
                        state = LockState.WAITING
                tx.touch(lock_id, now)
        if state is None:
            raise _no_lock(lock_id)
        return LockStatus(lock_id, state)

    def _check_without_writing(self, lock_id: int, now: int, alive_after: int) -> LockStatus | None:
        """The answer when nothing needs writing: no grant due and the heartbeat is recent.

        Clients poll check_lock in a loop while they wait; answering most polls from a read keeps
        them from queueing for the write lock. A stale read can only say WAITING a poll too long.
        """
        with self.store.reading() as tx:
            rows = [r for r in tx.request(lock_id) if r.last_heartbeat_ms >= alive_after]
            if not rows:
                raise _no_lock(lock_id)  # ids come from committed lock() calls: not found is final
            if min(r.last_heartbeat_ms for r in rows) < now - self.timeout_ms // 10:
                return None  # record a heartbeat
            if all(r.state == LockState.ACQUIRED for r in rows):
                return LockStatus(lock_id, LockState.ACQUIRED)
            existing = tx.in_databases({r.db_name for r in rows})
            if first_blocker(rows, lock_id, existing, alive_after) is not None:
                return LockStatus(lock_id, LockState.WAITING)
        return None  # grantable: grant it under the write lock

    def unlock(self, lock_id: int) -> None:
        """Release a held or waiting request; the next waiter is granted on its next check_lock."""
        with self.store.transaction() as tx:
            released = tx.delete(lock_id)
        if not released:
            raise _no_lock(lock_id)

    def heartbeat(self, lock_id: int | None, txn_id: int | None = None) -> None:
        _no_txn(txn_id)
        if not lock_id:
            return  # Hive: a heartbeat for no lock and no transaction does nothing
        now, alive_after = self._now()
        with self.store.transaction() as tx:
            alive = tx.touch(lock_id, now, alive_after_ms=alive_after)
        if not alive:
            raise _no_lock(lock_id)

    def show_locks(self, db_name: str | None = None, table_name: str | None = None,
                   partition_name: str | None = None, txn_id: int | None = None) -> list[LockInfo]:
        """Held and waiting lock components (of a database, table or partition if given), oldest first."""
        db = _db_name(db_name) if db_name else None
        table = lookup_name(table_name) if table_name else None
        now, alive_after = self._now()
        with self.store.transaction() as tx:
            tx.expire(alive_after)
            rows = [r for r in tx.listing(db) if r.last_heartbeat_ms >= alive_after]
        result = []
        for row in rows:
            if (table is not None and row.table_name != table) or (partition_name and row.partition_name != partition_name):
                continue
            if txn_id and row.txn_id != txn_id:
                continue
            blocker = None
            if row.state != LockState.ACQUIRED:  # blockers share the row's database: all are in ``rows``
                blocker = first_blocker([row], row.ext_id, rows, alive_after)
            result.append(LockInfo(
                lock_id=row.ext_id, internal_id=row.id,
                component=LockComponent(LockType(row.type), LockLevel(row.level), row.db_name, row.table_name,
                                        row.partition_name),
                state=LockState(row.state), txn_id=row.txn_id, user=row.user_name, hostname=row.hostname,
                agent_info=row.agent_info, created_ms=row.created_ms, acquired_ms=row.acquired_ms,
                last_heartbeat_ms=row.last_heartbeat_ms,
                blocked_by_lock_id=blocker.ext_id if blocker else None,
                blocked_by_internal_id=blocker.id if blocker else None,
            ))
        return result
