"""PyIceberg's ``HiveCatalog`` end to end against a real server, on SQLite and PostgreSQL.

Namespaces, Iceberg tables written and read through pyarrow, schema evolution, rename, drop, and
concurrent commits: PyIceberg commits under an HMS table lock (lock -> check_lock while WAITING ->
get_table -> alter_table -> unlock), so concurrent appends never lose one another.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyarrow as pa
import pytest
from hive_metastore.ttypes import ShowLocksRequest
from pyiceberg.catalog import load_catalog
from pyiceberg.exceptions import (
    CommitFailedException,
    NamespaceNotEmptyError,
    NoSuchNamespaceError,
    NoSuchTableError,
    TableAlreadyExistsError,
)
from pyiceberg.types import DoubleType

from tests.test_locks import connection

_names = itertools.count(1)
# Poll check_lock every 20-200 ms instead of PyIceberg's default 2 s, 4 s, 8 s ... backoff.
FAST_LOCK_POLLING = {"lock-check-min-wait-time": "0.02", "lock-check-max-wait-time": "0.2", "lock-check-retries": "150"}
METADATA_VERSION = re.compile(r"/metadata/(\d+)-[0-9a-f-]+\.metadata\.json$")

SCHEMA = pa.schema([pa.field("id", pa.int64()), pa.field("name", pa.string())])


def catalog_for(server: Any, tmp_path: Any, **props: str) -> Any:
    return load_catalog("hms", type="hive", uri=server.uri, warehouse=f"file://{tmp_path}", **FAST_LOCK_POLLING, **props)


@pytest.fixture
def catalog(server, tmp_path):
    return catalog_for(server, tmp_path)


@pytest.fixture
def namespace(catalog) -> Iterator[str]:
    name = f"iceberg_{next(_names)}_{time.time_ns() % 10**9}"
    catalog.create_namespace(name, {"owner": "tests"})
    yield name
    for ident in catalog.list_tables(name):
        catalog.drop_table(ident)
    catalog.drop_namespace(name)


def rows(table: Any) -> list[dict[str, Any]]:
    return sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r["id"])


def batch(ids: list[int], **columns: list[Any]) -> pa.Table:
    data = {"id": pa.array(ids, pa.int64()), "name": pa.array([f"n{i}" for i in ids], pa.string())}
    data.update({k: pa.array(v, pa.float64()) for k, v in columns.items()})
    return pa.table(data)


def hms_table(server: Any, db: str, name: str) -> Any:
    with connection(server.host, server.port) as client:
        return client.get_table(db, name)


def test_namespaces(catalog, namespace):
    assert (namespace,) in catalog.list_namespaces()
    props = catalog.load_namespace_properties(namespace)
    assert props["owner"] == "tests" and props["location"].endswith(f"/{namespace}.db")
    catalog.update_namespace_properties(namespace, updates={"team": "data"}, removals={"owner"})
    props = catalog.load_namespace_properties(namespace)
    assert props["team"] == "data" and "owner" not in props
    with pytest.raises(NoSuchNamespaceError):
        catalog.load_namespace_properties("no_such_namespace_anywhere")


def test_table_lifecycle(server, catalog, namespace):
    ident = f"{namespace}.events"
    table = catalog.create_table(ident, schema=SCHEMA)
    assert catalog.table_exists(ident) and (namespace, "events") in catalog.list_tables(namespace)
    with pytest.raises(TableAlreadyExistsError):
        catalog.create_table(ident, schema=SCHEMA)

    table.append(batch([1, 2, 3]))
    assert rows(table) == [{"id": i, "name": f"n{i}"} for i in (1, 2, 3)]
    reloaded = catalog.load_table(ident)  # a fresh load reads the committed metadata location
    assert reloaded.metadata_location == table.metadata_location
    assert [r["id"] for r in rows(reloaded)] == [1, 2, 3]

    hive = hms_table(server, namespace, "events")
    assert hive.tableType == "EXTERNAL_TABLE"
    assert hive.parameters["table_type"] == "ICEBERG"
    assert hive.parameters["metadata_location"] == table.metadata_location
    assert hive.parameters["previous_metadata_location"]
    assert [(c.name, c.type) for c in hive.sd.cols] == [("id", "bigint"), ("name", "string")]

    with table.update_schema() as update:
        update.add_column("score", DoubleType())
    table.append(batch([4], score=[1.5]))
    assert rows(catalog.load_table(ident)) == [
        {"id": 1, "name": "n1", "score": None}, {"id": 2, "name": "n2", "score": None},
        {"id": 3, "name": "n3", "score": None}, {"id": 4, "name": "n4", "score": 1.5},
    ]
    hive = hms_table(server, namespace, "events")
    assert [(c.name, c.type) for c in hive.sd.cols] == [("id", "bigint"), ("name", "string"), ("score", "double")]
    assert len(catalog.load_table(ident).snapshots()) == 2

    renamed = catalog.rename_table(ident, f"{namespace}.events_v2")
    assert [r["id"] for r in rows(renamed)] == [1, 2, 3, 4]
    assert not catalog.table_exists(ident)
    with pytest.raises(NoSuchTableError):
        catalog.load_table(ident)
    with pytest.raises(NoSuchTableError):
        catalog.rename_table(ident, f"{namespace}.whatever")
    with pytest.raises(NoSuchNamespaceError):
        catalog.rename_table(f"{namespace}.events_v2", "no_such_namespace_anywhere.events")
    renamed.append(batch([5]))  # commits keep working under the new name
    assert [r["id"] for r in rows(catalog.load_table(f"{namespace}.events_v2"))] == [1, 2, 3, 4, 5]

    with pytest.raises(NamespaceNotEmptyError):
        catalog.drop_namespace(namespace)
    catalog.drop_table(f"{namespace}.events_v2")
    assert not catalog.table_exists(f"{namespace}.events_v2")
    assert catalog.list_tables(namespace) == []
    with pytest.raises(NoSuchTableError):
        catalog.drop_table(f"{namespace}.events_v2")
    with connection(server.host, server.port) as client:  # every commit released its lock
        assert client.show_locks(ShowLocksRequest(dbname=namespace)).locks == []


class MetadataWatcher:
    """Polls the table's metadata_location from the metastore while commits run."""

    def __init__(self, server: Any, db: str, name: str) -> None:
        self.server, self.db, self.name = server, db, name
        self.seen: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MetadataWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        with connection(self.server.host, self.server.port) as client:
            while not self._stop.is_set():
                location = client.get_table(self.db, self.name).parameters["metadata_location"]
                if not self.seen or self.seen[-1] != location:
                    self.seen.append(location)
                time.sleep(0.005)

    def versions(self) -> list[int]:
        return [int(METADATA_VERSION.search(loc).group(1)) for loc in self.seen]


def _concurrent_appends(server: Any, tmp_path: Any, ident: str, writers: int, first_id: int,
                        retry_after_refresh: bool) -> tuple[list[str], list[str]]:
    """``writers`` catalogs append at the same instant; return (outcomes, metadata locations seen)."""
    db, name = ident.split(".")
    tables = [catalog_for(server, tmp_path).load_table(ident) for _ in range(writers)]
    barrier = threading.Barrier(writers)

    def append(i: int) -> str:
        barrier.wait(timeout=30)
        try:
            tables[i].append(batch([first_id + i]))
            return "committed"
        except CommitFailedException:
            if not retry_after_refresh:
                raise
            tables[i].refresh()
            tables[i].append(batch([first_id + i]))
            return "committed after refresh"

    with MetadataWatcher(server, db, name) as watcher, ThreadPoolExecutor(writers) as pool:
        outcomes = list(pool.map(append, range(writers)))
    versions = watcher.versions()
    assert versions == sorted(versions), f"metadata_location moved backwards: {watcher.seen}"
    assert len(set(versions)) == len(versions), f"two metadata files claimed one version: {watcher.seen}"
    return outcomes, watcher.seen


def test_concurrent_appends_all_land(server, catalog, namespace, tmp_path):
    """PyIceberg retries a commit that lost the race (commit.retry.num-retries, default 4)."""
    ident = f"{namespace}.busy"
    catalog.create_table(ident, schema=SCHEMA).append(batch([0]))
    writers = 4
    outcomes, _ = _concurrent_appends(server, tmp_path, ident, writers, first_id=1, retry_after_refresh=False)
    assert outcomes == ["committed"] * writers
    final = catalog.load_table(ident)
    assert [r["id"] for r in rows(final)] == list(range(writers + 1))
    assert len(final.snapshots()) == writers + 1
    # the metadata log is one chain: every commit built on the one before it
    log = [METADATA_VERSION.search(entry.metadata_file).group(1) for entry in final.metadata.metadata_log]
    assert [int(v) for v in log] == list(range(len(log)))
    assert int(METADATA_VERSION.search(final.metadata_location).group(1)) == len(log)


def test_a_commit_that_lost_the_race_fails_cleanly(server, catalog, namespace, tmp_path):
    """Without commit retries the loser gets CommitFailedException and succeeds after a refresh."""
    ident = f"{namespace}.contended"
    table = catalog.create_table(ident, schema=SCHEMA, properties={"commit.retry.num-retries": "0"})
    table.append(batch([0]))
    outcomes, seen = _concurrent_appends(server, tmp_path, ident, 2, first_id=1, retry_after_refresh=True)
    assert sorted(outcomes) == ["committed", "committed after refresh"]
    assert [r["id"] for r in rows(catalog.load_table(ident))] == [0, 1, 2]
    assert len(catalog.load_table(ident).snapshots()) == 3
    assert len(seen) >= 2
