"""Database sources against real PostgreSQL and MariaDB servers (and SQLite): include paths with %,
types mapped to Hive, table and column comments kept, errors that say what is wrong."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from crawlers.crawl import CrawlOptions, crawl
from crawlers.sources import SourceError
from crawlers.store import CrawlState
from crawlers.targets import MetahiveTarget
from tests.support.server import free_port

MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306"


@pytest.fixture
def target(tmp_path):
    t = MetahiveTarget(f"sqlite:///{tmp_path / 'catalog.db'}", str(tmp_path / "wh"))
    yield t
    t.close()


def run(target, url, includes=(), **kw):  # noqa: ANN001, ANN003, ANN201
    state = CrawlState(target.hms.catalog.engine, "jdbc")
    return crawl(CrawlOptions([url], "jdbc", crawler="jdbc", includes=list(includes), **kw), target, state)


def cols(target, name):  # noqa: ANN001, ANN201
    return [(c.name, c.type, c.comment) for c in target.hms.get_table("jdbc", name).sd.cols]


@pytest.fixture
def pg_url(postgres):
    url = postgres.create_database()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA sales")
        conn.exec_driver_sql("CREATE SCHEMA hr")
        conn.exec_driver_sql(
            "CREATE TABLE sales.orders (id bigint PRIMARY KEY, qty integer, small smallint, price numeric(10,2), "
            "ratio real, score double precision, paid boolean, note text, code varchar(8), day date, "
            "at timestamp, tags text[], raw bytea, doc jsonb)")
        conn.exec_driver_sql("COMMENT ON TABLE sales.orders IS 'one row per order'")
        conn.exec_driver_sql("COMMENT ON COLUMN sales.orders.qty IS 'units ordered'")
        conn.exec_driver_sql("CREATE TABLE sales.order_lines (order_id bigint, line int)")
        conn.exec_driver_sql("CREATE TABLE sales.tmp_scratch (x int)")
        conn.exec_driver_sql("CREATE TABLE hr.people (id int, name text)")
    engine.dispose()
    return url


def test_postgresql_tables_types_and_comments(pg_url, target) -> None:
    url = sa.make_url(pg_url)
    db = url.database

    def location_of(db: str, rel: str) -> str:
        return f"postgresql://{url.host}{':' + str(url.port) if url.port else ''}/{db}/{rel}"

    result = run(target, pg_url, [f"{db}/sales/order%"])
    assert sorted(d.name for d in result.desired) == [f"{db}_sales_order_lines", f"{db}_sales_orders"]
    name = f"{db}_sales_orders"
    assert cols(target, name) == [
        ("id", "bigint", None), ("qty", "int", "units ordered"), ("small", "smallint", None),
        ("price", "decimal(10,2)", None), ("ratio", "float", None), ("score", "double", None),
        ("paid", "boolean", None), ("note", "string", None), ("code", "string", None), ("day", "date", None),
        ("at", "timestamp", None), ("tags", "array<string>", None), ("raw", "binary", None), ("doc", "string", None)]
    t = target.hms.get_table("jdbc", name)
    assert (t.parameters["classification"], t.parameters["typeOfData"], t.parameters["comment"]) == (
        "postgresql", "table", "one row per order")
    assert t.sd.location == location_of(db, "sales/orders")
    # every schema with %, an exclude, then a dropped table is deprecated on the next crawl
    result = run(target, pg_url, [f"{db}/%/%"], excludes=["**/tmp_*"])
    assert sorted(d.name for d in result.desired) == [f"{db}_hr_people", f"{db}_sales_order_lines", name]
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE hr.people")
        conn.exec_driver_sql("ALTER TABLE sales.order_lines ADD COLUMN amount numeric(12,3)")
    engine.dispose()
    result = run(target, pg_url, [f"{db}/%/%"], excludes=["**/tmp_*"])
    assert [(i.action, i.table, i.reason) for i in result.plan.items] == [
        ("update_table", f"{db}_sales_order_lines", "new columns amount"),
        ("deprecate_table", f"{db}_hr_people", f"no data found at {location_of(db, 'hr/people')} any more")]


@pytest.fixture
def maria_url():
    name = f"crawl_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(MARIADB_URL)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as e:
        pytest.skip(f"MariaDB is not reachable at {MARIADB_URL} ({e.orig}); start one to run the MySQL source tests")
    url = f"{MARIADB_URL}/{name}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE customers (id bigint PRIMARY KEY, age tinyint, visits int COMMENT 'site visits', "
            "balance decimal(12,4), active tinyint(1), name varchar(40), bio text, born date, seen datetime, "
            "photo blob, kind enum('a','b')) COMMENT='our customers'")
        conn.exec_driver_sql("CREATE TABLE Orders (id int)")
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name}")
    admin.dispose()


def test_mariadb_tables_types_and_comments(maria_url, target) -> None:
    db = sa.make_url(maria_url).database
    result = run(target, maria_url, [f"{db}/%"])
    assert sorted(d.name for d in result.desired) == [f"{db}_customers", f"{db}_orders"]
    assert cols(target, f"{db}_customers") == [
        ("id", "bigint", None), ("age", "tinyint", None), ("visits", "int", "site visits"),
        ("balance", "decimal(12,4)", None), ("active", "boolean", None), ("name", "string", None),
        ("bio", "string", None), ("born", "date", None), ("seen", "timestamp", None), ("photo", "binary", None),
        ("kind", "string", None)]
    t = target.hms.get_table("jdbc", f"{db}_customers")
    assert (t.parameters["classification"], t.parameters["comment"]) == ("mysql", "our customers")
    assert run(target, maria_url, [f"{db}/Orders"]).desired[0].table.sd.location.endswith(f"/{db}/Orders")


def test_sqlite_source(tmp_path, target) -> None:
    path = tmp_path / "app.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE events (id INTEGER, at TIMESTAMP, amount REAL, what TEXT)")
    engine.dispose()
    result = run(target, f"sqlite:///{path}")
    assert [d.name for d in result.desired] == ["main_events"]
    assert cols(target, "main_events") == [("id", "int", None), ("at", "timestamp", None),
                                           ("amount", "float", None), ("what", "string", None)]


def test_bad_include_paths_and_refused_connections_are_clear(target, tmp_path) -> None:
    with pytest.raises(SourceError, match=r"include path 'x/%': postgresql paths are database/schema/table"):
        run(target, "postgresql://u@127.0.0.1/x", ["x/%"])
    with pytest.raises(SourceError, match=r"% may stand for a schema or table, never the database"):
        run(target, "postgresql://u@127.0.0.1/x", ["%/a/b"])
    port = free_port()
    with pytest.raises(SourceError, match=rf"cannot connect to postgresql\+psycopg2://u:\*\*\*@127.0.0.1:{port}/x: "
                                          r".*Connection refused") as refused:
        run(target, f"postgresql://u:secret@127.0.0.1:{port}/x")
    assert "secret" not in str(refused.value)
