"""Fixtures for the client-contract suite.

Every test gets ``hms``: a connected Thrift client of one client generation against the module's
real server (``server`` is parametrized over the SQLite and PostgreSQL backends in
``tests/conftest.py``), so each test runs four times: backend x generation.

* ``hive2.3``: ``hmsclient`` 0.1.1 (Hive 2.3.3 IDL; the generation Spark 4's built-in client speaks).
* ``hive3``: ``hive-metastore-client`` 1.0.9 (Hive 3.0 IDL, the generation Trino's client speaks;
  installed without its ``thrift==0.13`` pin, see the Makefile), client built by hand.
* ``hive4``: PyIceberg's vendored Hive 4 bindings (``hive_metastore``), client built by hand.

``hms`` also carries builders for that binding's structs (``hms.make_table(...)`` etc.) and helpers
that give every test its own database names, because the server is shared by a whole module.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlparse

import hive_metastore.ttypes as ttypes_h4
import hmsclient.genthrift.hive_metastore.ttypes as ttypes_h23
import pytest
import thrift_files.libraries.thrift_hive_metastore_client.ttypes as ttypes_h3
from hive_metastore import ThriftHiveMetastore as service_h4
from hmsclient import hmsclient
from hmsclient.genthrift.hive_metastore import ThriftHiveMetastore as service_h23
from thrift.protocol import TBinaryProtocol
from thrift.Thrift import TApplicationException, TException, TMessageType
from thrift.transport import TSocket, TTransport
from thrift_files.libraries.thrift_hive_metastore_client import ThriftHiveMetastore as service_h3

from tests.support.server import RunningServer

GENERATIONS = ["hive2.3", "hive3", "hive4"]
BACKENDS = ["sqlite", "postgres"]  # as tests/conftest.py's per-module ``server``
SOCKET_TIMEOUT_MS = 20_000  # a hung server fails the test instead of the whole run

SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat"
OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
DEFAULT_COLS = (("id", "int"),)
DEFAULT_PARTITION_KEYS = (("ds", "string"), ("hr", "int"))

_counter = itertools.count(1)


# ---------------------------------------------------------------------------------------------
# Connections
# ---------------------------------------------------------------------------------------------


def _socket_of(buffered: Any) -> TSocket.TSocket:
    return buffered._TBufferedTransport__trans  # noqa: SLF001 - the only handle hmsclient gives


class HMSClient23(hmsclient.HMSClient):
    """``hmsclient.HMSClient`` with the plain Thrift ``add_partition(new_part)``.

    hmsclient overrides ``add_partition`` with a convenience ``add_partition(table, values)``; the
    contract is about the wire method, so the generated one is restored (every other method is
    hmsclient's own).
    """

    add_partition = service_h23.Client.add_partition


def connect(gen: str, host: str, port: int) -> Any:
    """An open client of generation ``gen``; close it with ``close(client)``."""
    if gen == "hive2.3":
        client = HMSClient23(host=host, port=port)
        _socket_of(client._oprot.trans).setTimeout(SOCKET_TIMEOUT_MS)
        client.open()
        return client
    if gen in ("hive3", "hive4"):
        sock = TSocket.TSocket(host, port)
        sock.setTimeout(SOCKET_TIMEOUT_MS)
        transport = TTransport.TBufferedTransport(sock)
        service = service_h3 if gen == "hive3" else service_h4
        client = service.Client(TBinaryProtocol.TBinaryProtocol(transport))
        transport.open()
        return client
    raise ValueError(gen)


def close(client: Any) -> None:
    client._oprot.trans.close()


def ttypes_of(gen: str) -> ModuleType:
    return {"hive2.3": ttypes_h23, "hive3": ttypes_h3, "hive4": ttypes_h4}[gen]


def raw_call(client: Any, method: str) -> Any:
    """Send ``method`` with an empty argument struct; return the reply's TApplicationException (or None).

    Used for method names a binding doesn't have: the reply must be a Thrift EXCEPTION message.
    """
    oprot, iprot = client._oprot, client._iprot
    oprot.writeMessageBegin(method, TMessageType.CALL, 4242)
    oprot.writeStructBegin(f"{method}_args")
    oprot.writeFieldStop()
    oprot.writeStructEnd()
    oprot.writeMessageEnd()
    oprot.trans.flush()
    name, mtype, seqid = iprot.readMessageBegin()
    assert (name, seqid) == (method, 4242)
    if mtype != TMessageType.EXCEPTION:
        iprot.skip(12)  # TType.STRUCT
        iprot.readMessageEnd()
        return None
    error = TApplicationException()
    error.read(iprot)
    iprot.readMessageEnd()
    return error


# ---------------------------------------------------------------------------------------------
# Struct builders (work with either binding's ttypes module)
# ---------------------------------------------------------------------------------------------


def fields(T: ModuleType, cols: Sequence[tuple[str, str]] | None) -> list[Any]:
    return [T.FieldSchema(name=n, type=t, comment=None) for n, t in (cols or [])]


def make_sd(T: ModuleType, cols: Sequence[tuple[str, str]] | None = DEFAULT_COLS, location: str | None = None) -> Any:
    return T.StorageDescriptor(
        cols=fields(T, cols), location=location, inputFormat=INPUT_FORMAT, outputFormat=OUTPUT_FORMAT,
        compressed=False, numBuckets=-1,
        serdeInfo=T.SerDeInfo(name=None, serializationLib=SERDE, parameters={"serialization.format": "1"}),
        bucketCols=[], sortCols=[], parameters={},
    )


def make_database(T: ModuleType, name: str, location: str | None = None, description: str | None = None,
                  params: dict[str, str] | None = None) -> Any:
    return T.Database(name=name, description=description, locationUri=location,
                      parameters=dict(params) if params is not None else {}, ownerName="tester", ownerType=1)


def make_table(T: ModuleType, db: str, name: str, cols: Sequence[tuple[str, str]] | None = DEFAULT_COLS,
               partition_keys: Sequence[tuple[str, str]] | None = DEFAULT_PARTITION_KEYS,
               location: str | None = None, table_type: str | None = None,
               params: dict[str, str] | None = None, view_text: str | None = None) -> Any:
    """A table definition as a client sends it; a view gets ``viewOriginalText``/``viewExpandedText``."""
    return T.Table(
        tableName=name, dbName=db, owner="tester", createTime=0, lastAccessTime=0, retention=0,
        sd=make_sd(T, cols, location), partitionKeys=fields(T, partition_keys),
        parameters=dict(params) if params is not None else {},
        viewOriginalText=view_text, viewExpandedText=view_text, tableType=table_type,
    )


def make_view(T: ModuleType, db: str, name: str, text: str = "SELECT 1") -> Any:
    view = make_table(T, db, name, partition_keys=[], table_type="VIRTUAL_VIEW", view_text=text)
    view.sd.location = None
    return view


def make_partition(T: ModuleType, db: str, table: str, values: Sequence[str], sd: Any = None,
                   location: str | None = None, params: dict[str, str] | None = None) -> Any:
    """A partition as a client sends it: the table's sd (copied) with ``location`` (None = default)."""
    sd = copy.deepcopy(sd) if sd is not None else make_sd(T)
    sd.location = location
    return T.Partition(values=list(values), dbName=db, tableName=table, createTime=0, lastAccessTime=0,
                       sd=sd, parameters=dict(params) if params is not None else {})


# ---------------------------------------------------------------------------------------------
# Filesystem helpers
# ---------------------------------------------------------------------------------------------


def path_of(location: str) -> Path:
    """The local path of a ``file:`` location (or absolute path)."""
    if location.startswith("/"):
        return Path(location)
    parsed = urlparse(location)
    assert parsed.scheme == "file", location
    return Path(unquote(parsed.path))


def warehouse_uri(server: RunningServer) -> str:
    return "file:" + str(Path(server.warehouse).resolve())


# ---------------------------------------------------------------------------------------------
# The fixture
# ---------------------------------------------------------------------------------------------


@dataclass
class HMS:
    client: Any
    T: ModuleType
    gen: str
    server: RunningServer
    prefix: str
    _extra: list[Any] = field(default_factory=list)

    # -- names ----------------------------------------------------------------------------------

    def unique(self, label: str = "") -> str:
        """A fresh, valid, lowercase name unique in the whole session."""
        return f"{self.prefix}_{next(_counter)}" + (f"_{label}" if label else "")

    # -- connections ----------------------------------------------------------------------------

    def connect(self) -> Any:
        """Another connection of the same generation, closed at teardown."""
        client = connect(self.gen, self.server.host, self.server.port)
        self._extra.append(client)
        return client

    @contextmanager
    def connection(self) -> Iterator[Any]:
        client = connect(self.gen, self.server.host, self.server.port)
        try:
            yield client
        finally:
            close(client)

    def raw_call(self, method: str, client: Any = None) -> Any:
        return raw_call(client or self.client, method)

    # -- builders bound to this binding ---------------------------------------------------------

    def make_database(self, name: str, **kw: Any) -> Any:
        return make_database(self.T, name, **kw)

    def make_table(self, db: str, name: str, **kw: Any) -> Any:
        return make_table(self.T, db, name, **kw)

    def make_view(self, db: str, name: str, **kw: Any) -> Any:
        return make_view(self.T, db, name, **kw)

    def make_partition(self, db: str, table: str, values: Sequence[str], **kw: Any) -> Any:
        return make_partition(self.T, db, table, values, **kw)

    def env(self, **props: str) -> Any:
        return self.T.EnvironmentContext(properties=dict(props))

    # -- shortcuts ------------------------------------------------------------------------------

    def new_db(self, label: str = "", **kw: Any) -> str:
        """Create a database with a unique name and return the name."""
        name = self.unique(label)
        self.client.create_database(self.make_database(name, **kw))
        return name

    def new_table(self, db: str, name: str, **kw: Any) -> Any:
        """Create a table and return it as the server stores it."""
        self.client.create_table(self.make_table(db, name, **kw))
        return self.client.get_table(db, name)

    @property
    def warehouse_uri(self) -> str:
        return warehouse_uri(self.server)


@pytest.fixture(scope="session", params=BACKENDS)
def server(request: pytest.FixtureRequest, make_server: Any) -> RunningServer:
    """One server per backend for the whole contract suite (overrides the per-module one).

    Every test works in databases with session-unique names, so sharing is safe, and it saves a
    server start per module and backend.
    """
    return make_server(request.param)


def _prefix(node_name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", node_name.lower()).strip("_")
    return base.removeprefix("test_")[:60].strip("_") or "t"


@pytest.fixture(params=GENERATIONS)
def hms(request: pytest.FixtureRequest, server: RunningServer) -> Iterator[HMS]:
    gen = request.param
    client = connect(gen, server.host, server.port)
    handle = HMS(client, ttypes_of(gen), gen, server, _prefix(request.node.name))
    try:
        yield handle
    finally:
        for extra in [client, *handle._extra]:
            try:
                close(extra)
            except Exception:  # noqa: BLE001 - closing an already broken connection
                pass


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Iterator[Any]:
    """Report unexpected Thrift exceptions readably.

    The Hive 4 bindings generate immutable exceptions; pytest's own context managers then fail with
    "can't modify immutable instance" while unwinding, hiding the real error.
    """
    try:
        return (yield)
    except TException as e:
        try:
            e.__traceback__ = e.__traceback__
        except TypeError:
            raise AssertionError(f"unexpected {type(e).__module__}.{type(e).__name__}: {e!r}") from None
        raise
