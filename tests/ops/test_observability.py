"""Metrics, health endpoints, JSON logs, request ids and the slow-call log, on a real server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa
from hmsclient import hmsclient
from hmsclient.genthrift.hive_metastore import ttypes as H
from prometheus_client.parser import text_string_to_metric_families

from metastore.store import migrate
from metastore.store.engine import create_engine
from tests.ops.support import http_get, samples, start, wait_for
from tests.support.server import free_port


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def observed(request, make_db_url, tmp_path_factory):
    metrics_port = free_port()
    server = start(make_db_url(request.param), tmp_path_factory.mktemp("observed"),
                   "--metrics-port", str(metrics_port), "--log-format", "json", "--slow-rpc-ms", "0.001")
    yield server, metrics_port
    server.stop()


def _create_partitioned(client) -> None:  # noqa: ANN001
    client.create_database(H.Database(name="obs", parameters={}))
    sd = H.StorageDescriptor(cols=[H.FieldSchema("x", "int", None)], serdeInfo=H.SerDeInfo(parameters={}),
                             location=None)
    client.create_table(H.Table(tableName="t", dbName="obs", sd=sd, parameters={},
                                partitionKeys=[H.FieldSchema("d", "string", None)]))
    client.add_partitions([H.Partition(values=[str(i)], dbName="obs", tableName="t", parameters={})
                           for i in range(12)])


def test_health_readiness_and_unknown_paths(observed):
    server, port = observed
    assert http_get(port, "/healthz") == (200, "ok\n")
    status, body = http_get(port, "/readyz")
    assert status == 200 and json.loads(body) == {"status": "ready", "revision": migrate.head_revision()}
    status, body = http_get(port, "/nope")
    assert status == 404 and "/metrics, /healthz or /readyz" in body


def test_rpc_metrics_across_workers(observed):
    server, port = observed
    with hmsclient.HMSClient(host=server.host, port=server.port) as client:
        _create_partitioned(client)
        assert len(client.get_partitions("obs", "t", -1)) == 12
        assert len(client.get_partition_names("obs", "t", 5)) == 5
        with pytest.raises(H.NoSuchObjectException):
            client.get_table("obs", "missing")
        with pytest.raises(H.AlreadyExistsException):
            client.create_database(H.Database(name="obs", parameters={}))
        # workers write their counts every 0.5 s: wait for this connection's last call to show
        last = ("metahive_rpc_duration_seconds_count", (("method", "create_database"),))
        m = wait_for(lambda: (m := samples(port)).get(last) == 2 and m)
        assert m, samples(port)
        assert m[("metahive_open_connections", ())] >= 1
    assert m[("metahive_worker_processes", ())] == 2
    assert m[("metahive_rpc_duration_seconds_count", (("method", "get_partitions"),))] == 1
    assert m[("metahive_rpc_duration_seconds_count", (("method", "create_database"),))] == 2
    assert m[("metahive_rpc_errors_total", (("exception", "NoSuchObjectError"), ("method", "get_table")))] == 1
    assert m[("metahive_rpc_errors_total", (("exception", "AlreadyExistsError"), ("method", "create_database")))] == 1
    assert ("metahive_rpc_errors_total", (("exception", "NoSuchObjectError"), ("method", "get_partitions"))) not in m
    # partitions returned: 12 (pre-encoded reply) and 5 names, both in the <=100 bucket, not in <=10 for 12
    parts = {k[1]: v for k, v in m.items() if k[0] == "metahive_partitions_returned_bucket"}
    assert parts[(("le", "10.0"), ("method", "get_partitions"))] == 0
    assert parts[(("le", "100.0"), ("method", "get_partitions"))] == 1
    assert parts[(("le", "10.0"), ("method", "get_partition_names"))] == 1
    assert m[("metahive_partitions_returned_sum", (("method", "get_partitions"),))] == 12
    assert wait_for(lambda: samples(port)[("metahive_open_connections", ())] == 0)
    for gauge in ("metahive_db_pool_in_use", "metahive_db_pool_waiting"):
        assert samples(port)[(gauge, ())] >= 0


def test_json_logs_with_request_ids_and_slow_calls(observed):
    server, _ = observed
    with hmsclient.HMSClient(host=server.host, port=server.port) as client:
        client.get_all_databases()
        with pytest.raises(H.NoSuchObjectException):
            client.get_table("obs", "nope_" + "x" * 300)

    def slow_lines() -> list[dict]:
        entries = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
        return [e for e in entries if e["logger"] == "metahive.slow"]

    lines = wait_for(lambda: [e for e in slow_lines() if e["method"] == "get_table" and "nope_" in e["args"]])
    assert lines, server.log()[-2000:]
    entry = lines[-1]
    assert entry["level"] == "WARNING" and entry["error"] == "NoSuchObjectError" and entry["ms"] > 0
    assert re.fullmatch(r"[0-9a-f]+-\d+-\d+", entry["request_id"])
    assert entry["args"].startswith("dbname='obs' tbl_name='nope_xxx") and len(entry["args"]) < 200  # summarised
    same_connection = [e for e in slow_lines() if e["request_id"].rsplit("-", 1)[0]
                       == entry["request_id"].rsplit("-", 1)[0]]
    assert [e["method"] for e in same_connection][-2:] == ["get_all_databases", "get_table"]
    assert all(line.startswith("{") for line in server.log().splitlines() if line.strip())


def test_readyz_reports_a_schema_changed_behind_the_servers_back(make_db_url, tmp_path):
    url = make_db_url("sqlite")
    port = free_port()
    server = start(url, tmp_path, "--metrics-port", str(port), workers=1)
    try:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '0004'"))
        status, body = http_get(port, "/readyz")
        assert status == 503
        detail = json.loads(body)
        assert detail["status"] == "not ready" and detail["revision"] == "0004"
        assert "run `metahive db upgrade`" in detail["reason"]
        assert http_get(port, "/healthz")[0] == 200  # alive, just not ready
        engine.dispose()
    finally:
        server.stop()


def test_crawler_run_metrics_api(tmp_path):
    """The API the crawler reports runs with; aggregated from the metrics directory like workers' values."""
    script = textwrap.dedent(f"""
        from pathlib import Path
        from metastore.observability import metrics
        m = metrics.enable(Path({str(tmp_path)!r}))
        with m.crawler_run("lake") as run:
            run.tables(created=3, updated=1)
        try:
            with metrics.current().crawler_run("lake"):
                raise RuntimeError("bucket gone")
        except RuntimeError:
            pass
        print(metrics.render()[0].decode())
    """)
    text = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    m = {(s.name, tuple(sorted(s.labels.items()))): s.value
         for family in text_string_to_metric_families(text) for s in family.samples}
    assert m[("metahive_crawler_runs_total", (("crawler", "lake"), ("status", "succeeded")))] == 1
    assert m[("metahive_crawler_runs_total", (("crawler", "lake"), ("status", "failed")))] == 1
    assert m[("metahive_crawler_run_duration_seconds_count", (("crawler", "lake"),))] == 2
    assert m[("metahive_crawler_tables_total", (("change", "created"), ("crawler", "lake")))] == 3
    assert m[("metahive_crawler_tables_total", (("change", "updated"), ("crawler", "lake")))] == 1
