"""Column-statistics RPC latency on a real metahive server: what Trino's planning and writes cost.

    .venv/bin/python bench/statistics_bench.py --backend sqlite      # make bench-stats
    .venv/bin/python bench/statistics_bench.py --backend postgres    # make bench-stats BACKEND=postgres

Sets up one table with COLS bigint columns and PARTS partitions, then measures, over one persistent
connection with the Hive 4 Python bindings (each call's median and p90 of N timed calls after W
warm-ups; client decode time included):

* ``update_partition_column_statistics`` - one partition, all columns (Trino after an INSERT)
* ``set_aggr_stats_for``                 - BATCH partitions x all columns in one call
* ``get_table_statistics_req``           - all columns (Trino planning a non-partitioned read)
* ``get_partitions_statistics_req``      - BATCH partitions x all columns (Trino planning a pruned read)
* ``get_aggr_stats_for``                 - BATCH partitions x all columns, merged per column

PostgreSQL: a fresh database on the server tests use (tests/support/postgres.py provisions one, or a
throw-away cluster). Results are printed and written to bench/results/latest-stats-<backend>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hive_metastore import ThriftHiveMetastore
from hive_metastore import ttypes as T
from thrift.protocol import TBinaryProtocol
from thrift.transport import TSocket, TTransport

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.postgres import provision_postgres  # noqa: E402
from tests.support.server import start_server  # noqa: E402


def _long(col: str, i: int) -> T.ColumnStatisticsObj:
    data = T.LongColumnStatsData(lowValue=i, highValue=i + 1000, numNulls=i % 7, numDVs=100 + i)
    return T.ColumnStatisticsObj(colName=col, colType="bigint", statsData=T.ColumnStatisticsData(longStats=data))


def _stats(db: str, cols: list[str], part: str | None, seed: int) -> T.ColumnStatistics:
    desc = T.ColumnStatisticsDesc(isTblLevel=part is None, dbName=db, tableName="t", partName=part)
    return T.ColumnStatistics(statsDesc=desc, statsObj=[_long(c, seed + i) for i, c in enumerate(cols)])


def _measure(call: Callable[[], object], warmup: int, n: int) -> dict[str, float]:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"median_ms": round(statistics.median(times), 3), "p90_ms": round(times[int(0.9 * (len(times) - 1))], 3)}


def run(backend: str, cols: int, parts: int, batch: int, warmup: int, n: int) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-stats-"))
    pg = provision_postgres() if backend == "postgres" else None
    url = pg.create_database() if pg else f"sqlite:///{workdir / 'catalog.db'}"
    server = start_server(url, workdir / "warehouse", workdir, workers=2)
    transport = TTransport.TBufferedTransport(TSocket.TSocket(server.host, server.port))
    transport.open()
    c = ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocol(transport))
    try:
        db = "bench"
        names = [f"c{i}" for i in range(cols)]
        c.create_database(T.Database(name=db, parameters={}))
        sd = T.StorageDescriptor(cols=[T.FieldSchema(n, "bigint", None) for n in names],
                                 serdeInfo=T.SerDeInfo(parameters={}), parameters={})
        c.create_table(T.Table(tableName="t", dbName=db, sd=sd, partitionKeys=[T.FieldSchema("ds", "string", None)],
                               parameters={}))
        part_names = [f"ds=d{i:06d}" for i in range(parts)]
        for start in range(0, parts, 1000):
            c.add_partitions([T.Partition(values=[p[3:]], dbName=db, tableName="t", parameters={})
                              for p in part_names[start:start + 1000]])
        for start in range(0, parts, batch):
            c.set_aggr_stats_for(T.SetPartitionsStatsRequest(
                colStats=[_stats(db, names, p, i) for i, p in enumerate(part_names[start:start + batch])],
                engine="hive"))
        c.update_table_column_statistics(_stats(db, names, None, 0))
        window = part_names[parts // 2: parts // 2 + batch]
        req = T.PartitionsStatsRequest(dbName=db, tblName="t", colNames=names, partNames=window, engine="hive")
        seed = iter(range(10**9))
        ops = {
            "update_partition_column_statistics": lambda: c.update_partition_column_statistics(
                _stats(db, names, window[0], next(seed))),
            "set_aggr_stats_for": lambda: c.set_aggr_stats_for(T.SetPartitionsStatsRequest(
                colStats=[_stats(db, names, p, next(seed)) for p in window], engine="hive")),
            "get_table_statistics_req": lambda: c.get_table_statistics_req(
                T.TableStatsRequest(dbName=db, tblName="t", colNames=names, engine="hive")),
            "get_partitions_statistics_req": lambda: c.get_partitions_statistics_req(req),
            "get_aggr_stats_for": lambda: c.get_aggr_stats_for(req),
        }
        got = c.get_partitions_statistics_req(req).partStats
        assert len(got) == len(window) and all(len(v) == cols for v in got.values())
        results = {name: _measure(call, warmup, n) for name, call in ops.items()}
        return {"backend": backend, "columns": cols, "partitions": parts, "batch": batch, "calls": n,
                "warmup": warmup, "results": results}
    finally:
        transport.close()
        server.stop()
        if pg:
            pg.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--partitions", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    report = run(args.backend, args.columns, args.partitions, args.batch, args.warmup, args.calls)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"latest-stats-{args.backend}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"{args.backend}: {args.columns} columns, {args.partitions} partitions, batches of {args.batch}")
    for name, r in report["results"].items():  # type: ignore[union-attr]
        print(f"  {name:38s} median {r['median_ms']:8.2f} ms   p90 {r['p90_ms']:8.2f} ms")


if __name__ == "__main__":
    main()
