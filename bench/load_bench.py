"""Sustained mixed load on one metahive server: error rate, p50/p99 per RPC, RSS over time.

    .venv/bin/python bench/load_bench.py --clients 16 --seconds 300 --backend postgres   # make bench-load

The workload is the concurrency test's (tests/reliability/stress.py): per client a random mix of
CAS and blind alter_table, add_partitions races on shared batches, partition listings, drop /
recreate and get_table, with the same invariants checked at the end (no lost update, no duplicate
or half-written partition batch). Every Thrift call is timed by a proxy around the real client.
Expected outcomes (CAS conflicts, AlreadyExists on a lost race, NoSuchObject on a dropped table)
are counted apart from errors; an error is any other failure.

RSS is the server's total resident memory (parent + worker processes), sampled every 5 s; growth
is measured from the end of the warm-up (the first 20% of the run) to the end. Results are printed
and written to bench/results/load-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reliability import clients, stress  # noqa: E402
from tests.support.postgres import provision_postgres  # noqa: E402
from tests.support.server import start_server  # noqa: E402

TIMINGS: dict[str, list[float]] = defaultdict(list)
_timings_lock = threading.Lock()


class TimedClient:
    """Forwards to a real client, recording each RPC's latency under its method name."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.transport = client.transport

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not callable(method):
            return method

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                with _timings_lock:
                    TIMINGS[name].append(elapsed)

        return timed


class BenchWorker(stress.Worker):
    def connect(self) -> Any:
        return TimedClient(clients.connect(self.host, self.port))


def server_rss(pid: int) -> int:
    proc = psutil.Process(pid)
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="metahive-load-"))
    pg = provision_postgres() if args.backend == "postgres" else None
    db_url = pg.create_database() if pg else f"sqlite:///{workdir / 'catalog.db'}"
    server = start_server(db_url, workdir / "warehouse", workdir, workers=args.workers)
    try:
        stress.setup(server.host, server.port)
        time.sleep(1.0)
        samples: list[tuple[float, int]] = []
        started = time.monotonic()
        workers = stress.run(server.host, server.port, args.clients, args.seconds, BenchWorker)
        while any(w.is_alive() for w in workers):
            samples.append((time.monotonic() - started, server_rss(server.process.pid)))
            time.sleep(5.0)
        samples.append((time.monotonic() - started, server_rss(server.process.pid)))
        elapsed = time.monotonic() - started
        invariant_error = None
        try:
            figures = stress.check(workers, server.host, server.port)
        except AssertionError as e:
            invariant_error, figures = str(e), {}
        report(args, elapsed, samples, workers, figures, invariant_error)
    finally:
        server.stop()
        if pg:
            pg.close()


def report(args: argparse.Namespace, elapsed: float, samples: list[tuple[float, int]], workers: list[Any],
           figures: dict[str, Any], invariant_error: str | None) -> None:
    calls = sum(len(v) for v in TIMINGS.values())
    errors = (sum(sum(w.retryable.values()) for w in workers) + sum(len(w.violations) for w in workers)
              + (1 if invariant_error else 0))
    expected = sum(sum(w.expected_errors.values()) for w in workers)
    warm = [rss for t, rss in samples if t >= elapsed * 0.2]
    rss_after_warmup, rss_end = (warm[0], warm[-1]) if warm else (samples[0][1], samples[-1][1])
    growth = (rss_end - rss_after_warmup) / rss_after_warmup * 100
    rpcs = {
        name: {"calls": len(v), "p50_ms": round(statistics.median(v) * 1000, 2),
               "p99_ms": round(percentile(v, 0.99) * 1000, 2)}
        for name, v in sorted(TIMINGS.items())
    }
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "backend": args.backend, "clients": args.clients,
        "seconds": round(elapsed, 1), "server_workers": args.workers, "rpc_calls": calls,
        "rpc_per_s": round(calls / elapsed, 1), "errors": errors, "error_rate": errors / max(calls, 1),
        "expected_outcomes": expected, "invariants": invariant_error or "held", "rpcs": rpcs,
        "rss_mib": [(round(t), round(r / 2**20, 1)) for t, r in samples],
        "rss_growth_after_warmup_pct": round(growth, 1), "workload": figures,
    }
    print(f"\n{args.clients} clients, {elapsed:.0f} s, {args.backend}, {args.workers} server workers: "
          f"{calls} RPCs ({calls / elapsed:.0f}/s), errors {errors} (rate {result['error_rate']:.5f}), "
          f"expected conflicts {expected}, invariants {result['invariants']}")
    print(f"{'rpc':45} {'calls':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, r in rpcs.items():
        print(f"{name:45} {r['calls']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8}")
    print(f"server RSS MiB over time (s, MiB): {result['rss_mib']}")
    print(f"RSS growth after warm-up: {growth:+.1f}%")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"load-{datetime.now(UTC):%Y%m%dT%H%M%S}-{args.backend}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"written {path}")


if __name__ == "__main__":
    main()
