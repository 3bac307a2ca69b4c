"""What instrumentation costs on the hot path: get_table latency with metrics off and on.

    .venv/bin/python bench/instrumentation.py [--calls 3000] [--rounds 4] [--baseline PATH]   # make bench-ops

End to end: one server per configuration (SQLite, 1 worker, one 20-column table), one client on a
persistent connection calling get_table sequentially (thriftpy2's Cython client, so the client adds
little). Configurations are measured in alternating rounds so background load hits all alike:

* ``metrics off``: this code, no --metrics-port (request ids and the slow-call check still run);
* ``metrics on``: this code with --metrics-port (one histogram observe per call, multi-process files);
* ``baseline``: the code at --baseline (e.g. a checkout without the instrumentation), if given.

In process: the per-call bookkeeping alone (calls.begin + calls.finished), metrics off and on.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.server import free_port  # noqa: E402


def start(code: Path, workdir: Path, metrics: bool) -> tuple[subprocess.Popen, int]:
    port = free_port()
    cmd = [sys.executable, "-m", "metastore.cli", "serve", "--port", str(port), "--workers", "1",
           "--db", f"sqlite:///{workdir / 'catalog.db'}", "--warehouse", str(workdir / "wh"), "--log-level", "WARNING"]
    if metrics:
        cmd += ["--metrics-port", str(free_port())]
    proc = subprocess.Popen(cmd, cwd=workdir, env={**os.environ, "PYTHONPATH": str(code)},
                            stdout=subprocess.DEVNULL, stderr=open(workdir / "server.log", "ab"))  # noqa: SIM115
    client = connect(port, timeout=60)
    cols = [client_types().FieldSchema(name=f"c{i}", type="string") for i in range(20)]
    t = client_types()
    try:
        client.create_table(t.Table(tableName="t", dbName="default", parameters={}, partitionKeys=[],
                                    sd=t.StorageDescriptor(cols=cols, serdeInfo=t.SerDeInfo(parameters={}))))
    except t.AlreadyExistsException:
        pass
    client.close()
    return proc, port


def client_types():  # noqa: ANN201
    from metastore.wire.idl import hms

    return hms()


def connect(port: int, timeout: float = 10):  # noqa: ANN201
    from thriftpy2.protocol import TCyBinaryProtocolFactory
    from thriftpy2.rpc import make_client
    from thriftpy2.transport import TCyBufferedTransportFactory

    deadline = time.monotonic() + timeout
    while True:
        try:
            return make_client(client_types().ThriftHiveMetastore, "127.0.0.1", port,
                               proto_factory=TCyBinaryProtocolFactory(),
                               trans_factory=TCyBufferedTransportFactory(), timeout=30_000)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def measure(port: int, calls: int) -> list[float]:
    client = connect(port)
    for _ in range(200):
        client.get_table("default", "t")
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        client.get_table("default", "t")
        latencies.append(time.perf_counter() - started)
    client.close()
    return latencies


def bookkeeping(metrics: bool, n: int = 200_000) -> float:
    """Microseconds per call of calls.begin() + calls.finished() in a fresh process."""
    script = textwrap.dedent(f"""
        import tempfile, time
        from pathlib import Path
        from metastore.observability import calls, metrics
        m = metrics.enable(Path(tempfile.mkdtemp())) if {metrics} else None
        calls.configure(m, 1000)
        class A: dbname = "default"; tbl_name = "t"
        calls.begin_connection("bench")
        started = time.perf_counter()
        for _ in range({n}):
            calls.finished("get_table", calls.begin(), None, A, ("dbname", "tbl_name"), None)
        print((time.perf_counter() - started) / {n} * 1e6)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    return float(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=3000, help="timed get_table calls per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--baseline", type=Path, help="a checkout of metahive to compare with (PYTHONPATH)")
    args = parser.parse_args()

    configs = {"metrics off": (ROOT, False), "metrics on": (ROOT, True)}
    if args.baseline:
        configs["baseline"] = (args.baseline.resolve(), False)
    results: dict[str, list[float]] = {name: [] for name in configs}
    with tempfile.TemporaryDirectory(prefix="bench-ops-") as tmp:
        servers = {}
        for name, (code, metrics) in configs.items():
            workdir = Path(tmp) / name.replace(" ", "-")
            workdir.mkdir()
            servers[name] = start(code, workdir, metrics)
        try:
            for r in range(args.rounds):
                order = list(configs) if r % 2 == 0 else list(reversed(configs))
                for name in order:
                    results[name] += measure(servers[name][1], args.calls)
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(30)

    print(f"get_table, 1 client, {args.rounds} rounds x {args.calls} calls, SQLite, 1 worker")
    print(f"{'configuration':<14} {'mean µs':>9} {'p50 µs':>9} {'p99 µs':>9}")
    for name, lat in results.items():
        lat.sort()
        print(f"{name:<14} {statistics.fmean(lat) * 1e6:9.1f} {lat[len(lat) // 2] * 1e6:9.1f} "
              f"{lat[int(len(lat) * 0.99)] * 1e6:9.1f}")
    print(f"per-call bookkeeping in process: metrics off {bookkeeping(False):.2f} µs, "
          f"metrics on {bookkeeping(True):.2f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
