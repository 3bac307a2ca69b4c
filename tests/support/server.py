"""Starts a real ``metahive serve`` process for tests and waits until it answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    host: str
    port: int
    db_url: str
    warehouse: Path
    process: subprocess.Popen
    log_path: Path

    @property
    def uri(self) -> str:
        return f"thrift://{self.host}:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_server(db_url: str, warehouse: Path, workdir: Path, *, workers: int = 2, timeout: float = 60,
                 extra_args: Sequence[str] = ()) -> RunningServer:
    port = free_port()
    log_path = workdir / f"metahive-{port}.log"
    cmd = [sys.executable, "-m", "metastore.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--db", db_url, "--warehouse", str(warehouse), "--workers", str(workers), *extra_args]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=workdir,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    server = RunningServer("127.0.0.1", port, db_url, warehouse, proc, log_path)
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
