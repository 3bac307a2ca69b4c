"""Cost of the bounded message reader (metastore/wire/limits.py) next to thriftpy2's decode of the same request.

    .venv/bin/python bench/wire_scan_bench.py

Every request is walked once by MessageReader before the Cython decoder reads it from memory; this
prints both times per request shape, so the price of the guard is known.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from thriftpy2.protocol.cybin import TCyBinaryProtocol  # noqa: E402
from thriftpy2.transport.memory import TCyMemoryBuffer  # noqa: E402

from metastore.wire.idl import hms  # noqa: E402
from metastore.wire.limits import MessageReader, WireLimits  # noqa: E402


class Source:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def recv(self, n: int, timeout: float | None) -> bytes:
        piece = self.data[self.pos:self.pos + min(n, 256 * 1024)]
        self.pos += len(piece)
        return piece


def encode(method: str, args: object) -> bytes:
    buf = TCyMemoryBuffer()
    proto = TCyBinaryProtocol(buf)
    proto.write_message_begin(method, 1, 1)
    proto.write_struct(args)
    buf.flush()
    return buf.getvalue()


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    t, svc = hms(), hms().ThriftHiveMetastore
    cols = [t.FieldSchema(name=f"col_{i}", type="string", comment=None) for i in range(20)]

    def partition(i: int):
        sd = t.StorageDescriptor(cols=cols, location=f"file:/wh/db.db/t/ds={i}", inputFormat="in.Format",
                                 outputFormat="out.Format", serdeInfo=t.SerDeInfo(serializationLib="lib", parameters={
                                     "serialization.format": "1"}), bucketCols=[], sortCols=[], parameters={})
        return t.Partition(values=[str(i)], dbName="db", tableName="t", sd=sd, parameters={"k": "v"})

    requests = {
        "get_table": encode("get_table", svc.get_table_args(dbname="db", tbl_name="t")),
        "get_partitions_by_names 100k names": encode("get_partitions_by_names", svc.get_partitions_by_names_args(
            db_name="db", tbl_name="t", names=[f"ds=2024-01-01/hr={i:06d}" for i in range(100_000)])),
        "add_partitions 1000 x 20 cols": encode("add_partitions", svc.add_partitions_args(
            new_parts=[partition(i) for i in range(1000)])),
    }
    limits = WireLimits(max_message_size=100 * 1024 * 1024)
    print(f"{'request':38} {'bytes':>10} {'scan ms':>9} {'decode ms':>10}")
    for label, data in requests.items():
        name = label.split()[0]
        args_cls = getattr(svc, name + "_args")

        def scan(data: bytes = data) -> None:
            MessageReader(Source(data), limits).next_message()

        def decode(data: bytes = data, args_cls=args_cls) -> None:
            proto = TCyBinaryProtocol(TCyMemoryBuffer(data), strict_read=False)
            proto.read_message_begin()
            proto.read_struct(args_cls())

        repeat = 2000 if name == "get_table" else 5
        scan_s = best_of(lambda repeat=repeat: [scan() for _ in range(repeat)], 3)
        decode_s = best_of(lambda repeat=repeat: [decode() for _ in range(repeat)], 3)
        print(f"{label:38} {len(data):>10} {scan_s / repeat * 1000:>9.3f} {decode_s / repeat * 1000:>10.3f}")


if __name__ == "__main__":
    main()
