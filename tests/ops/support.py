"""Start ``metahive serve`` with extra flags (metrics port, log format, shutdown timeout) for ops tests."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.server import RunningServer, start_server


def start(db_url: str, workdir: Path, *extra: str, workers: int = 2, timeout: float = 60) -> RunningServer:
    """A server on free ports; ``extra`` flags are appended. Waits until the Thrift port answers."""
    return start_server(db_url, workdir / "warehouse", workdir, workers=workers, timeout=timeout, extra_args=extra)


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
