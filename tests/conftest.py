"""Shared fixtures: PostgreSQL provisioning and real metahive server processes per backend."""

from __future__ import annotations

import pytest

from tests.support.postgres import provision_postgres
from tests.support.server import RunningServer, start_server

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres():
    handle = provision_postgres()
    yield handle
    handle.close()


@pytest.fixture(scope="session")
def make_db_url(postgres, tmp_path_factory):
    """A fresh, empty catalog database URL for a backend."""

    def make(backend: str) -> str:
        if backend == "postgres":
            return postgres.create_database()
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'catalog.db'}"

    return make


@pytest.fixture(scope="session")
def make_server(make_db_url, tmp_path_factory):
    """Start a real server on a fresh database; stopped at the end of the session."""
    started: list[RunningServer] = []

    def make(backend: str, workers: int = 2) -> RunningServer:
        workdir = tmp_path_factory.mktemp(f"server-{backend}")
        server = start_server(make_db_url(backend), workdir / "warehouse", workdir, workers=workers)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, make_server) -> RunningServer:
    """One server per test module and backend (SQLite and PostgreSQL)."""
    return make_server(request.param)
