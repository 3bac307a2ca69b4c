"""Graceful shutdown on SIGTERM and replacement of crashed workers, on a real server (SQLite).

A call is kept in flight by holding SQLite's write lock from the test: the server's write waits
on its busy timeout until the test commits.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import threading
import time

import pytest
from hmsclient import hmsclient
from hmsclient.genthrift.hive_metastore import ttypes as H
from thrift.transport.TTransport import TTransportException

from tests.ops.support import children, samples, start, wait_for
from tests.support.server import free_port


def _hold_write_lock(db_url: str) -> sqlite3.Connection:
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return False
    except ConnectionRefusedError:
        return True


def _create_database_in_background(server, name: str) -> tuple[threading.Thread, dict]:  # noqa: ANN001
    outcome: dict = {}

    def call() -> None:
        try:
            with hmsclient.HMSClient(host=server.host, port=server.port) as client:
                client.create_database(H.Database(name=name, parameters={}))
                outcome["ok"] = True
        except Exception as e:  # noqa: BLE001 - the test asserts on it
            outcome["error"] = e

    thread = threading.Thread(target=call)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_finishes_calls_in_progress_and_closes_idle_connections(make_db_url, tmp_path, workers):
    server = start(make_db_url("sqlite"), tmp_path, "--shutdown-timeout", "20", workers=workers)
    idle = hmsclient.HMSClient(host=server.host, port=server.port)
    idle.open()
    assert idle.get_all_databases() == ["default"]
    lock = _hold_write_lock(server.db_url)
    thread, outcome = _create_database_in_background(server, "late")
    time.sleep(1.5)  # the call is waiting for the write lock inside the server
    server.process.send_signal(signal.SIGTERM)

    def stopping() -> list[tuple[int, int]]:
        return [(int(idle), int(busy)) for idle, busy in re.findall(
            r"closing (\d+) idle connection\(s\), (\d+) call\(s\) in progress", server.log())]

    assert wait_for(lambda: len(stopping()) == workers, timeout=10), server.log()
    assert [sum(column) for column in zip(*stopping(), strict=True)] == [1, 1], server.log()  # idle, busy
    assert _refuses_connections(server.port), "still accepting after SIGTERM"
    with pytest.raises(TTransportException):
        idle.get_all_databases()  # idle connections are closed at once
    assert server.process.poll() is None and thread.is_alive()  # waiting for the call in progress
    lock.execute("COMMIT")
    thread.join(15)
    assert outcome == {"ok": True}
    assert server.process.wait(15) == 0
    log = server.log()
    assert "stopped: calls in progress finished" in log and "metahive stopped" in log, log
    names = sqlite3.connect(server.db_url.removeprefix("sqlite:///")).execute(
        "SELECT name FROM mh_databases ORDER BY name").fetchall()
    assert names == [("default",), ("late",)]


def test_sigterm_gives_up_on_calls_after_the_shutdown_timeout(make_db_url, tmp_path):
    server = start(make_db_url("sqlite"), tmp_path, "--shutdown-timeout", "1", workers=2)
    lock = _hold_write_lock(server.db_url)
    try:
        thread, outcome = _create_database_in_background(server, "never")
        time.sleep(0.8)
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(15) == 0
        assert time.monotonic() - started < 8
        assert "stopping with 1 call(s) still running after 1 s" in server.log()
        thread.join(10)
        assert isinstance(outcome.get("error"), TTransportException)
    finally:
        lock.execute("ROLLBACK")


def test_a_crashed_worker_is_replaced(make_db_url, tmp_path):
    metrics_port = free_port()
    server = start(make_db_url("sqlite"), tmp_path, "--metrics-port", str(metrics_port), workers=2)
    calls = ("metahive_rpc_duration_seconds_count", (("method", "get_all_databases"),))
    try:
        for _ in range(4):
            with hmsclient.HMSClient(host=server.host, port=server.port) as client:
                client.get_all_databases()
        assert wait_for(lambda: samples(metrics_port).get(calls) == 4)
        workers = wait_for(lambda: len(children(server.process.pid)) == 2 and children(server.process.pid))
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        replaced = wait_for(lambda: (c := children(server.process.pid)) and victim not in c and len(c) == 2 and c)
        assert replaced and victim not in replaced
        assert f"worker {victim} exited" in server.log() and "starting a replacement" in server.log()
        for _ in range(6):  # connections spread over both workers; all are answered
            with hmsclient.HMSClient(host=server.host, port=server.port) as client:
                assert client.get_all_databases() == ["default"]
        # the dead worker's calls still count; the gauges count the living
        m = wait_for(lambda: (m := samples(metrics_port)).get(calls) == 10 and m)
        assert m, samples(metrics_port)
        assert m[("metahive_worker_processes", ())] == 2
        assert m[("metahive_worker_replacements_total", ())] == 1
        assert m[("metahive_open_connections", ())] == 0
    finally:
        server.stop()
    assert server.process.returncode == 0
