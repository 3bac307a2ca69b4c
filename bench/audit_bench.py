"""What the schema-change audit costs, on PostgreSQL (``make bench-audit``).

1. alter_table latency with and without recording: the in-process handler stack (Thrift adapter ->
   HMS semantics -> store, as a server worker runs it, minus the socket) on a 20-column table; every
   call changes one table parameter, so every recorded call writes a change record. Rounds alternate
   recording on/off so background load hits both alike. Target: recording adds at most 20%.
2. ``audit history`` of a table with 10,000 versions (rows made with one bulk INSERT ... SELECT from
   generate_series, definitions included), whole and the newest 100.
3. ``audit changes --since 7d`` (newest 100, also filtered by kind / database) and the "columns dropped
   or retyped last week" view query over 1,000,000 change records spread over a year.
   Targets for 2 and 3: under 100 ms.

The PostgreSQL server is the tests' (METAHIVE_TEST_POSTGRES_URL, the local server, or a throw-away
cluster); the database is created for the run and dropped at the end. Results are printed and written
to bench/results/latest-audit.json.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from metastore.audit.definitions import dumps, to_doc  # noqa: E402
from metastore.audit.settings import AuditSettings  # noqa: E402
from metastore.hms.service import HiveMetastore  # noqa: E402
from metastore.store import migrate  # noqa: E402
from metastore.store.engine import create_engine  # noqa: E402
from metastore.store.sql_catalog import SqlCatalog  # noqa: E402
from metastore.warehouse import Warehouse  # noqa: E402
from metastore.wire.adapter import Session, ThriftHandler  # noqa: E402
from metastore.wire.convert import to_thrift  # noqa: E402
from metastore.wire.encoded import WireEncoder  # noqa: E402
from metastore.wire.idl import hms  # noqa: E402
from tests.support.postgres import provision_postgres  # noqa: E402

T = hms()
YEAR = 365 * 86400


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1] * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        "n": len(ordered),
    }


def _time(call: Callable[[], Any], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    return samples


def bench_alter(handler: ThriftHandler, rounds: int, per_round: int) -> dict[str, Any]:
    cols = [T.FieldSchema(name=f"c{i}", type="string", comment=f"column {i}") for i in range(20)]
    sd = T.StorageDescriptor(cols=cols, inputFormat="org.apache.hadoop.mapred.TextInputFormat",
                             outputFormat="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                             serdeInfo=T.SerDeInfo(serializationLib="org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                                                   parameters={}), parameters={})
    handler.create_database(T.Database(name="bench", parameters={}))
    handler.create_table(T.Table(tableName="t", dbName="bench", sd=sd, partitionKeys=[T.FieldSchema(name="ds", type="string")],
                                 parameters={}, tableType="EXTERNAL_TABLE"))
    table = to_thrift(handler.ms.get_table("bench", "t"))
    log = handler.ms.catalog.audit_log()
    counter = iter(range(10**9))

    def alter() -> None:
        table.parameters = {**table.parameters, "step": str(next(counter))}
        handler.alter_table("bench", "t", table)

    _time(alter, 50)  # warm-up
    samples: dict[bool, list[float]] = {True: [], False: []}
    for r in range(rounds):
        for enabled in ((True, False) if r % 2 == 0 else (False, True)):
            log.settings = AuditSettings(enabled=enabled)
            samples[enabled] += _time(alter, per_round)
    log.settings = AuditSettings()
    on, off = _ms(samples[True]), _ms(samples[False])
    return {"recording": on, "not_recording": off,
            "overhead_p50_pct": round((on["p50_ms"] / off["p50_ms"] - 1) * 100, 1),
            "overhead_mean_pct": round((on["mean_ms"] / off["mean_ms"] - 1) * 100, 1)}


def load_history(engine: sa.Engine, ms: HiveMetastore, versions: int) -> None:
    """``bench.history`` with ``versions`` ALTER_TABLE versions, each holding full before/after definitions."""
    table = ms.get_table("bench", "t")
    doc = dumps(to_doc(table))
    diff = '[{"kind":"parameter_changed","name":"step","old":"1","new":"2"}]'
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO mh_changes (event_time, operation, actor, db_name, table_name, version, run_id, kinds, diff, "
            "before, after) SELECT :now - (:n - g) * 60, 'ALTER_TABLE', 'etl', 'bench', 'history', g, NULL, "
            "',parameter_changed,', :diff, :doc, :doc FROM generate_series(1, :n) AS g"),
            {"now": int(time.time()), "n": versions, "diff": diff, "doc": doc})


def load_changes(engine: sa.Engine, rows: int) -> None:
    """``rows`` change records over the last year: 20 databases, 5,000 tables, 50 actors, 6 kinds."""
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO mh_changes (event_time, operation, actor, db_name, table_name, version, run_id, kinds, diff) "
            "SELECT :now - ((:n - g)::bigint * :year / :n), 'ALTER_TABLE', 'user' || (g % 50), 'db' || (g % 20), "
            "'t' || (g % 5000), 1000 + g / 5000, NULL, ',' || k.kind || ',', "
            "'[{\"kind\":\"' || k.kind || '\",\"name\":\"c' || (g % 30) || '\",\"old\":\"int\",\"new\":\"bigint\"}]' "
            "FROM generate_series(1, :n) AS g "
            "JOIN (VALUES (0, 'column_added'), (1, 'column_removed'), (2, 'column_retyped'), "
            "(3, 'parameter_changed'), (4, 'location_changed'), (5, 'parameter_added')) AS k(i, kind) ON k.i = g % 6"),
            {"now": int(time.time()) - 3600, "n": rows, "year": YEAR})
        conn.execute(sa.text("ANALYZE mh_changes"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--per-round", type=int, default=200)
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    args = parser.parse_args()

    pg = provision_postgres()
    results: dict[str, Any] = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        url = pg.create_database()
        engine = create_engine(url)
        migrate.upgrade(engine)
        catalog = SqlCatalog(engine, WireEncoder())
        ms = HiveMetastore(catalog, Warehouse(tempfile.mkdtemp(prefix="audit-bench-")))
        handler = ThriftHandler(ms, Session(address="127.0.0.1:1"))
        handler.set_ugi("bench", [])

        results["alter_table"] = bench_alter(handler, args.rounds, args.per_round)
        print("alter_table:", json.dumps(results["alter_table"]), flush=True)

        t0 = time.perf_counter()
        load_history(engine, ms, args.versions)
        t1 = time.perf_counter()
        load_changes(engine, args.changes)
        results["load_seconds"] = {"history": round(t1 - t0, 1), "changes": round(time.perf_counter() - t1, 1)}
        print("loaded:", results["load_seconds"], flush=True)

        audit = ms.audit
        assert len(audit.history("bench.history")) == args.versions
        queries: dict[str, Callable[[], Any]] = {
            f"history all {args.versions} versions": lambda: audit.history("bench.history"),
            "history newest 100": lambda: audit.history("bench.history", 100),
            "changes --since 7d (newest 100)": lambda: audit.changes(since="7d"),
            "changes --since 7d --kind column_removed": lambda: audit.changes(since="7d", kinds=["column_removed"]),
            "changes --since 7d --database db7 --actor user7": lambda: audit.changes(
                since="7d", database="db7", actor="user7"),
        }
        week_ago = int(time.time()) - 7 * 86400
        view = sa.text("SELECT db_name, table_name, column_name, change, old_type, new_type, actor "
                       "FROM mh_audit_column_changes WHERE change IN ('column_removed', 'column_retyped') "
                       "AND event_time >= :since")
        with engine.connect() as conn:
            view_rows = len(conn.execute(view, {"since": week_ago}).all())

            def run_view() -> None:
                conn.execute(view, {"since": week_ago}).all()

            queries[f"view: columns dropped/retyped last week ({view_rows} rows)"] = run_view
            results["queries"] = {}
            for name, call in queries.items():
                call()  # warm
                results["queries"][name] = _ms(_time(call, args.repeat))
                print(f"{name}: {results['queries'][name]}", flush=True)
        results["rows"] = {"history_versions": args.versions, "change_records": args.changes + args.versions}
        catalog.dispose()
        engine.dispose()
    finally:
        pg.close()
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest-audit.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
