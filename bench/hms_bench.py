"""Side-by-side benchmark: metahive vs the Java Hive Metastore 2.3.10, and metahive's scaling curve.

    .venv/bin/python bench/hms_bench.py compare --backend postgres   # make bench
    .venv/bin/python bench/hms_bench.py compare --backend sqlite     # make bench-sqlite
    .venv/bin/python bench/hms_bench.py scale --sizes 1000,10000     # make bench-scale SCALE=...

Both servers are measured by the same client, bench/java/BenchClient.java (the Hive 2.3.10 generated
Thrift client over TSocket + TBinaryProtocol, as Spark's HiveMetaStoreClient uses it), compiled here
against the jars of the pyspark wheel.  A Python client would spend ~320 ms decoding a 10k-partition
reply and hide the server.  Each measurement runs in a fresh client JVM: W untimed warm-up calls, then
timed calls; every operation is measured in 3 rounds with the server order alternating (metahive, Java /
Java, metahive / ...), so drifting background load hits both alike.  Concurrent get_table runs 8 client
JVMs at once, started together after their warm-ups.

After the load both PostgreSQL databases are ANALYZEd (as autovacuum would; the test server has it
off), and a digest of every partition and of the table is compared between the servers, so both are
known to serve the same data.  Iteration counts: see compare_ops(); the whole run takes ~4-6 minutes on 2 cores.

Java HMS: org.apache.hadoop.hive.metastore.HiveMetaStore from the wheel's jars + PostgreSQL's JDBC
driver (/usr/share/java/postgresql.jar, scripts/ensure-bench-deps.sh), DataNucleus + HikariCP, direct
SQL on.  Both servers get a fresh database on the same PostgreSQL server (bench_metahive,
bench_javahms; dropped and recreated at start).  Results: bench/results/<timestamp>-<backend>.json
and bench/results/latest-<backend>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support import java_hms  # noqa: E402  (the launcher the tests use too)

BENCH = ROOT / "bench"
BUILD = BENCH / ".build"
CLASSES = BUILD / "classes"
RESULTS = BENCH / "results"
CLIENT_SRC = BENCH / "java" / "BenchClient.java"
PG_JDBC = Path("/usr/share/java/postgresql.jar")
METAHIVE = ROOT / ".venv" / "bin" / "metahive"

PARTS = 10_000  # partitions of bench.parts: ~417 days x 24 hours
BATCH = 1_000  # add_partitions batch size
CONCURRENT_CLIENTS = 8
ROUNDS = 3  # each measurement is split into rounds, servers alternating (metahive first, then Java first, ...)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Operations and targets (issue 3)
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Op:
    key: str  # result key
    label: str  # table row
    java_op: str  # BenchClient --op
    warmup: int
    n: int
    target: float  # required speed ratio metahive/Java (1.0: "no slower than Java")
    args: tuple[str, ...] = ()


def compare_ops(parts: int, scale: float) -> list[Op]:
    def it(n: int) -> int:
        return max(3, round(n * scale))

    k = f"{parts // 1000}k" if parts % 1000 == 0 else str(parts)
    return [
        Op("get_database", "get_database", "get_database", it(100), it(300), 1.0),
        Op("get_table", "get_table (20 columns)", "get_table", it(100), it(300), 5.0),
        Op("get_all_tables", "get_all_tables", "get_all_tables", it(100), it(300), 1.0),
        Op("get_table_meta", "get_table_meta", "get_table_meta", it(100), it(300), 1.0),
        Op("get_partition_names", f"get_partition_names ({k})", "get_partition_names", it(10), it(40), 5.0),
        Op("get_partitions_received", f"get_partitions (all {k}): reply received", "get_partitions_received",
           it(5), it(15), 10.0),
        Op("get_partitions", f"get_partitions (all {k}): received + decoded", "get_partitions", it(5), it(15), 1.0),
        Op("get_partitions_tsocket", f"get_partitions (all {k}): Hive's TSocket client", "get_partitions",
           it(5), it(15), 1.0, ("--transport", "tsocket")),
        Op("get_partitions_by_filter", "get_partitions_by_filter (1 day = 24)", "get_partitions_by_filter",
           it(50), it(150), 5.0),
        Op("get_partitions_by_names_24", "get_partitions_by_names (24)", "get_partitions_by_names",
           it(50), it(150), 5.0, ("--names", "24")),
        Op("get_partitions_by_names_1000", "get_partitions_by_names (1,000)", "get_partitions_by_names",
           it(10), it(30), 5.0, ("--names", "1000")),
        Op("create_drop_table", "create_table + drop_table", "create_drop_table", it(30), it(100), 5.0),
    ]


ADD_TARGET = 50.0
CONCURRENT_TARGET = 3.0


# ---------------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    s = sorted(values)
    if not s:
        return math.nan
    pos = (len(s) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def summarize(latencies: list[float], ops_per_s: float | None = None) -> dict[str, Any]:
    total_s = sum(latencies) / 1000
    return {
        "n": len(latencies),
        "ops_per_s": ops_per_s if ops_per_s is not None else (len(latencies) / total_s if total_s else math.inf),
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "mean_ms": sum(latencies) / len(latencies),
        "min_ms": min(latencies),
        "max_ms": max(latencies),
    }


# ---------------------------------------------------------------------------------------------
# Java client
# ---------------------------------------------------------------------------------------------

def pyspark_jars() -> Path:
    jars = java_hms.pyspark_jars()
    if jars is None:
        sys.exit(f"pyspark with {java_hms.HMS_JAR} is not installed in this interpreter; "
                 "run `make venv` (the dev extras) first")
    return jars


def compile_client(jars: Path) -> None:
    target = CLASSES / "BenchClient.class"
    if target.exists() and target.stat().st_mtime >= CLIENT_SRC.stat().st_mtime:
        return
    if shutil.which("javac") is None:
        sys.exit("javac not found: run scripts/ensure-bench-deps.sh (installs openjdk-17-jdk-headless)")
    CLASSES.mkdir(parents=True, exist_ok=True)
    log(f"compiling {CLIENT_SRC.relative_to(ROOT)} -> {CLASSES.relative_to(ROOT)}")
    subprocess.run(["javac", "-Xlint:all,-path", "-cp", f"{jars}/*", "-d", str(CLASSES), str(CLIENT_SRC)], check=True)


@dataclass
class Client:
    jars: Path

    def command(self, port: int, op: str, *args: str) -> list[str]:
        return ["java", "-Xmx1g", "-XX:+UseSerialGC", "-cp", f"{CLASSES}:{self.jars}/*", "BenchClient",
                "--port", str(port), "--op", op, *args]

    def run(self, port: int, op: str, *args: str, timeout: float = 3600) -> dict[str, Any]:
        proc = subprocess.run(self.command(port, op, *args), stdout=subprocess.PIPE, stderr=None, text=True,
                              timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"BenchClient --op {op} on port {port} failed (exit {proc.returncode})")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    def run_concurrent(self, port: int, clients: int, warmup: int, n: int, workdir: Path) -> dict[str, Any]:
        """`clients` JVMs doing get_table; all start timing together once every one has warmed up."""
        sync = Path(tempfile.mkdtemp(prefix="sync-", dir=workdir))
        go = sync / "go"
        procs = [
            subprocess.Popen(self.command(port, "get_table", "--warmup", str(warmup), "--n", str(n),
                                          "--ready", str(sync / f"ready-{i}"), "--go", str(go)),
                             stdout=subprocess.PIPE, text=True)
            for i in range(clients)
        ]
        try:
            deadline = time.monotonic() + 300
            while sum((sync / f"ready-{i}").exists() for i in range(clients)) < clients:
                if time.monotonic() > deadline or any(p.poll() not in (None, 0) for p in procs):
                    raise RuntimeError("concurrent get_table clients did not all get ready")
                time.sleep(0.01)
            go.touch()
            outputs = [p.communicate(timeout=600)[0] for p in procs]
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        if any(p.returncode != 0 for p in procs):
            raise RuntimeError("a concurrent get_table client failed")
        runs = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
        latencies = [v for r in runs for v in r["latencies_ms"]]
        wall_s = (max(r["ended_ms"] for r in runs) - min(r["started_ms"] for r in runs)) / 1000
        return {"latencies_ms": latencies, "wall_s": wall_s, "calls": len(latencies),
                "per_client_ops_per_s": [r["n"] / r["wall_s"] for r in runs]}


# ---------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------

@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen
    log_path: Path
    started: float = field(default_factory=time.monotonic)
    ready_after_s: float | None = None

    def wait_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not java_hms.port_open(self.port):
            if self.proc.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} before listening:\n{tail}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not listening on port {self.port} after {timeout:.0f} s "
                                   f"(log: {self.log_path})")
            time.sleep(0.2)
        self.ready_after_s = time.monotonic() - self.started
        log(f"{self.name} listening on 127.0.0.1:{self.port} after {self.ready_after_s:.1f} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: the server and its workers
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        # metahive's forked workers may outlive their parent by a moment: wait for the whole group.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.05)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start_metahive(db_url: str, warehouse: Path, logs: Path, workers: int = 2) -> Server:
    port = java_hms.free_port()
    log_path = logs / "metahive.log"
    cmd = [str(METAHIVE), "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db_url,
           "--warehouse", str(warehouse), "--workers", str(workers)]
    log(f"starting metahive: {' '.join(cmd)}")
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
    return Server("metahive", port, proc, log_path)


def start_java_hms(jars: Path, jdbc_url: str, user: str, password: str, warehouse: Path, workdir: Path,
                   logs: Path) -> Server:
    props = {
        "javax.jdo.option.ConnectionURL": jdbc_url,
        "javax.jdo.option.ConnectionDriverName": "org.postgresql.Driver",
        "javax.jdo.option.ConnectionUserName": user,
        "javax.jdo.option.ConnectionPassword": password,
        "hive.metastore.try.direct.sql": "true",
        "hive.metastore.warehouse.dir": f"file:{warehouse}",
    }
    log(f"starting the Java HMS 2.3.10 (hive-site.xml in {workdir / 'hive-conf'})")
    proc, port = java_hms.launch_java_hms(jars, props, workdir, logs / "javahms.out", extra_classpath=[PG_JDBC])
    return Server("java-hms", port, proc, logs / "javahms.out")


# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

def provision(stack: ExitStack) -> Any:
    from tests.support.postgres import provision_postgres

    handle = provision_postgres()
    stack.callback(handle.close)  # drops its own session database; stops a throw-away cluster
    return handle


def fresh_database(handle: Any, name: str) -> str:
    """Drop and recreate `name`; it is kept after the run (for a look at what each server stored)."""
    handle.drop_database(name)
    url = handle.create_database(name)
    handle.created.remove(name)
    return url


def analyze(handle: Any, name: str) -> None:
    """ANALYZE a database, as autovacuum would soon after a bulk load (the test server runs with
    autovacuum off; without statistics the planner's choices for big partition lists are arbitrary)."""
    with closing(handle.connect(name)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("ANALYZE")


def autovacuum(handle: Any) -> str:
    with closing(handle.connect()) as conn, conn.cursor() as cur:
        cur.execute("SHOW autovacuum")
        return cur.fetchone()[0]


def jdbc_of(handle: Any, name: str) -> tuple[str, str, str]:
    u = handle.server_url
    return (f"jdbc:postgresql://{u.host or '127.0.0.1'}:{u.port or 5432}/{name}", u.username or "postgres",
            u.password or "")


# ---------------------------------------------------------------------------------------------
# Machine description
# ---------------------------------------------------------------------------------------------

def machine(handle: Any | None) -> dict[str, Any]:
    info: dict[str, Any] = {"nproc": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        info["ram_gib"] = round(mem_kb / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        pass
    java = subprocess.run(["java", "-version"], capture_output=True, text=True)
    info["java"] = (java.stderr.splitlines() or ["?"])[0].strip()
    if handle is not None:
        with closing(handle.connect()) as conn, conn.cursor() as cur:
            cur.execute("SHOW server_version")
            info["postgresql"] = cur.fetchone()[0]
    try:
        info["metahive_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                                 capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "metastore"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        info["metastore_uncommitted_changes"] = bool(dirty)
    except OSError:
        pass
    # The server code measured (other work may change metastore/ between runs): a digest of its sources.
    digest = hashlib.sha256()
    for path in sorted((ROOT / "metastore").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    info["metastore_sources_sha256"] = digest.hexdigest()[:16]
    return info


def new_log_dir(suffix: str = "") -> Path:
    """bench/.build/logs/<time><suffix>; only the 5 most recent such folders are kept."""
    root = BUILD / "logs"
    root.mkdir(parents=True, exist_ok=True)
    for old in sorted(p for p in root.iterdir() if p.is_dir())[:-4]:
        shutil.rmtree(old, ignore_errors=True)
    path = root / (datetime.now().strftime("%Y%m%d-%H%M%S") + suffix)
    path.mkdir()
    return path


def load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------

def fmt_ops(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" if v >= 10 else f"{v:,.2f}"


def fmt_ms(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def compare_table(rows: list[dict[str, Any]], with_targets: bool, a: str, b: str) -> str:
    head = (f"| operation | {a} ops/s | {a} p50 ms | {a} p99 ms | {b} ops/s | {b} p50 ms | {b} p99 ms "
            f"| ratio {a}/{b} |")
    sep = "|---|---:|---:|---:|---:|---:|---:|---:|"
    if with_targets:
        head += " target | met? |"
        sep += "---:|---|"
    lines = [head, sep]
    for r in rows:
        x, y = r["metahive"], r["java"]
        line = (f"| {r['label']} | {fmt_ops(x['ops_per_s'])} | {fmt_ms(x['p50_ms'])} | {fmt_ms(x['p99_ms'])} "
                f"| {fmt_ops(y['ops_per_s'])} | {fmt_ms(y['p50_ms'])} | {fmt_ms(y['p99_ms'])} | {r['ratio']:.2f}× |")
        if with_targets:
            line += f" ≥{r['target']:g}× | {'met' if r['met'] else '**missed**'} |"
        lines.append(line)
    return "\n".join(lines)


def write_results(doc: dict[str, Any], backend: str, quick: bool) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{stamp}-{backend}{'-quick' if quick else ''}.json"
    path = RESULTS / name
    text = json.dumps(doc, indent=1)
    path.write_text(text)
    if not quick:
        (RESULTS / f"latest-{backend}.json").write_text(text)
    return path


# ---------------------------------------------------------------------------------------------
# make bench / make bench-sqlite
# ---------------------------------------------------------------------------------------------

def compare(args: argparse.Namespace) -> int:
    t_start = time.monotonic()
    jars = pyspark_jars()
    compile_client(jars)
    client = Client(jars)
    quick = args.quick
    parts = 2_000 if quick else PARTS
    scale = 0.25 if quick else 1.0
    load_start = load()
    with ExitStack() as stack:
        handle = provision(stack)
        workdir = Path(tempfile.mkdtemp(prefix="metahive-bench-"))
        stack.callback(shutil.rmtree, workdir, True)
        logs = new_log_dir()
        if args.backend == "sqlite":
            mh_db = f"sqlite:///{workdir}/metahive.db"
        else:
            mh_db = fresh_database(handle, "bench_metahive")
        fresh_database(handle, "bench_javahms")
        jdbc, user, password = jdbc_of(handle, "bench_javahms")
        (workdir / "wh-metahive").mkdir()
        (workdir / "wh-javahms").mkdir()
        java = start_java_hms(jars, jdbc, user, password, workdir / "wh-javahms", workdir, logs)
        stack.callback(java.stop)
        mh = start_metahive(mh_db, workdir / "wh-metahive", logs)
        stack.callback(mh.stop)
        mh.wait_listening(60)
        java.wait_listening(180)
        servers = {"metahive": mh, "java": java}
        info = machine(handle)
        log(f"machine: {info}")

        results: dict[str, dict[str, Any]] = {}
        # Warm-up of the write path on both (JIT, connection pools, DataNucleus metadata): one batch of
        # 1,000 partitions into a throw-away table, then the load of bench.parts, which is the
        # add_partitions measurement.
        load_runs = {}
        for key, srv in servers.items():
            log(f"{key}: warm-up (1 batch of {BATCH:,} partitions into bench.warm)")
            client.run(srv.port, "add_range", "--table", "warm", "--from", "0", "--to", str(BATCH),
                       "--batch", str(BATCH), "--label", key)
            log(f"{key}: loading bench.wide and bench.parts ({parts:,} partitions in batches of {BATCH:,})")
            load_runs[key] = client.run(srv.port, "setup", "--parts", str(parts), "--batch", str(BATCH),
                                        "--label", key)
            log(f"{key}: loaded in {sum(load_runs[key]['latencies_ms']) / 1000:.1f} s")
        analyzed = ["bench_javahms"] + (["bench_metahive"] if args.backend == "postgres" else [])
        for name in analyzed:
            analyze(handle, name)
        log(f"ANALYZE {', '.join(analyzed)} (autovacuum is {autovacuum(handle)} on this server)")
        digests = {key: client.run(srv.port, "digest") for key, srv in servers.items()}
        same = {f: digests["metahive"][f] == digests["java"][f] for f in ("partitions", "partitions_sha256", "table")}
        log(f"same data on both servers: {same}; reply sizes: "
            + ", ".join(f"{k} partitions {d['partitions_bytes']:,} B, table {d['table_bytes']:,} B"
                        for k, d in digests.items()))
        rows: list[dict[str, Any]] = []

        def add_row(key: str, label: str, target: float, mh_stats: dict[str, Any], java_stats: dict[str, Any],
                    **extra: Any) -> None:
            ratio = mh_stats["ops_per_s"] / java_stats["ops_per_s"]
            row = {"key": key, "label": label, "target": target, "ratio": ratio, "met": ratio >= target,
                   "metahive": mh_stats, "java": java_stats, **extra}
            rows.append(row)
            log(f"{label}: metahive {fmt_ops(mh_stats['ops_per_s'])} ops/s p50 {fmt_ms(mh_stats['p50_ms'])} ms | "
                f"java {fmt_ops(java_stats['ops_per_s'])} ops/s p50 {fmt_ms(java_stats['p50_ms'])} ms | {ratio:.2f}×")

        def rounds() -> list[list[str]]:
            """Server order per round: alternating, so drifting background load hits both alike."""
            return [["metahive", "java"] if r % 2 == 0 else ["java", "metahive"] for r in range(ROUNDS)]

        for op in compare_ops(parts, scale):
            per_round = math.ceil(op.n / ROUNDS)
            runs: dict[str, list[dict[str, Any]]] = {"metahive": [], "java": []}
            for order in rounds():
                for key in order:
                    runs[key].append(client.run(servers[key].port, op.java_op, "--warmup", str(op.warmup),
                                                "--n", str(per_round), "--parts", str(parts), *op.args))
            stats = {}
            for key, outs in runs.items():
                results.setdefault(op.key, {})[key] = outs
                stats[key] = summarize([v for o in outs for v in o["latencies_ms"]])
                stats[key]["result_size"] = outs[-1].get("result_size")
            add_row(op.key, op.label, op.target, stats["metahive"], stats["java"], warmup=op.warmup,
                    n=per_round * ROUNDS, rounds=ROUNDS)

        add_stats = {k: summarize(v["latencies_ms"]) for k, v in load_runs.items()}
        for k, v in load_runs.items():
            add_stats[k]["partitions_per_s"] = parts / (sum(v["latencies_ms"]) / 1000)
        add_row("add_partitions", f"add_partitions ({parts // 1000}k in calls of {BATCH:,}; ops = calls)",
                ADD_TARGET, add_stats["metahive"], add_stats["java"], warmup=1, n=len(load_runs["java"]["latencies_ms"]))
        results["add_partitions"] = load_runs

        conc_warmup, conc_n = max(10, round(100 * scale)), max(20, round(150 * scale))
        conc: dict[str, list[dict[str, Any]]] = {"metahive": [], "java": []}
        for order in rounds():
            for key in order:
                log(f"{key}: get_table from {CONCURRENT_CLIENTS} concurrent client JVMs")
                conc[key].append(client.run_concurrent(servers[key].port, CONCURRENT_CLIENTS, conc_warmup,
                                                       conc_n, workdir))
        conc_stats = {}
        for key, outs in conc.items():
            results["concurrent_get_table_" + key] = outs
            calls, wall = sum(o["calls"] for o in outs), sum(o["wall_s"] for o in outs)
            conc_stats[key] = summarize([v for o in outs for v in o["latencies_ms"]], ops_per_s=calls / wall)
        add_row("concurrent_get_table", f"get_table, {CONCURRENT_CLIENTS} concurrent clients (aggregate)",
                CONCURRENT_TARGET, conc_stats["metahive"], conc_stats["java"], warmup=conc_warmup,
                n=conc_n * CONCURRENT_CLIENTS * ROUNDS, rounds=ROUNDS)

        # Every operation must be at least as fast as Java, whatever its own target.
        for r in rows:
            r["met"] = r["ratio"] >= max(r["target"], 1.0)

        load_end = load()
        with_targets = args.backend == "postgres"
        backend_label = "metahive on SQLite" if args.backend == "sqlite" else "metahive on PostgreSQL"
        table = compare_table(rows, with_targets, "metahive", "Java")
        elapsed = time.monotonic() - t_start
        clients_note = (
            "All operations measured by bench/java/BenchClient.java (Hive 2.3.10 ThriftHiveMetastore.Client, "
            "libthrift 0.16, TBinaryProtocol, set_ugi first) over an unframed socket read 1 MiB at a time and "
            "decoded from that buffer; the 'TSocket client' row uses libthrift's TSocket as Spark does; "
            "'reply received' times request sent -> last reply byte in (decoded and checked afterwards, untimed): "
            "one fresh client JVM per operation, server "
            f"and round ({ROUNDS} rounds, server order alternating), W warm-up calls then N/{ROUNDS} timed calls; "
            f"concurrent get_table: {CONCURRENT_CLIENTS} such JVMs at once per round, each {conc_warmup} warm-up + "
            f"{conc_n} timed calls, ops/s = all calls / (last end - first start), summed over rounds. "
            "add_partitions: the load of bench.parts, after one untimed batch into bench.warm."
        )
        doc = {
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "backend": args.backend,
            "servers": {"metahive": f"{backend_label}, --workers 2", "java": "Hive Metastore 2.3.10 on PostgreSQL"},
            "server_ready_s": {k: s.ready_after_s for k, s in servers.items()},
            "machine": info,
            "load_avg_start": load_start,
            "load_avg_end": load_end,
            "partitions": parts,
            "batch": BATCH,
            "analyzed_after_load": analyzed,
            "data_check": {"same": same, "digests": digests},
            "postgres_autovacuum": autovacuum(handle),
            "quick": quick,
            "clients": clients_note,
            "elapsed_s": round(elapsed, 1),
            "rows": rows,
            "raw": results,
            "table_markdown": table,
        }
        path = write_results(doc, args.backend, quick)

    print()
    print(f"metahive ({backend_label}, 2 workers) vs Java Hive Metastore 2.3.10 (PostgreSQL {info.get('postgresql', '?')})")
    print(f"{parts:,} partitions in bench.parts; {info.get('nproc')} CPUs, {info.get('cpu', '?')}, "
          f"{info.get('ram_gib', '?')} GiB RAM, {info.get('java', '?')}")
    print(f"load average at start {load_start}, at end {load_end}")
    print()
    print(table)
    print()
    print("ratio = metahive ops/s ÷ Java ops/s (>1: metahive faster); for a single client ops/s = calls ÷ total "
          "call time.")
    for key in ("metahive", "java"):
        a = add_stats[key]
        print(f"add_partitions {key}: {a['partitions_per_s']:,.0f} partitions/s")
    print(clients_note)
    if all(same.values()):
        print(f"data check: both servers return the same {digests['java']['partitions']:,} partitions and table "
              "(values, locations, columns, formats); Thrift bytes per full listing: "
              + ", ".join(f"{k} {d['partitions_bytes']:,}" for k, d in digests.items()))
    else:
        print(f"data check: the servers' answers DIFFER: {same}; see data_check in the results file")
    floor = digests["java"]["client_decode_get_partitions_ms_p50"]
    print(f"client floor: BenchClient decodes the {parts:,}-partition get_partitions reply in {floor:.0f} ms (p50, from "
          "memory), part of both servers' get_partitions latency.")
    for field_name in ("partition_parameter_keys", "partition_sd_parameter_keys", "table_parameter_keys"):
        if digests["metahive"][field_name] != digests["java"][field_name]:
            print(f"  {field_name}: metahive [{digests['metahive'][field_name]}] vs Java [{digests['java'][field_name]}]")
    if not with_targets:
        print("metahive on SQLite vs the Java HMS on PostgreSQL: report only, the targets apply to `make bench`.")
    else:
        missed = [r["label"] for r in rows if not r["met"]]
        print(f"targets: {len(rows) - len(missed)}/{len(rows)} met" + (f"; missed: {', '.join(missed)}" if missed else ""))
    print(f"results: {path.relative_to(ROOT)}  (server logs: {logs.relative_to(ROOT)}); {elapsed:.0f} s")
    return 0


# ---------------------------------------------------------------------------------------------
# make bench-scale
# ---------------------------------------------------------------------------------------------

def full_listing(client: Client, server: Server, size: int) -> dict[str, Any]:
    """get_partitions of the whole table (reply received, see BenchClient) with the server's peak RSS."""
    sampler = RssSampler(server.proc.pid)
    before = sampler.sample()
    with sampler:
        out = client.run(server.port, "get_partitions_received", "--table", "scale", "--warmup", "1", "--n", "3")
    result = {**summarize(out["latencies_ms"]), "reply_bytes": out["result_size"],
              "rss_before_mib": [round(b / 2**20, 1) for b in before],
              "peak_rss_process_mib": round(sampler.peak_process / 2**20, 1),
              "peak_pss_total_mib": round(sampler.peak_total / 2**20, 1), "processes": len(sampler.pids)}
    log(f"scale {size:,}: get_partitions (all) p50 {result['p50_ms']:.0f} ms, {out['result_size']:,} bytes; server "
        f"peak RSS {result['peak_rss_process_mib']} MiB (largest process), PSS {result['peak_pss_total_mib']} MiB "
        f"(all {result['processes']} processes)")
    return result


SCALE_READS = [
    ("get_partitions_by_filter", "get_partitions_by_filter (1 day)", ()),
    ("get_partition_names_ps", "get_partition_names_ps (1 day)", ()),
    ("get_partitions_by_names", "get_partitions_by_names (24)", ("--names", "24")),
]


class RssSampler:
    """Peak resident memory of a server's processes (parent and workers), sampled every 10 ms from /proc."""

    def __init__(self, pgid: int) -> None:
        self.pids = [int(d) for d in os.listdir("/proc") if d.isdigit() and self._pgrp(int(d)) == pgid]
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.peak_process = 0
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _pgrp(pid: int) -> int | None:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        return int(stat.rsplit(")", 1)[1].split()[2])

    def sample(self) -> list[int]:
        """RSS of each process."""
        sizes = []
        for pid in self.pids:
            try:
                sizes.append(int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * self.page)
            except OSError:
                pass
        return sizes

    def pss(self) -> int:
        """Proportional set size of all processes together: pages shared after fork counted once."""
        total = 0
        for pid in self.pids:
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            sizes = self.sample()
            self.peak_process = max(self.peak_process, max(sizes, default=0))
            self.peak_total = max(self.peak_total, self.pss())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def scale(args: argparse.Namespace) -> int:
    t_start = time.monotonic()
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    jars = pyspark_jars()
    compile_client(jars)
    client = Client(jars)
    load_start = load()
    stages: list[dict[str, Any]] = []
    with ExitStack() as stack:
        handle = provision(stack)
        workdir = Path(tempfile.mkdtemp(prefix="metahive-bench-scale-"))
        stack.callback(shutil.rmtree, workdir, True)
        logs = new_log_dir("-scale")
        if args.backend == "sqlite":
            db = f"sqlite:///{workdir}/metahive.db"
        else:
            db = fresh_database(handle, "bench_scale")
        (workdir / "wh").mkdir()
        mh = start_metahive(db, workdir / "wh", logs)
        stack.callback(mh.stop)
        mh.wait_listening(60)
        info = machine(handle)
        current = 0
        for size in sizes:
            batch = 10_000 if size >= 1_000_000 else BATCH
            log(f"scale: growing bench.scale from {current:,} to {size:,} partitions (batches of {batch:,})")
            added = client.run(mh.port, "add_range", "--table", "scale", "--from", str(current), "--to", str(size),
                               "--batch", str(batch), "--fallback-batch", str(BATCH),
                               "--location", "s3a://bench-scale/scale", "--label", f"scale {size:,}")
            current = size
            if args.backend == "postgres":
                analyze(handle, "bench_scale")
            stage: dict[str, Any] = {
                "partitions": size,
                "add": {**summarize(added["latencies_ms"]), "batch": added["batch"], "added": added["partitions"],
                        "total_s": added["total_ms"] / 1000,
                        "partitions_per_s": added["partitions"] / (added["total_ms"] / 1000)},
            }
            log(f"scale {size:,}: added {added['partitions']:,} at {stage['add']['partitions_per_s']:,.0f} "
                f"partitions/s (batches of {added['batch']:,})")
            for op, _label, extra in SCALE_READS:
                out = client.run(mh.port, op, "--table", "scale", "--parts", str(size), "--warmup", "3", "--n", "20",
                                 *extra)
                stage[op] = {**summarize(out["latencies_ms"]), "result_size": out["result_size"]}
                log(f"scale {size:,}: {op} p50 {stage[op]['p50_ms']:.2f} ms ({out['result_size']} results)")
            if size <= args.full_listing_max:
                stage["full_listing"] = full_listing(client, mh, size)
            stages.append(stage)
        load_end = load()
        elapsed = time.monotonic() - t_start
        head = ("| partitions | add: partitions/s | add: batch | add: p50 ms/batch | "
                + " | ".join(f"{label} p50 / p99 ms" for _, label, _ in SCALE_READS)
                + " | get_partitions (all) p50 ms | server peak MiB: RSS of the largest process / PSS of all |")
        lines = [head, "|---:|---:|---:|---:|" + "---:|" * (len(SCALE_READS) + 2)]
        for st in stages:
            a = st["add"]
            full = st.get("full_listing")
            tail = (f"{fmt_ms(full['p50_ms'])} | {full['peak_rss_process_mib']:,.0f} / {full['peak_pss_total_mib']:,.0f}"
                    if full else "— | —")
            lines.append(f"| {st['partitions']:,} | {a['partitions_per_s']:,.0f} | {a['batch']:,} | {fmt_ms(a['p50_ms'])} | "
                         + " | ".join(f"{fmt_ms(st[op]['p50_ms'])} / {fmt_ms(st[op]['p99_ms'])}" for op, _, _ in SCALE_READS)
                         + f" | {tail} |")
        table = "\n".join(lines)
        doc = {
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "kind": "scale",
            "backend": args.backend,
            "machine": info,
            "load_avg_start": load_start,
            "load_avg_end": load_end,
            "elapsed_s": round(elapsed, 1),
            "clients": "bench/java/BenchClient.java, one JVM per measurement; reads: 3 warm-up + 20 timed calls, "
                       "rotating over days; add: the stage's partitions from the previous size up, explicit "
                       "s3a:// locations (no directories created); PostgreSQL: ANALYZE after each stage",
            "stages": stages,
            "table_markdown": table,
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = RESULTS / f"{stamp}-scale-{args.backend}.json"
        path.write_text(json.dumps(doc, indent=1))
        (RESULTS / f"latest-scale-{args.backend}.json").write_text(json.dumps(doc, indent=1))
    print()
    print(f"metahive on {args.backend}, 2 workers, one table partitioned by (ds string, hr int), 20 columns; "
          f"{info.get('nproc')} CPUs, {info.get('cpu', '?')}")
    print(f"load average at start {load_start}, at end {load_end}")
    print()
    print(table)
    print()
    print("add: partitions added to reach this size (from the previous one), explicit s3a:// locations; "
          "reads: client latency of the Java client (3 warm-up + 20 calls, a different day each call).")
    print(f"results: {path.relative_to(ROOT)}; {elapsed:.0f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare", help="metahive vs the Java HMS 2.3.10, same client, same data")
    c.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres",
                   help="metahive's database (the Java HMS always uses PostgreSQL)")
    c.add_argument("--quick", action="store_true", help="smoke test: 2,000 partitions, a quarter of the calls")
    c.set_defaults(func=compare)
    s = sub.add_parser("scale", help="metahive alone: 1k .. 1M partitions in one table")
    s.add_argument("--sizes", default="1000,10000,100000,1000000")
    s.add_argument("--full-listing-max", type=int, default=100_000,
                   help="stages up to this size also time get_partitions of the whole table and the server's RSS")
    s.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    s.set_defaults(func=scale)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
