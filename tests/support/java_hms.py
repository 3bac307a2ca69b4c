"""The Java Hive Metastore 2.3.10 (jars from the pyspark wheel) as a process tests and benches start.

Tests use an embedded Derby database in a temp dir (no database server or JDBC driver needed);
bench/hms_bench.py passes PostgreSQL properties and its JDBC jar to the same launcher.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

HMS_JAR = "hive-metastore-2.3.10.jar"

# Settings every launch needs: create the schema on first use, no version check, no log thread.
BASE_PROPERTIES = {
    "datanucleus.schema.autoCreateAll": "true",
    "hive.metastore.schema.verification": "false",
    "hive.async.log.enabled": "false",
    "datanucleus.connectionPoolingType": "HikariCP",  # HikariCP-2.5.1.jar is in the wheel
}


# Tests start a JVM, make a few calls and stop it: the C1-only JIT and serial GC start faster
# (not for benchmarks, which measure the steady state).
QUICK_START_JVM = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def pyspark_jars() -> Path | None:
    """The pyspark wheel's jars folder when it holds the Hive 2.3.10 metastore, else None."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        return None
    jars = Path(next(iter(spec.submodule_search_locations))) / "jars"
    return jars if (jars / HMS_JAR).exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def derby_properties(workdir: Path) -> dict[str, str]:
    """Embedded Derby in ``workdir/metastore_db`` and a warehouse in ``workdir/warehouse``."""
    return {
        "javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={workdir / 'metastore_db'};create=true",
        "javax.jdo.option.ConnectionDriverName": "org.apache.derby.jdbc.EmbeddedDriver",
        "hive.metastore.warehouse.dir": f"file:{workdir / 'warehouse'}",
    }


def launch_java_hms(jars: Path, properties: Mapping[str, str], workdir: Path, log_path: Path,
                    extra_classpath: Sequence[Path] = (), jvm_options: Sequence[str] = ()) -> tuple[subprocess.Popen, int]:
    """Write ``workdir/hive-conf/hive-site.xml`` and start the server on a free port (own session).

    Returns at once; the server listens after ~20 s (see ``JavaHms.wait_listening``).
    """
    conf = workdir / "hive-conf"
    conf.mkdir(parents=True, exist_ok=True)
    props = {**BASE_PROPERTIES, **properties}
    body = "\n".join(f"  <property><name>{escape(k)}</name><value>{escape(v)}</value></property>"
                     for k, v in props.items())
    (conf / "hive-site.xml").write_text(f'<?xml version="1.0"?>\n<configuration>\n{body}\n</configuration>\n')
    port = free_port()
    classpath = ":".join([str(conf), f"{jars}/*", *map(str, extra_classpath)])
    cmd = ["java", *jvm_options, f"-Dhive.log.dir={log_path.parent}", f"-Djava.io.tmpdir={workdir}", "-cp", classpath,
           "org.apache.hadoop.hive.metastore.HiveMetaStore", "-p", str(port)]
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=workdir)
    return proc, port


@dataclass
class JavaHms:
    """A running Java HMS for tests: ``uri`` to point a client at, ``stop()`` at the end."""

    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def uri(self) -> str:
        return f"thrift://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"the Java HMS exited with {self.process.returncode} before listening:\n"
                                   f"{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the Java HMS did not listen on port {self.port} within {timeout:.0f} s "
                                   f"(log: {self.log_path})")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # its own session: the JVM and anything it forked
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def java_hms_missing() -> str | None:
    """Why the Java HMS cannot run here (no ``java``, no pyspark jars), or None."""
    if shutil.which("java") is None:
        return "java not found: install openjdk-17-jre-headless (scripts/ensure-system-deps.sh)"
    if pyspark_jars() is None:
        return f"pyspark with {HMS_JAR} not installed: run `make venv` (the dev extras)"
    return None


def start_java_hms_derby(workdir: Path, timeout: float = 120) -> JavaHms:
    """Start the Java HMS on embedded Derby under ``workdir`` and wait until it answers."""
    jars = pyspark_jars()
    assert jars is not None, java_hms_missing()
    workdir.mkdir(parents=True, exist_ok=True)
    proc, port = launch_java_hms(jars, derby_properties(workdir), workdir, workdir / "javahms.out",
                                 jvm_options=QUICK_START_JVM)
    server = JavaHms(port, proc, workdir / "javahms.out")
    server.wait_listening(timeout)
    return server
