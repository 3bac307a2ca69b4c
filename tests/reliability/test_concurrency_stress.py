"""16 concurrent clients mixing CAS and blind alter_table, add_partitions races, drop/recreate and reads.

PostgreSQL for 30 s, SQLite for 15 s (``METAHIVE_STRESS_SECONDS`` overrides both), two server
worker processes each, so writes race across processes too. The invariants are in ``stress.py``.
"""

from __future__ import annotations

import os

import pytest

from tests.reliability import stress

SECONDS = {"postgres": 30.0, "sqlite": 15.0}


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_sixteen_clients_keep_every_invariant(start, backend):
    server = start(backend, workers=2)
    stress.setup(server.host, server.port)
    seconds = float(os.environ.get("METAHIVE_STRESS_SECONDS", SECONDS[backend]))
    workers = stress.run(server.host, server.port, 16, seconds)
    figures = stress.check(workers, server.host, server.port)
    print(f"\n{backend}: {seconds:.0f} s, 16 clients: {figures}")
    assert figures["ok"].get("cas", 0) > 0 and figures["batches"] > 0
    assert figures["expected_errors"].get("cas conflict", 0) > 0, "the CAS path was never contended"
    if backend == "postgres":
        assert figures["retryable"] == {}, figures["retryable"]
