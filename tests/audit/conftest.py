"""Audit fixtures: the handler stack in-process (adapter -> HMS semantics -> store) per backend."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from metastore.hms.service import HiveMetastore
from metastore.store import migrate
from metastore.store.engine import create_engine
from metastore.store.sql_catalog import SqlCatalog
from metastore.warehouse import Warehouse
from metastore.wire.adapter import Session, ThriftHandler
from metastore.wire.encoded import WireEncoder
from metastore.wire.idl import hms

T = hms()
SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"


@dataclass
class Stack:
    url: str
    backend: str
    engine: sa.Engine
    ms: HiveMetastore
    handler: ThriftHandler

    def sql(self, query: str, **params: Any) -> list[tuple]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(query), params)]

    def connect(self, user: str | None = None, address: str = "10.1.2.3:40000") -> Connection:
        """Another client connection with its own thread, as the server serves them; set_ugi if ``user``."""
        conn = Connection(ThreadPoolExecutor(1))
        conn.handler = conn.pool.submit(ThriftHandler, self.ms, Session(address=address)).result()
        if user is not None:
            conn.set_ugi(user, [])
        return conn


class Connection:
    """Calls a ThriftHandler in one dedicated thread (the audit actor is per connection thread)."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self.pool = pool
        self.handler: ThriftHandler | None = None

    @property
    def ms(self) -> HiveMetastore:
        return self.handler.ms

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.handler, name)
        return lambda *args, **kwargs: self.pool.submit(method, *args, **kwargs).result()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def stack(request, make_db_url, tmp_path_factory) -> Stack:
    url = make_db_url(request.param)
    engine = create_engine(url)
    migrate.upgrade(engine)
    catalog = SqlCatalog(engine, WireEncoder())
    ms = HiveMetastore(catalog, Warehouse(tmp_path_factory.mktemp("wh")))
    ms.ensure_default_database()
    stack = Stack(url, request.param, engine, ms, None)  # type: ignore[arg-type]
    stack.handler = stack.connect(user="tester")
    yield stack
    catalog.dispose()
    engine.dispose()


def make_table(db: str, name: str, cols: list[tuple[str, str]], keys: list[tuple[str, str]] = (),
               params: dict[str, str] | None = None) -> Any:
    sd = T.StorageDescriptor(
        cols=[T.FieldSchema(name=n, type=t) for n, t in cols], inputFormat="org.apache.hadoop.mapred.TextInputFormat",
        outputFormat="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        serdeInfo=T.SerDeInfo(serializationLib=SERDE, parameters={}), parameters={},
    )
    return T.Table(tableName=name, dbName=db, sd=sd, partitionKeys=[T.FieldSchema(name=n, type=t) for n, t in keys],
                   parameters=dict(params or {}), tableType="EXTERNAL_TABLE")
