"""Real Thrift clients for the reliability tests: plain, TLS (TSSLSocket) and SASL PLAIN (thrift-sasl)."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import Any

import hive_metastore.ttypes as T  # noqa: N812 - the Hive 4 bindings, as PyIceberg ships them
from hive_metastore import ThriftHiveMetastore
from puresasl.client import SASLClient
from thrift.protocol import TBinaryProtocol
from thrift.transport import TSocket, TSSLSocket, TTransport
from thrift_sasl import TSaslClientTransport

TIMEOUT_MS = 20_000


class PureSaslAdapter:
    """pure-sasl behind the interface thrift-sasl expects (that of the C ``sasl`` module)."""

    def __init__(self, host: str, user: str, password: str) -> None:
        self._client = SASLClient(host, "hive", mechanism="PLAIN", username=user, password=password)
        self._error = ""

    def start(self, mechanism: str) -> tuple[bool, str, bytes]:
        return True, mechanism, self._client.process()

    def step(self, challenge: bytes) -> tuple[bool, bytes]:
        return True, self._client.process(challenge)

    def encode(self, data: bytes) -> tuple[bool, bytes]:
        return True, self._client.wrap(data)

    def decode(self, data: bytes) -> tuple[bool, bytes]:
        return True, self._client.unwrap(data)

    def getError(self) -> str:  # noqa: N802 - the sasl module's name
        return self._error


def connect(host: str, port: int, *, ca_file: Path | None = None, user: str | None = None,
            password: str | None = None, timeout_ms: int = TIMEOUT_MS) -> Any:
    """An open Hive 4 client; TLS when ``ca_file`` is given (server verified), SASL PLAIN with ``user``."""
    if ca_file is not None:
        sock: Any = TSSLSocket.TSSLSocket(host, port, ca_certs=str(ca_file), cert_reqs=ssl.CERT_REQUIRED)
    else:
        sock = TSocket.TSocket(host, port)
    sock.setTimeout(timeout_ms)
    if user is not None:
        transport: Any = TSaslClientTransport(lambda: PureSaslAdapter(host, user, password or ""), "PLAIN", sock)
    else:
        transport = TTransport.TBufferedTransport(sock)
    client = ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocol(transport))
    transport.open()
    client.transport = transport
    return client


def close(client: Any) -> None:
    client.transport.close()


def make_certificates(folder: Path, host: str = "127.0.0.1") -> dict[str, Path]:
    """A self-signed CA and a server certificate for ``host`` it signed, with the ``openssl`` CLI."""
    p = {name: folder / name for name in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem", "ext.cnf")}

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(p["ca.key"]), "-out", str(p["ca.pem"]),
        "-days", "2", "-subj", "/CN=metahive test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(p["server.key"]), "-out", str(p["server.csr"]),
        "-subj", f"/CN={host}")
    p["ext.cnf"].write_text(f"subjectAltName=IP:{host},DNS:localhost\n")
    run("x509", "-req", "-in", str(p["server.csr"]), "-CA", str(p["ca.pem"]), "-CAkey", str(p["ca.key"]),
        "-CAcreateserial", "-out", str(p["server.pem"]), "-days", "2", "-extfile", str(p["ext.cnf"]))
    return p


def database(name: str, location: str | None = None) -> Any:
    return T.Database(name=name, description=None, locationUri=location, parameters={}, ownerName="t", ownerType=1)


def table(db: str, name: str, *, location: str | None = None, table_type: str | None = None,
          params: dict[str, str] | None = None, partition_keys: tuple[str, ...] = ("ds",)) -> Any:
    sd = T.StorageDescriptor(
        cols=[T.FieldSchema(name="id", type="int", comment=None)], location=location,
        inputFormat="org.apache.hadoop.mapred.TextInputFormat",
        outputFormat="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat", compressed=False, numBuckets=-1,
        serdeInfo=T.SerDeInfo(name=None, serializationLib="org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              parameters={}),
        bucketCols=[], sortCols=[], parameters={})
    return T.Table(tableName=name, dbName=db, owner="t", createTime=0, lastAccessTime=0, retention=0, sd=sd,
                   partitionKeys=[T.FieldSchema(name=k, type="string", comment=None) for k in partition_keys],
                   parameters=dict(params or {}), tableType=table_type)


def partition(db: str, tbl: str, values: list[str], sd: Any) -> Any:
    return T.Partition(values=values, dbName=db, tableName=tbl, createTime=0, lastAccessTime=0, sd=sd, parameters={})
