"""Crawler benchmark (``make bench-crawl``): first crawl, unchanged re-crawl, loopback S3.

* local: FILES Parquet files in PARTITIONS partition folders (``events/month=MM/day=DDDD/``),
  crawled by ``metahive crawl`` in a subprocess into a fresh SQLite catalog; wall time and the
  subprocess's peak RSS (getrusage of children);
* re-crawl of the same tree with nothing changed;
* S3: S3_OBJECTS objects under one prefix on a moto server on loopback, crawled the same way.

Targets (issue 5, 2-core machine): first crawl of 100k files in 10k folders ≤ 60 s and ≤ 300 MB;
unchanged re-crawl ≤ 5 s; 10k objects on loopback S3 ≤ 60 s.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_mb(pid: int) -> float:
    """Memory of a process and all its descendants (the crawl and its classifier pool), as PSS:
    pages shared after fork are split between the processes instead of counted in each."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rpartition(")")[2].split()[1])
            except OSError:
                continue
    tree, frontier = {pid}, [pid]
    while frontier:
        p = frontier.pop()
        for child, parent in parents.items():
            if parent == p and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for p in tree:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return total / 1024


def parquet_bytes() -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"id": list(range(100)), "name": [f"n{i}" for i in range(100)],
                             "amount": [i * 0.5 for i in range(100)]}), buf)
    return buf.getvalue()


def make_tree(root: Path, files: int, partitions: int) -> None:
    data = parquet_bytes()
    per = max(files // partitions, 1)
    for p in range(partitions):
        folder = root / "events" / f"month={p % 12 + 1:02d}" / f"day={p:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        for f in range(per):
            (folder / f"part-{f:05d}.parquet").write_bytes(data)
        (folder / "_SUCCESS").write_bytes(b"")


def crawl(args: list[str], env: dict[str, str]) -> tuple[float, float, float, dict]:
    """(seconds, peak RSS MB of the largest process, peak RSS MB of the whole process tree, --json summary)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "metastore.cli", "crawl", *args, "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    peak_tree = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.wait(0.2):
            peak_tree = max(peak_tree, tree_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.monotonic() - t0
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed:\n{err[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    doc = json.loads(out)
    doc["cpu_seconds"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return seconds, after.ru_maxrss / 1024, peak_tree, doc


def report(name: str, seconds: float, rss: tuple[float, float], doc: dict, target: str) -> None:
    m = doc.get("metrics") or {}
    print(f"{name:<28} {seconds:7.1f} s  peak memory {rss[1]:5.0f} MB PSS all processes (max RSS {rss[0]:4.0f} MB)  "
          f"CPU {doc['cpu_seconds']:6.1f} s  load {os.getloadavg()[0]:4.1f}  files listed {doc['files_listed']:>7}  "
          f"read {doc['files_read']:>7}  tables +{m.get('tables_created', 0)}  partitions "
          f"+{m.get('partitions_created', 0)}   target {target}", flush=True)


def bench_s3(objects: int, tmp: Path, env: dict[str, str]) -> None:
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="lake")
        data = parquet_bytes()
        t0 = time.monotonic()
        per = 10
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda i: s3.put_object(Bucket="lake", Key=f"events/day={i // per:05d}/part-{i % per}.parquet",
                                                   Body=data), range(objects)))
        print(f"  (uploaded {objects} objects in {time.monotonic() - t0:.1f} s)", flush=True)
        seconds, rss, tree, doc = crawl(["s3://lake/events", "--database", "bench_s3", "--db",
                                   f"sqlite:///{tmp / 's3.db'}", "--warehouse", str(tmp / "wh"),
                                   "--s3-endpoint", endpoint, "--threads", "16"], env)
        report(f"S3 first crawl ({objects})", seconds, (rss, tree), doc, "≤ 60 s")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=10_000)
    parser.add_argument("--s3-objects", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated tree")
    a = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1"}
    os.environ.update({k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")})
    try:
        t0 = time.monotonic()
        make_tree(tmp / "lake", a.files, a.partitions)
        print(f"crawl benchmark: {a.files} files in {a.partitions} partition folders under {tmp / 'lake'} "
              f"(generated in {time.monotonic() - t0:.1f} s); {os.cpu_count()} CPUs", flush=True)
        args = [str(tmp / "lake"), "--database", "bench", "--db", f"sqlite:///{tmp / 'local.db'}",
                "--warehouse", str(tmp / "wh")]
        seconds, rss, tree, doc = crawl(args, env)
        report("local first crawl", seconds, (rss, tree), doc, "≤ 60 s, ≤ 300 MB")
        seconds, rss, tree, doc = crawl(args, env)
        report("local re-crawl, unchanged", seconds, (rss, tree), doc, "≤ 5 s")
        if a.s3_objects:
            bench_s3(a.s3_objects, tmp, env)
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
