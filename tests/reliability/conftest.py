"""Fixtures for the reliability and security tests: servers started with extra ``serve`` flags."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.support.server import RunningServer, start_server


def metahive(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the ``metahive`` CLI of this checkout."""
    return subprocess.run([sys.executable, "-m", "metastore.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


@pytest.fixture(scope="module")
def start(make_db_url, tmp_path_factory) -> Callable[..., RunningServer]:
    """Start a server on a fresh database of ``backend`` with extra flags; stopped after the module."""
    started: list[RunningServer] = []

    def make(backend: str = "sqlite", args: Sequence[str] = (), workers: int = 1, db_url: str | None = None,
             timeout: float = 60) -> RunningServer:
        workdir = tmp_path_factory.mktemp(f"rel-{backend}")
        server = start_server(db_url or make_db_url(backend), workdir / "warehouse", workdir, workers=workers,
                              extra_args=list(args), timeout=timeout)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


def add_user(users_file: Path, name: str, password: str, role: str, *databases: str) -> None:
    args = ["user", "add", name, "--users-file", str(users_file), "--role", role, "--password-stdin"]
    for db in databases:
        args += ["--database", db]
    done = metahive(*args, stdin=password + "\n")
    assert done.returncode == 0, done.stderr
