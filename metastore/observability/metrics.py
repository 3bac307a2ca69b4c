"""Prometheus metrics, aggregated across forked workers (prometheus_client multiprocess mode).

Each process writes its values to memory-mapped files in one directory; the parent's HTTP server
sums them on scrape. :func:`enable` must run before any worker is forked. When metrics are off,
:func:`current` returns a :class:`NullMetrics` with the same methods, so callers (the server, the
crawler) never check.

The crawler reports runs with::

    with metrics.current().crawler_run("sales_lake") as run:
        ...                       # raises -> counted as status="failed"
        run.tables(created=3, updated=1, deleted=0)
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120)
COUNT_BUCKETS = (0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000)
CRAWL_BUCKETS = (1, 5, 15, 60, 300, 900, 3600, 4 * 3600)
POOL_SAMPLE_SECONDS = 1.0


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
    def watch_pools(self, engines: Iterable[Any]) -> None: ...
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


class Metrics(NullMetrics):
    enabled = True

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.rpc_seconds = Histogram("metahive_rpc_duration_seconds", "Time to serve one Thrift call.",
                                     ["method"], buckets=LATENCY_BUCKETS)
        self.rpc_errors = Counter("metahive_rpc_errors_total", "Calls that failed, by exception type.",
                                  ["method", "exception"])
        self.partitions = Histogram("metahive_partitions_returned", "Partitions returned by one call.",
                                    ["method"], buckets=COUNT_BUCKETS)
        self.connections = Gauge("metahive_open_connections", "Client connections open.",
                                 multiprocess_mode="livesum")
        self.workers = Gauge("metahive_worker_processes", "Worker processes serving the port.",
                             multiprocess_mode="livesum")
        self.replaced = Counter("metahive_worker_replacements_total", "Workers that died and were replaced.")
        self.pool_in_use = Gauge("metahive_db_pool_in_use", "Catalog database connections checked out.",
                                 multiprocess_mode="livesum")
        self.pool_waiting = Gauge("metahive_db_pool_waiting", "Threads waiting for a database connection.",
                                  multiprocess_mode="livesum")
        self.crawl_runs = Counter("metahive_crawler_runs_total", "Crawler runs by outcome.", ["crawler", "status"])
        self.crawl_seconds = Histogram("metahive_crawler_run_duration_seconds", "Time one crawler run took.",
                                       ["crawler"], buckets=CRAWL_BUCKETS)
        self.crawl_tables = Counter("metahive_crawler_tables_total", "Tables a crawler changed.",
                                    ["crawler", "change"])
        self._latency: dict[str, Any] = {}
        self._partition_methods: dict[str, Any] = {}

    def observe_call(self, method: str, elapsed: float, error: BaseException | None, value: Any) -> None:
        child = self._latency.get(method)
        if child is None:
            child = self._latency[method] = self.rpc_seconds.labels(method)
            self._partition_methods[method] = (self.partitions.labels(method)
                                               if method.startswith("get_partition") else None)
        child.observe(elapsed)
        if error is not None:
            self.rpc_errors.labels(method, type(error).__name__).inc()
            return
        counter = self._partition_methods[method]
        if counter is not None:
            n = _count(value)
            if n is not None:
                counter.observe(n)

    def connection_opened(self) -> None:
        self.connections.inc()

    def connection_closed(self) -> None:
        self.connections.dec()

    def set_workers(self, n: int) -> None:
        self.workers.set(n)

    def worker_replaced(self) -> None:
        self.replaced.inc()

    def worker_exited(self, pid: int) -> None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)

    def watch_pools(self, engines: Iterable[Any]) -> None:
        """Sample the worker's connection pools once a second (nothing is added to each call)."""
        pools = [engine.pool for engine in engines]

        def sample() -> None:
            while True:
                self.pool_in_use.set(sum(_checked_out(p) for p in pools))
                self.pool_waiting.set(sum(_waiting(p) for p in pools))
                time.sleep(POOL_SAMPLE_SECONDS)

        threading.Thread(target=sample, name="pool-metrics", daemon=True).start()

    def record_crawler_run(self, crawler: str, status: str, seconds: float) -> None:
        self.crawl_runs.labels(crawler, status).inc()
        self.crawl_seconds.labels(crawler).observe(seconds)

    def crawler_tables(self, crawler: str, *, created: int = 0, updated: int = 0, deleted: int = 0) -> None:
        for change, n in (("created", created), ("updated", updated), ("deleted", deleted)):
            if n:
                self.crawl_tables.labels(crawler, change).inc(n)


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
    """Metrics on for this process and its future workers; ``directory`` must be empty and private."""
    global _current
    os.environ[MULTIPROC_ENV] = str(directory)
    _current = Metrics()
    return _current  # type: ignore[return-value]


def disable() -> None:
    global _current
    _current = NullMetrics()


def render() -> tuple[bytes, str]:
    """The Prometheus exposition of every process's values."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry), CONTENT_TYPE_LATEST
