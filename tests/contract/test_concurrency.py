"""Concurrent clients: one connection per thread, each working in its own database."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.contract.conftest import path_of

THREADS = 8
ROUNDS = 3


def _worker(hms, db, barrier):
    with hms.connection() as c:
        assert c.set_ugi(f"user_{db}", ["g"]) == ["g", f"user_{db}"]
        barrier.wait(timeout=30)
        c.create_database(hms.make_database(db))
        for r in range(ROUNDS):
            c.create_table(hms.make_table(db, f"t{r}"))
            c.add_partitions([hms.make_partition(db, f"t{r}", ["2024-01-01", str(h)]) for h in range(3)])
            t = c.get_table(db, f"t{r}")
            assert t.tableName == f"t{r}"
            assert c.get_partition_names(db, f"t{r}", -1) == [f"ds=2024-01-01/hr={h}" for h in range(3)]
            c.create_table(hms.make_table(db, f"tmp{r}", partition_keys=[]))
            c.drop_table(db, f"tmp{r}", True)
        renamed = c.get_table(db, "t0")
        renamed.tableName = "t0_renamed"
        c.alter_table(db, "t0", renamed)
        c.drop_table(db, "t1", True)
        return sorted(c.get_all_tables(db))


def test_concurrent_clients_in_their_own_databases(hms):
    dbs = [hms.unique(f"w{i}") for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda db: _worker(hms, db, barrier), dbs))
    expected = sorted(["t0_renamed", *(f"t{r}" for r in range(2, ROUNDS))])
    assert results == [expected] * THREADS
    for db in dbs:
        assert sorted(hms.client.get_all_tables(db)) == expected
        t = hms.client.get_table(db, "t0_renamed")
        assert t.sd.location == f"{hms.client.get_database(db).locationUri}/t0_renamed"
        assert sorted(p.name for p in path_of(hms.client.get_database(db).locationUri).iterdir()) == expected
        assert hms.client.get_partition_names(db, "t0_renamed", -1) == [f"ds=2024-01-01/hr={h}" for h in range(3)]
        assert all(p.sd.location.startswith(t.sd.location + "/") for p in hms.client.get_partitions(db, "t0_renamed", -1))
    assert set(dbs) <= set(hms.client.get_all_databases())


def test_concurrent_creates_of_the_same_table(hms):
    """Eight clients race to create one table: exactly one wins, the others get AlreadyExistsException."""
    db = hms.new_db()
    barrier = threading.Barrier(THREADS)

    def create(i):
        with hms.connection() as c:
            barrier.wait(timeout=30)
            try:
                c.create_table(hms.make_table(db, "race", cols=[(f"c{i}", "int")]))
                return "created"
            except hms.T.AlreadyExistsException as e:
                assert f"{db}.race" in e.message
                return "exists"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(create, range(THREADS)))
    assert sorted(outcomes) == ["created"] + ["exists"] * (THREADS - 1)
    assert hms.client.get_all_tables(db) == ["race"]
    assert len(hms.client.get_table(db, "race").sd.cols) == 1


def test_concurrent_add_partitions_to_one_table(hms):
    db = hms.new_db()
    hms.new_table(db, "t")
    barrier = threading.Barrier(THREADS)

    def add(i):
        with hms.connection() as c:
            barrier.wait(timeout=30)
            parts = [hms.make_partition(db, "t", [f"2024-01-{i + 1:02d}", str(h)]) for h in range(5)]
            return c.add_partitions(parts)

    with ThreadPoolExecutor(THREADS) as pool:
        assert list(pool.map(add, range(THREADS))) == [5] * THREADS
    names = hms.client.get_partition_names(hms.client.get_table(db, "t").dbName, "t", -1)
    assert names == sorted(f"ds=2024-01-{i + 1:02d}/hr={h}" for i in range(THREADS) for h in range(5))
    assert hms.client.get_num_partitions_by_filter(db, "t", "hr >= 0") == THREADS * 5
