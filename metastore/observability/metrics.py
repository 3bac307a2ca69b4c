"""Prometheus metrics, aggregated across forked workers by the parent.

Each process counts in memory (a bucket index and two additions per call, under one lock: about a
microsecond, where a prometheus_client multi-process histogram observe costs ~9 µs) and writes its
totals to ``<dir>/<pid>.json`` every :data:`FLUSH_SECONDS` and when it stops. The parent's
``/metrics`` sums the files: counters and histograms over every process that ever ran (a replaced
worker's calls still count), gauges over the processes still alive. When metrics are off,
:func:`current` returns a :class:`NullMetrics` with the same methods, so callers never check.

The crawler reports runs with::

    with metrics.current().crawler_run("sales_lake") as run:
        ...                       # raises -> counted as status="failed"
        run.tables(created=3, updated=1, deleted=0)
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from metastore.processes import pid_alive

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120)
COUNT_BUCKETS = (0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000)
CRAWL_BUCKETS = (1, 5, 15, 60, 300, 900, 3600, 4 * 3600)


class CrawlerRun:
    """What one crawler run reports besides its duration and outcome."""

    def __init__(self, metrics: Metrics | NullMetrics, crawler: str) -> None:
        self._metrics, self.crawler = metrics, crawler

    def tables(self, *, created: int = 0, updated: int = 0, deleted: int = 0) -> None:
        self._metrics.crawler_tables(self.crawler, created=created, updated=updated, deleted=deleted)


class NullMetrics:
    """Metrics off: every method does nothing."""

    enabled = False

    def observe_call(self, method: str, elapsed: float, error: BaseException | None, value: Any) -> None: ...
    def connection_opened(self) -> None: ...
    def connection_closed(self) -> None: ...
    def set_workers(self, n: int) -> None: ...
    def worker_replaced(self) -> None: ...
    def worker_exited(self, pid: int) -> None: ...
    def start_process(self, engines: Iterable[Any] = ()) -> None: ...
    def stop_process(self) -> None: ...
    def record_crawler_run(self, crawler: str, status: str, seconds: float) -> None: ...
    def crawler_tables(self, crawler: str, *, created: int = 0, updated: int = 0, deleted: int = 0) -> None: ...

    @contextlib.contextmanager
    def crawler_run(self, crawler: str) -> Iterator[CrawlerRun]:
        """Times the block; counts it as ``succeeded`` or, if it raises, ``failed``."""
        started, status = time.monotonic(), "failed"
        try:
            yield CrawlerRun(self, crawler)
            status = "succeeded"
        finally:
            self.record_crawler_run(crawler, status, time.monotonic() - started)


class _Histogram:
    """Per-bucket (non-cumulative) counts, sum and count for one label set."""

    __slots__ = ("counts", "sum")

    def __init__(self, size: int) -> None:
        self.counts = [0] * (size + 1)  # the last one is +Inf
        self.sum = 0.0


class Metrics(NullMetrics):
    """This process's counts; the parent also renders everyone's."""

    enabled = True

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.lock = threading.Lock()
        self._reset()
        self.dead: set[int] = set()

    def _reset(self) -> None:
        self.pid = os.getpid()
        self.hist: dict[str, dict[tuple[str, ...], _Histogram]] = {"rpc": {}, "partitions": {}, "crawl": {}}
        self.counters: dict[str, dict[tuple[str, ...], float]] = {"errors": {}, "replaced": {}, "crawl_runs": {},
                                                                    "crawl_tables": {}}
        self.gauges: dict[str, float] = {"connections": 0, "workers": 0, "pool_in_use": 0, "pool_waiting": 0}
        self.pools: list[Any] = []
        self.stopped = threading.Event()

    # -- the hot path ---------------------------------------------------------------------------------

    def observe_call(self, method: str, elapsed: float, error: BaseException | None, value: Any) -> None:
        key = (method,)
        with self.lock:
            h = self.hist["rpc"].get(key)
            if h is None:
                h = self.hist["rpc"][key] = _Histogram(len(LATENCY_BUCKETS))
            h.counts[bisect_left(LATENCY_BUCKETS, elapsed)] += 1
            h.sum += elapsed
            if error is not None:
                errors = self.counters["errors"]
                ekey = (method, type(error).__name__)
                errors[ekey] = errors.get(ekey, 0) + 1
            elif method.startswith("get_partition"):
                n = _count(value)
                if n is not None:
                    self._observe("partitions", key, n, COUNT_BUCKETS)

    def _observe(self, name: str, key: tuple[str, ...], value: float, buckets: tuple[float, ...]) -> None:
        h = self.hist[name].get(key)
        if h is None:
            h = self.hist[name][key] = _Histogram(len(buckets))
        h.counts[bisect_left(buckets, value)] += 1
        h.sum += value

    def _inc(self, name: str, key: tuple[str, ...], n: float = 1) -> None:
        with self.lock:
            self.counters[name][key] = self.counters[name].get(key, 0) + n

    def _add_gauge(self, name: str, n: float) -> None:
        with self.lock:
            self.gauges[name] += n

    def connection_opened(self) -> None:
        self._add_gauge("connections", 1)

    def connection_closed(self) -> None:
        self._add_gauge("connections", -1)

    # -- process lifecycle ----------------------------------------------------------------------------

    def set_workers(self, n: int) -> None:
        with self.lock:
            self.gauges["workers"] = n

    def worker_replaced(self) -> None:
        self._inc("replaced", ())

    def worker_exited(self, pid: int) -> None:
        self.dead.add(pid)

    def start_process(self, engines: Iterable[Any] = ()) -> None:
        """In each serving process: fresh counts after a fork, and a thread that samples the
        connection pools and writes this process's file."""
        if os.getpid() != self.pid:
            self.lock = threading.Lock()  # the parent's may have been held by its HTTP thread at fork
            self._reset()
        self.pools = [engine.pool for engine in engines]
        threading.Thread(target=self._flush_loop, name="metrics-flush", daemon=True).start()

    def stop_process(self) -> None:
        self.stopped.set()
        self.flush()

    def _flush_loop(self) -> None:
        while not self.stopped.wait(FLUSH_SECONDS):
            self.flush()

    def flush(self) -> None:
        """Write this process's totals (atomically: readers never see half a file)."""
        in_use = sum(_checked_out(p) for p in self.pools)
        waiting = sum(_waiting(p) for p in self.pools)
        with self.lock:
            self.gauges["pool_in_use"], self.gauges["pool_waiting"] = in_use, waiting
            doc = {
                "hist": {name: [[list(k), h.counts, h.sum] for k, h in hs.items()] for name, hs in self.hist.items()},
                "counters": {name: [[list(k), v] for k, v in cs.items()] for name, cs in self.counters.items()},
                "gauges": dict(self.gauges),
            }
        path = self.directory / f"{self.pid}.json"
        tmp = path.with_suffix(f".tmp{threading.get_ident()}")
        tmp.write_text(json.dumps(doc))
        os.replace(tmp, path)

    # -- crawler --------------------------------------------------------------------------------------

    def record_crawler_run(self, crawler: str, status: str, seconds: float) -> None:
        with self.lock:
            self.counters["crawl_runs"][(crawler, status)] = self.counters["crawl_runs"].get((crawler, status), 0) + 1
            self._observe("crawl", (crawler,), seconds, CRAWL_BUCKETS)

    def crawler_tables(self, crawler: str, *, created: int = 0, updated: int = 0, deleted: int = 0) -> None:
        for change, n in (("created", created), ("updated", updated), ("deleted", deleted)):
            if n:
                self._inc("crawl_tables", (crawler, change), n)

    # -- rendering (parent) ---------------------------------------------------------------------------

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        self.flush()
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Collector(self._read_all()))
        return generate_latest(registry), CONTENT_TYPE_LATEST

    def _read_all(self) -> list[tuple[bool, dict[str, Any]]]:
        """(alive, document) for every process that wrote a file."""
        docs = []
        for path in self.directory.glob("*.json"):
            pid = int(path.stem)
            try:
                doc = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # replaced between glob and read
            docs.append((pid not in self.dead and pid_alive(pid), doc))
        return docs


# (name, help, labels, histogram buckets) of what the files hold, by the key they are stored under.
HISTOGRAMS = {
    "rpc": ("metahive_rpc_duration_seconds", "Time to serve one Thrift call.", ["method"], LATENCY_BUCKETS),
    "partitions": ("metahive_partitions_returned", "Partitions returned by one call.", ["method"], COUNT_BUCKETS),
    "crawl": ("metahive_crawler_run_duration_seconds", "Time one crawler run took.", ["crawler"], CRAWL_BUCKETS),
}
COUNTERS = {
    "errors": ("metahive_rpc_errors", "Calls that failed, by exception type.", ["method", "exception"]),
    "replaced": ("metahive_worker_replacements", "Workers that died and were replaced.", []),
    "crawl_runs": ("metahive_crawler_runs", "Crawler runs by outcome.", ["crawler", "status"]),
    "crawl_tables": ("metahive_crawler_tables", "Tables a crawler changed.", ["crawler", "change"]),
}
GAUGES = {
    "connections": ("metahive_open_connections", "Client connections open."),
    "workers": ("metahive_worker_processes", "Worker processes serving the port."),
    "pool_in_use": ("metahive_db_pool_in_use", "Catalog database connections checked out."),
    "pool_waiting": ("metahive_db_pool_waiting", "Threads waiting for a database connection."),
}


class _Collector:
    def __init__(self, docs: list[tuple[bool, dict[str, Any]]]) -> None:
        self.docs = docs

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

        for key, (name, help_text, labels, buckets) in HISTOGRAMS.items():
            totals: dict[tuple[str, ...], list[Any]] = {}
            for _, doc in self.docs:
                for label_values, counts, total in doc["hist"].get(key, []):
                    acc = totals.setdefault(tuple(label_values), [[0] * len(counts), 0.0])
                    acc[0] = [a + c for a, c in zip(acc[0], counts, strict=True)]
                    acc[1] += total
            family = HistogramMetricFamily(name, help_text, labels=labels)
            for label_values, (counts, total) in sorted(totals.items()):
                cumulative, running = [], 0
                for bound, count in zip([*map(float, buckets), float("inf")], counts, strict=True):
                    running += count
                    cumulative.append(("+Inf" if bound == float("inf") else repr(bound), running))
                family.add_metric(list(label_values), cumulative, total)
            yield family
        for key, (name, help_text, labels) in COUNTERS.items():
            sums: dict[tuple[str, ...], float] = {}
            for _, doc in self.docs:
                for label_values, value in doc["counters"].get(key, []):
                    sums[tuple(label_values)] = sums.get(tuple(label_values), 0) + value
            family = CounterMetricFamily(name, help_text, labels=labels)
            for label_values, value in sorted(sums.items()):
                family.add_metric(list(label_values), value)
            yield family
        for key, (name, help_text) in GAUGES.items():
            value = sum(doc["gauges"].get(key, 0) for alive, doc in self.docs if alive)
            yield GaugeMetricFamily(name, help_text, value=value)


def _count(value: Any) -> int | None:
    """Partitions in a reply: a list, a pre-encoded list (``count``), or a response struct's list."""
    if isinstance(value, list):
        return len(value)
    count = getattr(value, "count", None)
    if isinstance(count, int):
        return count
    parts = getattr(value, "partitions", None)
    return len(parts) if isinstance(parts, list) else None


def _checked_out(pool: Any) -> int:
    try:
        return int(pool.checkedout())
    except (AttributeError, TypeError):
        return 0  # a pool without a count (NullPool, StaticPool)


def _waiting(pool: Any) -> int:
    """Threads blocked in QueuePool's queue; SQLAlchemy has no public count, so read its condition."""
    waiters = getattr(getattr(getattr(pool, "_pool", None), "not_empty", None), "_waiters", None)
    return len(waiters) if waiters is not None else 0


_current: NullMetrics = NullMetrics()


def current() -> NullMetrics:
    return _current


def enable(directory: Path) -> Metrics:
    """Metrics on for this process and the workers it forks; ``directory`` must be empty and private."""
    global _current
    metrics = Metrics(directory)
    _current = metrics
    return metrics


def disable() -> None:
    global _current
    _current = NullMetrics()


def render() -> tuple[bytes, str]:
    """The Prometheus exposition of every process's values (metrics must be enabled)."""
    if not isinstance(_current, Metrics):
        raise RuntimeError("metrics are off: start the server with --metrics-port")
    return _current.render()
