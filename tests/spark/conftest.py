"""PySpark end-to-end fixtures: one real SparkSession (Hive support) per test module and backend.

The ``spark_env`` fixture is module-scoped and rides on the module-scoped, backend-parametrized
``server`` fixture from ``tests/conftest.py`` (SQLite, then PostgreSQL).  For every backend it

* launches a *fresh* driver JVM (py4j gateway) whose working directory is a temporary directory,
  so that we can assert Spark never falls back to a local Derby metastore (``metastore_db``);
* points Spark's built-in Hive 2.3 client at the server (``spark.hadoop.hive.metastore.uris``);
* on teardown stops the session, shuts the gateway down and waits for the JVM to exit, and
  clears PySpark's class-level singletons so the next backend's session really starts from
  scratch (the next fixture instance verifies it talks to *its* server via a marker database).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.server import RunningServer

pyspark = pytest.importorskip("pyspark")

from hmsclient import hmsclient  # noqa: E402
from hmsclient.genthrift.hive_metastore.ttypes import Database  # noqa: E402
from pyspark import SparkConf, SparkContext  # noqa: E402
from pyspark.java_gateway import launch_gateway  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402

BACKEND_MARKERS = {"sqlite": "marker_sqlite", "postgres": "marker_postgres"}


def backend_of(server: RunningServer) -> str:
    return "sqlite" if server.db_url.startswith("sqlite") else "postgres"


@dataclass
class SparkEnv:
    """A running SparkSession bound to one metahive server."""

    spark: SparkSession
    server: RunningServer
    backend: str
    workdir: Path  # the driver JVM's working directory
    derby_home: Path
    driver_log: Path
    startup_seconds: float
    started_at: float = field(default_factory=time.monotonic)

    @property
    def marker_db(self) -> str:
        return BACKEND_MARKERS[self.backend]

    def sql(self, query: str) -> list:
        """Run a statement and collect its rows."""
        return self.spark.sql(query).collect()

    def rows(self, query: str) -> list[tuple]:
        return [tuple(r) for r in self.sql(query)]

    def column(self, query: str, index: int = 0) -> list:
        return [r[index] for r in self.sql(query)]

    @contextlib.contextmanager
    def hms(self) -> Iterator[hmsclient.HMSClient]:
        """A direct Thrift client to the same server (bypassing Spark)."""
        with hmsclient.HMSClient(host=self.server.host, port=self.server.port) as client:
            yield client

    def driver_log_tail(self, lines: int = 80) -> str:
        text = self.driver_log.read_text(errors="replace") if self.driver_log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def server_log_tail(self, lines: int = 80) -> str:
        return "\n".join(self.server.log().splitlines()[-lines:])

    def diagnostics(self) -> str:
        return (f"--- server log tail ({self.backend}) ---\n{self.server_log_tail()}\n"
                f"--- spark driver log tail ---\n{self.driver_log_tail()}")


def _spark_conf(server: RunningServer, tmp: Path) -> SparkConf:
    derby_home = tmp / "derby-home"
    derby_home.mkdir()
    local_dir = tmp / "spark-local"
    local_dir.mkdir()
    conf = SparkConf()
    conf.setMaster("local[2]")
    conf.setAppName(f"metahive-e2e-{backend_of(server)}")
    for key, value in {
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.hive.metastore.uris": server.uri,
        "spark.sql.warehouse.dir": server.warehouse.resolve().as_uri(),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.default.parallelism": "2",
        "spark.local.dir": str(local_dir),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={derby_home}",
        "spark.driver.memory": "1g",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
        # Fail fast instead of retrying a broken metastore call for minutes.
        "spark.hadoop.hive.metastore.failure.retries": "1",
        "spark.hadoop.hive.metastore.client.connect.retry.delay": "1s",
        "spark.hadoop.hive.metastore.client.socket.timeout": "60s",
    }.items():
        conf.set(key, value)
    return conf


def _start_session(server: RunningServer, tmp: Path) -> SparkEnv:
    if SparkContext._gateway is not None or SparkContext._active_spark_context is not None:
        raise RuntimeError("a previous Spark gateway is still alive; refusing to reuse its JVM")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime for PySpark")
    workdir = tmp / "jvm-cwd"
    workdir.mkdir()
    driver_log = tmp / "spark-driver.log"
    conf = _spark_conf(server, tmp)
    t0 = time.monotonic()
    log = open(driver_log, "wb")  # noqa: SIM115 - closed with the JVM
    spark = None
    try:
        # Launch the driver JVM ourselves so it gets its own working directory and log file;
        # SparkContext picks up an already-set class-level gateway.
        gateway = launch_gateway(conf, popen_kwargs={"cwd": str(workdir), "stdout": log, "stderr": subprocess.STDOUT})
        gateway._metahive_log = log
        SparkContext._gateway = gateway
        SparkContext._jvm = gateway.jvm
        builder = SparkSession.builder.enableHiveSupport()
        for key, value in conf.getAll():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        # Touch the metastore once so start-up cost (default db bootstrap) is not billed to a test.
        spark.sql("SHOW DATABASES").collect()
    except BaseException:
        _stop_session(spark)
        log.close()
        tail = "\n".join(driver_log.read_text(errors="replace").splitlines()[-40:])
        sys.stderr.write(f"\n[spark e2e] SparkSession failed to start; driver log tail:\n{tail}\n")
        raise
    return SparkEnv(spark, server, backend_of(server), workdir, tmp / "derby-home", driver_log,
                    startup_seconds=time.monotonic() - t0)


def _stop_session(spark: SparkSession | None) -> None:
    """Stop the session, shut the py4j gateway down, wait for the JVM to exit, forget it all."""
    gateway = SparkContext._gateway
    try:
        if spark is not None:
            spark.stop()
    finally:
        SparkSession._instantiatedSession = None
        SparkSession._activeSession = None
        SparkContext._active_spark_context = None
        if gateway is not None:
            proc = getattr(gateway, "proc", None)
            with contextlib.suppress(Exception):
                gateway.shutdown()
            if proc is not None:
                # PythonGatewayServer exits when its stdin reaches EOF.
                with contextlib.suppress(Exception):
                    proc.stdin.close()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
            log = getattr(gateway, "_metahive_log", None)
            if log is not None:
                log.close()
        SparkContext._gateway = None
        SparkContext._jvm = None


def _create_marker_db(server: RunningServer) -> str:
    name = BACKEND_MARKERS[backend_of(server)]
    with hmsclient.HMSClient(host=server.host, port=server.port) as client:
        client.create_database(Database(name=name, description="spark e2e backend marker", parameters={}))
    return name


@pytest.fixture(scope="module")
def spark_env(server: RunningServer, tmp_path_factory) -> Iterator[SparkEnv]:
    """One SparkSession per test module and backend, bound to that backend's server."""
    tmp = tmp_path_factory.mktemp(f"spark-{backend_of(server)}")
    _create_marker_db(server)
    env = _start_session(server, tmp)
    sys.stderr.write(f"\n[spark e2e] {env.backend}: SparkSession up in {env.startup_seconds:.1f}s "
                     f"(driver log {env.driver_log})\n")
    try:
        yield env
    finally:
        _stop_session(env.spark)
        sys.stderr.write(f"\n[spark e2e] {env.backend}: module finished after "
                         f"{time.monotonic() - env.started_at + env.startup_seconds:.1f}s incl. start-up\n")


@pytest.fixture
def spark(spark_env: SparkEnv) -> SparkSession:
    return spark_env.spark


@pytest.fixture
def sales(spark_env: SparkEnv) -> str:
    """The ``sales`` database (created by the first scenario; re-created if run in isolation)."""
    spark_env.sql("CREATE DATABASE IF NOT EXISTS sales")
    return "sales"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failing Spark test, attach the server log and Spark driver log tails to the report."""
    outcome = yield
    report = outcome.get_result()
    env = getattr(item, "funcargs", {}).get("spark_env")
    if env is not None and report.when == "call" and report.failed:
        report.sections.append(("metahive server / Spark driver logs", env.diagnostics()))
