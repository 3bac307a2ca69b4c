"""Tests for tests/support/postgres.py (test-database provisioning)."""

from __future__ import annotations

import os
import socket
from contextlib import closing

import psycopg2
import pytest
from sqlalchemy import create_engine, inspect, text

import tests.support.postgres as pg_support
from tests.support.postgres import (
    ENV_VAR,
    SOURCE_CLUSTER,
    SOURCE_ENV,
    PostgresHandle,
    PostgresUnavailable,
    _connect_kwargs,
    find_pg_bindir,
    provision_postgres,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def handle():
    try:
        h = provision_postgres()
    except PostgresUnavailable as exc:
        pytest.skip(f"no PostgreSQL available: {exc}")
    with h:
        yield h


def _select_one(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar_one()
    finally:
        engine.dispose()


def _table_names(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _database_exists(h: PostgresHandle, name: str) -> bool:
    with closing(psycopg2.connect(**_admin_kwargs(h))) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return cur.fetchone() is not None


def _admin_kwargs(h: PostgresHandle) -> dict:
    return _connect_kwargs(h.server_url)


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def test_session_database_is_usable_and_empty(handle: PostgresHandle) -> None:
    url = handle.url()
    assert handle.database.startswith("metahive_t_")
    assert url.endswith("/" + handle.database)
    assert _select_one(url) == 1
    assert _table_names(url) == []
    with closing(handle.connect()) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_database()")
        assert cur.fetchone()[0] == handle.database


def test_create_database_returns_distinct_working_databases(handle: PostgresHandle) -> None:
    first = handle.create_database()
    second = handle.create_database()
    assert len({first, second, handle.url()}) == 3
    for url in (first, second):
        assert _select_one(url) == 1
        assert _table_names(url) == []

    # A table made in one database is not visible in the other.
    engine = create_engine(first)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE only_here (id int)"))
    finally:
        engine.dispose()
    assert _table_names(first) == ["only_here"]
    assert _table_names(second) == []


def test_close_drops_created_databases() -> None:
    try:
        h = provision_postgres()
    except PostgresUnavailable as exc:
        pytest.skip(f"no PostgreSQL available: {exc}")
    if h.source == SOURCE_CLUSTER:
        h.close()
        pytest.skip("the throw-away cluster is deleted whole; covered by the cluster test")
    extra_url = h.create_database()
    names = list(h.created)
    assert len(names) == 2 and extra_url.endswith("/" + names[1])
    # An open connection must not prevent the drop.
    conn = psycopg2.connect(**_admin_kwargs(h) | {"dbname": names[1]})
    try:
        h.close()
    finally:
        conn.close()
    assert h.closed
    for name in names:
        assert not _database_exists(h, name)
    h.close()  # idempotent


@pytest.mark.skipif(find_pg_bindir() is None, reason="no initdb/pg_ctl on this machine")
def test_throwaway_cluster_path() -> None:
    h = provision_postgres(prefer_existing=False)
    try:
        assert h.source == SOURCE_CLUSTER
        assert h.host == "127.0.0.1"
        port = h.port
        assert port not in (None, 5432)
        assert _select_one(h.url()) == 1
        assert _table_names(h.url()) == []
        other = h.create_database()
        assert other != h.url() and _select_one(other) == 1
        basedir = h._cluster.basedir
        assert _accepts_connections(port)
    finally:
        h.close()
    assert not _accepts_connections(port)
    assert not os.path.exists(basedir)


def test_env_url_is_used(handle: PostgresHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    # Point (a) at whichever server the module fixture found, via its maintenance database.
    env_url = handle.server_url.render_as_string(hide_password=False)
    monkeypatch.setenv(ENV_VAR, env_url)
    with provision_postgres() as h:
        assert h.source == SOURCE_ENV
        assert (h.host, h.port) == (handle.host, handle.port)
        assert h.database != handle.database
        assert _select_one(h.url()) == 1


def test_unusable_env_url_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    monkeypatch.setenv(ENV_VAR, f"postgresql://postgres@127.0.0.1:{closed_port}/test")
    with pytest.raises(PostgresUnavailable, match=ENV_VAR):
        provision_postgres()


@pytest.mark.skipif(find_pg_bindir() is None, reason="no initdb/pg_ctl on this machine")
def test_unreachable_default_falls_back_to_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(pg_support, "DEFAULT_URL", f"postgresql://postgres@127.0.0.1:{closed_port}/test")
    with provision_postgres() as h:
        assert h.source == SOURCE_CLUSTER
        assert _select_one(h.url()) == 1
