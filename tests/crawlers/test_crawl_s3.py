"""S3 source against a real HTTP S3 endpoint on loopback (moto's server mode, started here)."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import server as moto_server

from crawlers.crawl import CrawlOptions, crawl
from crawlers.sources import SourceError
from crawlers.store import CrawlState
from crawlers.targets import MetahiveTarget
from tests.support.server import free_port


@pytest.fixture(scope="module")
def endpoint():
    mp = pytest.MonkeyPatch()
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        mp.setenv(key, value)
    mp.delenv("AWS_PROFILE", raising=False)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
    mp.undo()


def parquet_bytes(**cols) -> bytes:  # noqa: ANN003
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf)
    return buf.getvalue()


@pytest.fixture
def bucket(endpoint, request):
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint)
    name = request.node.name.lower().replace("_", "-")[:50]
    s3.create_bucket(Bucket=name)
    for day in ("1", "2", "3"):
        s3.put_object(Bucket=name, Key=f"lake/sales/day={day}/part-0.parquet",
                      Body=parquet_bytes(id=[1, 2, 3], amount=[1.5, 2.5, 3.5], kind=["a", "b", "c"], region=["x", "y", "z"]))
        s3.put_object(Bucket=name, Key=f"lake/sales/day={day}/_SUCCESS", Body=b"")
    s3.put_object(Bucket=name, Key="lake/people/", Body=b"")  # a console folder marker
    s3.put_object(Bucket=name, Key="lake/people/people.csv", Body=b"id,name,score\n1,ann,2.5\n2,bob,3.5\n")
    s3.put_object(Bucket=name, Key="lake/people_$folder$", Body=b"")
    return s3, name


@pytest.fixture
def target(tmp_path):
    t = MetahiveTarget(f"sqlite:///{tmp_path / 'catalog.db'}", str(tmp_path / "wh"))
    yield t
    t.close()


def run(target, endpoint, uri):  # noqa: ANN001, ANN201
    state = CrawlState(target.hms.catalog.engine, "s3")
    return crawl(CrawlOptions([uri], "db", crawler="s3", s3_endpoint=endpoint), target, state)


def test_s3_prefix_crawled_into_tables_with_s3_locations(bucket, target, endpoint) -> None:
    s3, name = bucket
    first = run(target, endpoint, f"s3://{name}/lake")
    assert sorted(d.name for d in first.desired) == ["people", "sales"]
    sales = target.hms.get_table("db", "sales")
    assert sales.sd.location == f"s3://{name}/lake/sales"
    assert (sales.parameters["classification"], sales.parameters["recordCount"]) == ("parquet", "9")
    assert [(p.values, p.sd.location) for p in target.hms.get_partitions("db", "sales")] == [
        ([d], f"s3://{name}/lake/sales/day={d}") for d in ("1", "2", "3")]
    people = target.hms.get_table("db", "people")
    assert [(c.name, c.type) for c in people.sd.cols][:2] == [("id", "int"), ("name", "string")]
    assert first.summary()["files_read"] == 4
    # ETags remembered: nothing read again; a rewritten object is read again
    again = run(target, endpoint, f"s3://{name}/lake")
    assert (again.summary()["files_read"], again.plan.items) == (0, [])
    s3.put_object(Bucket=name, Key="lake/sales/day=2/part-0.parquet",
                  Body=parquet_bytes(id=[1, 2], amount=[1.5, 2.5], kind=["a", "b"], region=["x", "y"], note=["n", "m"]))
    third = run(target, endpoint, f"s3://{name}/lake")
    assert third.summary()["files_read"] == 1
    assert [c.name for c in target.hms.get_table("db", "sales").sd.cols] == ["id", "amount", "kind", "region", "note"]


def test_missing_bucket_is_a_clear_error(endpoint, target) -> None:
    with pytest.raises(SourceError, match=f"source s3://no-such-bucket/x: bucket no-such-bucket does not exist at "
                                          f"{endpoint}; check the name and --s3-endpoint"):
        run(target, endpoint, "s3://no-such-bucket/x")


def test_unreachable_endpoint_is_a_clear_error(target) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SourceError, match=f"source s3://b/x: cannot reach S3 at {dead}"):
        run(target, dead, "s3://b/x")
