"""Encode/decode cost of a get_partitions reply (10k partitions x 20 columns): thriftpy2 vs Apache thrift.

Decides the Thrift library the server uses (docs/architecture.md). Run: ``.venv/bin/python bench/thrift_codec.py``.
"""

from __future__ import annotations

import statistics
import time

from hive_metastore import ttypes as apache  # PyIceberg's Apache-thrift generated Hive 4 bindings
from thrift.protocol import TBinaryProtocol
from thrift.transport import TTransport
from thriftpy2.protocol import TCyBinaryProtocolFactory
from thriftpy2.protocol.binary import TBinaryProtocolFactory
from thriftpy2.transport import TMemoryBuffer
from thriftpy2.transport.memory import TCyMemoryBuffer

from metastore.wire.idl import hms

N_PARTS, N_COLS, RUNS = 10_000, 20, 5


def partitions(mod) -> list:  # noqa: ANN001
    cols = [mod.FieldSchema(name=f"c{i}", type="string", comment=None) for i in range(N_COLS)]
    serde = mod.SerDeInfo(name=None, serializationLib="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                          parameters={"serialization.format": "1"})
    out = []
    for i in range(N_PARTS):
        sd = mod.StorageDescriptor(cols=cols, location=f"file:/wh/db.db/t/ds=2024-01-{i // 24:04d}/hr={i % 24}",
                                   inputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                                   outputFormat="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                                   compressed=False, numBuckets=-1, serdeInfo=serde, bucketCols=[], sortCols=[],
                                   parameters={})
        out.append(mod.Partition(values=[f"2024-01-{i // 24:04d}", str(i % 24)], dbName="db", tableName="t",
                                 createTime=1700000000, lastAccessTime=0, sd=sd,
                                 parameters={"transient_lastDdlTime": "1700000000"}))
    return out


def timed(fn) -> float:  # noqa: ANN001
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def thriftpy2_case(factory, buffer_cls) -> tuple[float, float, int]:  # noqa: ANN001
    m = hms()
    result = m.ThriftHiveMetastore.get_partitions_result(success=partitions(m))

    def encode() -> bytes:
        buf = buffer_cls()
        factory.get_protocol(buf).write_struct(result)
        return buf.getvalue()

    data = encode()

    def decode() -> None:
        factory.get_protocol(buffer_cls(data)).read_struct(m.ThriftHiveMetastore.get_partitions_result())

    return timed(encode), timed(decode), len(data)


def apache_case() -> tuple[float, float, int]:
    from hive_metastore import ThriftHiveMetastore as svc

    result = svc.get_partitions_result(success=partitions(apache))
    factory = TBinaryProtocol.TBinaryProtocolAcceleratedFactory()

    def encode() -> bytes:
        buf = TTransport.TMemoryBuffer()
        result.write(factory.getProtocol(buf))
        return buf.getvalue()

    data = encode()

    def decode() -> None:
        svc.get_partitions_result().read(factory.getProtocol(TTransport.TMemoryBuffer(data)))

    return timed(encode), timed(decode), len(data)


if __name__ == "__main__":
    rows = [
        ("thriftpy2 (Cython binary)", thriftpy2_case(TCyBinaryProtocolFactory(), TCyMemoryBuffer)),
        ("thriftpy2 (pure Python)", thriftpy2_case(TBinaryProtocolFactory(), TMemoryBuffer)),
        ("Apache thrift (fastbinary C ext)", apache_case()),
    ]
    print(f"get_partitions reply: {N_PARTS} partitions x {N_COLS} columns, median of {RUNS} runs")
    print(f"{'library':36} {'encode ms':>10} {'decode ms':>10} {'bytes':>10}")
    for name, (enc, dec, size) in rows:
        print(f"{name:36} {enc:10.1f} {dec:10.1f} {size:10d}")
