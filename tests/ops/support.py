"""Start ``metahive serve`` with extra flags (metrics port, log format, shutdown timeout) for ops tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.server import RunningServer, free_port


def start(db_url: str, workdir: Path, *extra: str, workers: int = 2, timeout: float = 60) -> RunningServer:
    """A server on free ports; ``extra`` flags are appended. Waits until the Thrift port answers."""
    port = free_port()
    log_path = workdir / f"metahive-{port}.log"
    cmd = [sys.executable, "-m", "metastore.cli", "serve", "--port", str(port), "--db", db_url,
           "--warehouse", str(workdir / "warehouse"), "--workers", str(workers), *extra]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=workdir,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    server = RunningServer("127.0.0.1", port, db_url, workdir / "warehouse", proc, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"metahive exited with {proc.returncode}:\n{server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"metahive did not listen within {timeout}s:\n{server.log()}")


def http_get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_for(predicate, timeout: float = 10, interval: float = 0.1):  # noqa: ANN001, ANN201
    """The predicate's first truthy value within ``timeout`` seconds, else its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(p) for p in text.split()}


def samples(port: int) -> dict[tuple[str, tuple], float]:
    """/metrics as {(sample name, sorted labels): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    status, text = http_get(port, "/metrics")
    assert status == 200, text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}
