"""Hive Metastore locks through real servers, with PyIceberg's Hive 4 Thrift bindings.

lock / check_lock / unlock / heartbeat / show_locks on SQLite and PostgreSQL: conflict rules
(exclusive, shared, DB vs table vs partition), arrival-order fairness, expiry of abandoned locks,
the declared exceptions, and mutual exclusion across server processes sharing one database.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from hive_metastore import ThriftHiveMetastore
from hive_metastore.ttypes import (
    CheckLockRequest,
    HeartbeatRequest,
    LockComponent,
    LockLevel,
    LockRequest,
    LockState,
    LockType,
    NoSuchLockException,
    NoSuchTxnException,
    ShowLocksRequest,
    UnlockRequest,
)
from thrift.protocol import TBinaryProtocol
from thrift.Thrift import TApplicationException
from thrift.transport import TSocket, TTransport

from metastore.app import build_metastore
from metastore.hms.locks import DEFAULT_TIMEOUT_S, TIMEOUT_KEY, HiveLocks, parse_seconds
from metastore.store import migrate
from metastore.store.engine import create_engine
from metastore.wire.server import listen, serve_connection
from tests.support.server import start_server

X, SW, SR = LockType.EXCLUSIVE, LockType.SHARED_WRITE, LockType.SHARED_READ
ACQUIRED, WAITING = LockState.ACQUIRED, LockState.WAITING
_names = itertools.count(1)


def connect(host: str, port: int) -> Any:
    sock = TSocket.TSocket(host, port)
    sock.setTimeout(20_000)
    transport = TTransport.TBufferedTransport(sock)
    client = ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocol(transport))
    transport.open()
    return client


@contextmanager
def connection(host: str, port: int) -> Iterator[Any]:
    client = connect(host, port)
    try:
        yield client
    finally:
        client._oprot.trans.close()


@pytest.fixture
def hms(server) -> Iterator[Any]:
    with connection(server.host, server.port) as client:
        yield client


def unique_db() -> str:
    """Locks need no existing objects (PyIceberg locks a table before creating it)."""
    return f"lockdb_{time.time_ns()}_{next(_names)}"


def table(db: str, name: str, lock_type: int = X) -> LockComponent:
    return LockComponent(type=lock_type, level=LockLevel.TABLE, dbname=db, tablename=name, isTransactional=True)


def database(db: str, lock_type: int = X) -> LockComponent:
    return LockComponent(type=lock_type, level=LockLevel.DB, dbname=db)


def partition(db: str, name: str, part: str, lock_type: int = X) -> LockComponent:
    return LockComponent(type=lock_type, level=LockLevel.PARTITION, dbname=db, tablename=name, partitionname=part)


def lock(client: Any, *components: LockComponent, **kw: Any) -> Any:
    return client.lock(LockRequest(component=list(components), user="tester", hostname="testhost", **kw))


def check(client: Any, lock_id: int) -> int:
    return client.check_lock(CheckLockRequest(lockid=lock_id)).state


def unlock(client: Any, lock_id: int) -> None:
    client.unlock(UnlockRequest(lockid=lock_id))


# -- conflict rules -------------------------------------------------------------------------------


def test_exclusive_waits_for_exclusive_until_unlocked(hms):
    db = unique_db()
    first = lock(hms, table(db, "t"))
    assert first.state == ACQUIRED
    second = lock(hms, table(db, "t"))
    assert second.state == WAITING and second.lockid != first.lockid
    assert check(hms, second.lockid) == WAITING
    assert check(hms, first.lockid) == ACQUIRED
    assert lock(hms, table(db, "other")).state == ACQUIRED  # another table is not affected
    unlock(hms, first.lockid)
    assert check(hms, second.lockid) == ACQUIRED
    assert lock(hms, table(db, "t")).state == WAITING
    unlock(hms, second.lockid)


def test_names_are_case_insensitive(hms):
    db = unique_db()
    held = lock(hms, table(db.upper(), "Tbl"))
    assert lock(hms, table(db, "tbl")).state == WAITING
    unlock(hms, held.lockid)


def test_shared_reads_coexist_and_writes_exclude_each_other(hms):
    db = unique_db()
    r1 = lock(hms, table(db, "t", SR))
    r2 = lock(hms, table(db, "t", SR))
    w1 = lock(hms, table(db, "t", SW))
    assert (r1.state, r2.state, w1.state) == (ACQUIRED, ACQUIRED, ACQUIRED)  # reads share with a write
    w2 = lock(hms, table(db, "t", SW))
    assert w2.state == WAITING  # write vs write
    unlock(hms, w1.lockid)
    assert check(hms, w2.lockid) == ACQUIRED
    x = lock(hms, table(db, "t", X))
    assert x.state == WAITING  # exclusive vs anything
    for held in (r1, r2, w2):
        unlock(hms, held.lockid)
    assert check(hms, x.lockid) == ACQUIRED
    r3 = lock(hms, table(db, "t", SR))
    assert r3.state == WAITING  # read vs exclusive
    unlock(hms, x.lockid)
    assert check(hms, r3.lockid) == ACQUIRED
    unlock(hms, r3.lockid)


def test_database_level_and_table_level_locks_conflict(hms):
    db, other_db = unique_db(), unique_db()
    whole = lock(hms, database(db))
    assert whole.state == ACQUIRED
    in_it = lock(hms, table(db, "t", SR))
    assert in_it.state == WAITING
    assert lock(hms, table(other_db, "t")).state == ACQUIRED
    unlock(hms, whole.lockid)
    assert check(hms, in_it.lockid) == ACQUIRED
    # and the other way round: a table lock blocks an exclusive lock on its database
    whole2 = lock(hms, database(db))
    assert whole2.state == WAITING
    unlock(hms, in_it.lockid)
    assert check(hms, whole2.lockid) == ACQUIRED
    unlock(hms, whole2.lockid)
    # a shared DB lock (Hive takes one while working in a database) lets table writes in
    shared = lock(hms, database(db, SR))
    assert lock(hms, table(db, "t", SW)).state == ACQUIRED
    assert lock(hms, table(db, "u", X)).state == WAITING
    unlock(hms, shared.lockid)


def test_partition_locks(hms):
    db = unique_db()
    p1 = lock(hms, partition(db, "t", "ds=1"))
    p2 = lock(hms, partition(db, "t", "ds=2"))
    assert (p1.state, p2.state) == (ACQUIRED, ACQUIRED)  # different partitions
    assert lock(hms, partition(db, "t", "ds=1")).state == WAITING
    whole = lock(hms, table(db, "t"))
    assert whole.state == WAITING  # the table encloses its partitions
    for held in (p1, p2):
        unlock(hms, held.lockid)


def test_a_request_is_granted_whole_or_not_at_all(hms):
    db = unique_db()
    held = lock(hms, table(db, "b"))
    both = lock(hms, table(db, "a"), table(db, "b"))
    assert both.state == WAITING
    listed = hms.show_locks(ShowLocksRequest(dbname=db)).locks
    assert sorted((e.tablename, e.state) for e in listed if e.lockid == both.lockid) == [("a", WAITING), ("b", WAITING)]
    unlock(hms, held.lockid)
    assert check(hms, both.lockid) == ACQUIRED
    assert lock(hms, table(db, "a")).state == WAITING
    unlock(hms, both.lockid)


def test_waiters_are_granted_in_arrival_order(hms):
    """A compatible latecomer must not overtake an earlier waiter (no starvation of writers)."""
    db = unique_db()
    reader = lock(hms, table(db, "t", SR))
    writer = lock(hms, table(db, "t", X))
    late_reader = lock(hms, table(db, "t", SR))
    assert (reader.state, writer.state, late_reader.state) == (ACQUIRED, WAITING, WAITING)
    unlock(hms, reader.lockid)
    assert check(hms, late_reader.lockid) == WAITING  # the writer came first
    assert check(hms, writer.lockid) == ACQUIRED
    assert check(hms, late_reader.lockid) == WAITING
    unlock(hms, writer.lockid)
    assert check(hms, late_reader.lockid) == ACQUIRED
    unlock(hms, late_reader.lockid)

    # three exclusive waiters are served first come, first served
    holder = lock(hms, table(db, "q"))
    waiters = [lock(hms, table(db, "q")) for _ in range(3)]
    order = []
    current = holder
    for _ in waiters:
        unlock(hms, current.lockid)
        granted = [w for w in waiters if w not in order and check(hms, w.lockid) == ACQUIRED]
        assert len(granted) == 1
        order.append(granted[0])
        current = granted[0]
    unlock(hms, current.lockid)
    assert [w.lockid for w in order] == [w.lockid for w in waiters]


# -- errors ----------------------------------------------------------------------------------------


def test_unknown_lock_ids(hms):
    db = unique_db()
    gone = lock(hms, table(db, "t"))
    unlock(hms, gone.lockid)
    for lock_id in (gone.lockid, 987_654_321_000):
        with pytest.raises(NoSuchLockException):
            check(hms, lock_id)
        with pytest.raises(NoSuchLockException):
            unlock(hms, lock_id)
        with pytest.raises(NoSuchLockException):
            hms.heartbeat(HeartbeatRequest(lockid=lock_id))
    # the connection is still usable and the table is free
    assert lock(hms, table(db, "t")).state == ACQUIRED


def test_transactions_are_not_supported(hms):
    db = unique_db()
    with pytest.raises(NoSuchTxnException, match="txnid:7"):
        lock(hms, table(db, "t"), txnid=7)
    held = lock(hms, table(db, "t"), txnid=0)  # 0 means "no transaction", as in Hive
    assert held.state == ACQUIRED
    with pytest.raises(NoSuchTxnException):
        hms.check_lock(CheckLockRequest(lockid=held.lockid, txnid=7))
    with pytest.raises(NoSuchTxnException):
        hms.heartbeat(HeartbeatRequest(txnid=7))
    assert not any(e.dbname == db and e.lockid != held.lockid for e in hms.show_locks(ShowLocksRequest(dbname=db)).locks)
    unlock(hms, held.lockid)


def test_malformed_request_is_answered(hms):
    with pytest.raises(TApplicationException, match="at least one component"):
        lock(hms)
    with pytest.raises(TApplicationException, match="database name"):
        lock(hms, LockComponent(type=X, level=LockLevel.TABLE, dbname="", tablename="t"))
    assert lock(hms, table(unique_db(), "t")).state == ACQUIRED  # connection still fine


def test_hive_2_3_bindings(server):
    """Spark's generation (hmsclient, Hive 2.3.3 IDL: LockComponent field 7 is ``isAcid``)."""
    import hmsclient.genthrift.hive_metastore.ttypes as T23
    from hmsclient import hmsclient

    client = hmsclient.HMSClient(host=server.host, port=server.port)
    client.open()
    try:
        db = unique_db()
        component = T23.LockComponent(type=X, level=LockLevel.TABLE, dbname=db, tablename="t", isAcid=False)
        held = client.lock(T23.LockRequest(component=[component], user="spark", hostname="h"))
        waiting = client.lock(T23.LockRequest(component=[component], user="spark", hostname="h"))
        assert (held.state, waiting.state) == (ACQUIRED, WAITING)
        listed = client.show_locks(T23.ShowLocksRequest(dbname=db)).locks
        assert [(e.lockid, e.state, e.tablename) for e in listed] == [(held.lockid, ACQUIRED, "t"), (waiting.lockid, WAITING, "t")]
        client.heartbeat(T23.HeartbeatRequest(lockid=held.lockid))
        client.unlock(T23.UnlockRequest(lockid=held.lockid))
        assert client.check_lock(T23.CheckLockRequest(lockid=waiting.lockid)).state == ACQUIRED
        client.unlock(T23.UnlockRequest(lockid=waiting.lockid))
        with pytest.raises(T23.NoSuchLockException):
            client.unlock(T23.UnlockRequest(lockid=waiting.lockid))
    finally:
        client.close()


# -- show_locks and heartbeat ----------------------------------------------------------------------


def test_show_locks_lists_held_and_waiting(hms):
    db = unique_db()
    held = hms.lock(LockRequest(component=[table(db, "t")], user="alice", hostname="h1", agentInfo="query-1"))
    waiting = hms.lock(LockRequest(component=[table(db, "t", SR)], user="bob", hostname="h2", agentInfo="query-2"))
    other = lock(hms, partition(db, "u", "ds=1", SW))
    listed = hms.show_locks(ShowLocksRequest(dbname=db)).locks
    by_id = {e.lockid: e for e in listed}
    assert list(by_id) == [held.lockid, waiting.lockid, other.lockid]  # oldest first
    h, w, o = by_id[held.lockid], by_id[waiting.lockid], by_id[other.lockid]
    assert (h.dbname, h.tablename, h.partname, h.state, h.type) == (db, "t", None, ACQUIRED, X)
    assert (h.user, h.hostname, h.agentInfo) == ("alice", "h1", "query-1")
    assert h.acquiredat and h.lastheartbeat and abs(h.lastheartbeat - time.time() * 1000) < 60_000
    assert h.lockIdInternal and h.blockedByExtId is None
    assert (w.state, w.type, w.user, w.acquiredat) == (WAITING, SR, "bob", None)
    assert w.blockedByExtId == held.lockid and w.blockedByIntId == h.lockIdInternal
    assert (o.tablename, o.partname, o.type) == ("u", "ds=1", SW)

    only_t = hms.show_locks(ShowLocksRequest(dbname=db, tablename="T")).locks
    assert [e.lockid for e in only_t] == [held.lockid, waiting.lockid]
    assert [e.lockid for e in hms.show_locks(ShowLocksRequest(dbname=db, tablename="u", partname="ds=1")).locks] == [other.lockid]
    everything = {e.lockid for e in hms.show_locks(ShowLocksRequest()).locks}
    assert {held.lockid, waiting.lockid, other.lockid} <= everything

    for done in (held, waiting, other):
        unlock(hms, done.lockid)
    assert hms.show_locks(ShowLocksRequest(dbname=db)).locks == []


def test_heartbeat_refreshes_the_lock(hms):
    db = unique_db()
    held = lock(hms, table(db, "t"))
    before = hms.show_locks(ShowLocksRequest(dbname=db)).locks[0].lastheartbeat
    time.sleep(0.05)
    hms.heartbeat(HeartbeatRequest(lockid=held.lockid))
    after = hms.show_locks(ShowLocksRequest(dbname=db)).locks[0].lastheartbeat
    assert after > before
    hms.heartbeat(HeartbeatRequest())  # no lock, no transaction: nothing to do (as in Hive)
    unlock(hms, held.lockid)


# -- concurrency -----------------------------------------------------------------------------------


def _race_for_exclusive(endpoints: list[tuple[str, int]], db: str, threads: int, rounds: int) -> int:
    """Clients on the given servers take one table's EXCLUSIVE lock; return the most holders at once.

    First all clients ask at the same instant, ``rounds`` times (exactly one may be granted each
    time), then each takes the lock ``rounds`` times in turn, polling check_lock while waiting.
    """
    guard = threading.Lock()
    active = max_active = 0
    barrier = threading.Barrier(threads)
    granted_at_once: list[int] = []

    def worker(i: int) -> int:
        nonlocal active, max_active
        host, port = endpoints[i % len(endpoints)]
        with connection(host, port) as client:
            for r in range(rounds):
                barrier.wait(timeout=30)
                response = lock(client, table(db, f"burst{r}"), agentInfo=f"worker-{i}")
                if response.state == ACQUIRED:
                    with guard:
                        granted_at_once.append(r)
                barrier.wait(timeout=30)
                unlock(client, response.lockid)
            barrier.wait(timeout=30)
            for _ in range(rounds):
                response = lock(client, table(db, "hot"), agentInfo=f"worker-{i}")
                deadline = time.monotonic() + 60
                while response.state == WAITING:
                    assert time.monotonic() < deadline, "waited a minute for the lock"
                    time.sleep(0.005)
                    response = client.check_lock(CheckLockRequest(lockid=response.lockid))
                assert response.state == ACQUIRED
                with guard:
                    active += 1
                    max_active = max(max_active, active)
                time.sleep(0.002)
                with guard:
                    active -= 1
                unlock(client, response.lockid)
        return i

    with ThreadPoolExecutor(threads) as pool:
        assert sorted(pool.map(worker, range(threads))) == list(range(threads))
    assert sorted(granted_at_once) == list(range(rounds)), "not exactly one grant per simultaneous round"
    return max_active


def test_concurrent_lockers_exclude_each_other(server):
    """The server runs two worker processes: connections land on both."""
    assert _race_for_exclusive([(server.host, server.port)], unique_db(), threads=8, rounds=8) == 1


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_two_server_processes_on_one_database(backend, make_db_url, tmp_path):
    url = make_db_url(backend)
    servers = [start_server(url, tmp_path / "wh", tmp_path, workers=1)]
    servers.append(start_server(url, tmp_path / "wh", tmp_path, workers=1))  # after: schema exists
    try:
        a, b = ((s.host, s.port) for s in servers)
        db = unique_db()
        with connection(*a) as ca, connection(*b) as cb:
            held = lock(ca, table(db, "t"))
            assert held.state == ACQUIRED
            other = lock(cb, table(db, "t"))
            assert other.state == WAITING
            assert check(cb, other.lockid) == WAITING
            with pytest.raises(NoSuchLockException):
                unlock(cb, other.lockid + 1000)
            unlock(cb, held.lockid)  # lock ids are global: any server can release any lock
            assert check(ca, other.lockid) == ACQUIRED
            unlock(ca, other.lockid)
        assert _race_for_exclusive([a, b], db, threads=8, rounds=8) == 1
    finally:
        for s in servers:
            s.stop()


# -- expiry ----------------------------------------------------------------------------------------


@contextmanager
def in_process_server(url: str, warehouse: str, config: dict[str, str]) -> Iterator[tuple[str, int]]:
    """A server built in this process (the CLI has no flag for hive.txn.timeout)."""
    migrate.upgrade(create_engine(url))
    ms = build_metastore(url, warehouse, config)
    sock = listen("127.0.0.1", 0)

    def accept() -> None:
        while True:
            try:
                conn, addr = sock.accept()
            except OSError:
                return
            threading.Thread(target=serve_connection, args=(ms, conn, f"{addr[0]}:{addr[1]}"), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[:2]
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
        thread.join(5)
        ms.catalog.dispose()  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_abandoned_locks_expire(backend, make_db_url, tmp_path):
    with in_process_server(make_db_url(backend), str(tmp_path / "wh"), {TIMEOUT_KEY: "1"}) as (host, port):
        with connection(host, port) as client:
            db = unique_db()
            crashed = lock(client, table(db, "t"))  # a PyIceberg commit that died: never unlocked
            assert crashed.state == ACQUIRED
            kept = lock(client, table(db, "kept"))
            waiter = lock(client, table(db, "t"))
            assert waiter.state == WAITING
            kept_waiter = lock(client, table(db, "kept"))
            deadline = time.monotonic() + 1.6
            while time.monotonic() < deadline:  # heartbeats keep one lock; polling keeps waiters
                client.heartbeat(HeartbeatRequest(lockid=kept.lockid))
                assert check(client, kept_waiter.lockid) == WAITING
                check(client, waiter.lockid)
                time.sleep(0.2)
            assert check(client, waiter.lockid) == ACQUIRED  # the abandoned lock expired
            listed = {e.lockid for e in client.show_locks(ShowLocksRequest(dbname=db)).locks}
            assert listed == {kept.lockid, waiter.lockid, kept_waiter.lockid}
            with pytest.raises(NoSuchLockException):
                check(client, crashed.lockid)
            with pytest.raises(NoSuchLockException):
                client.heartbeat(HeartbeatRequest(lockid=crashed.lockid))
            with pytest.raises(NoSuchLockException):
                unlock(client, crashed.lockid)
            unlock(client, kept.lockid)
            assert check(client, kept_waiter.lockid) == ACQUIRED

            # an abandoned waiter (client gone while polling) stops blocking those behind it
            holder = lock(client, table(db, "w"))
            before_gone_waiter = time.monotonic()
            gone_waiter = lock(client, table(db, "w"))
            later = lock(client, table(db, "w"))
            unlock(client, holder.lockid)
            deadline = time.monotonic() + 5
            while check(client, later.lockid) == WAITING:  # behind gone_waiter until it expires
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert time.monotonic() - before_gone_waiter >= 1.0
            with pytest.raises(NoSuchLockException):
                check(client, gone_waiter.lockid)


def test_timeout_setting():
    assert DEFAULT_TIMEOUT_S == 300
    assert parse_seconds("1") == 1 and parse_seconds("300s") == 300 and parse_seconds("5m") == 300
    assert parse_seconds("1500ms") == 1.5 and parse_seconds(" 2 h ") == 7200
    for bad in ("", "abc", "-1", "0", "5 parsecs"):
        with pytest.raises(ValueError, match="hive.txn.timeout"):
            parse_seconds(bad)
    assert HiveLocks(None, 2).timeout_ms == 2000  # type: ignore[arg-type]
