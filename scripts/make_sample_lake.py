"""Write the small sample lake `make run` crawls into the `samples` database (samples/lake/).

    python scripts/make_sample_lake.py            # (re)write samples/lake
    python scripts/make_sample_lake.py --check    # exit 1 if the committed files differ from what this writes

Deterministic: fixed rows, no timestamps in file contents, so the committed files are reproducible.
Layout, chosen to show what a crawler does with folders:

    sales/orders/dt=2024-01-0{1,2,3}/part-0.csv    CSV with a header, Hive-style partitions
    sales/customers/customers.jsonl                JSON lines, one unpartitioned table
    web/clicks/year=2024/month={01,02}/part-0.parquet   Parquet, two partition keys
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAKE = ROOT / "samples" / "lake"


def files() -> dict[str, bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out: dict[str, bytes] = {}
    for day in (1, 2, 3):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["order_id", "customer_id", "amount", "currency"])
        for i in range(5):
            writer.writerow([day * 100 + i, 1 + (day + i) % 4, f"{(day * 7 + i * 3) % 50 + 0.99:.2f}", "EUR"])
        out[f"sales/orders/dt=2024-01-0{day}/part-0.csv"] = buf.getvalue().encode()
    customers = [{"customer_id": i, "name": name, "country": country}
                 for i, (name, country) in enumerate([("Ada", "GB"), ("Grace", "US"), ("Linus", "FI"),
                                                      ("Margaret", "US")], start=1)]
    out["sales/customers/customers.jsonl"] = "".join(json.dumps(c) + "\n" for c in customers).encode()
    for month in (1, 2):
        table = pa.table({
            "session_id": pa.array([f"s{month}{i:02d}" for i in range(6)]),
            "url": pa.array([f"/products/{i % 3}" for i in range(6)]),
            "duration_ms": pa.array([120 * (i + month) for i in range(6)], pa.int64()),
        })
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="snappy")
        out[f"web/clicks/year=2024/month={month:02d}/part-0.parquet"] = sink.getvalue().to_pybytes()
    return out


def _same(path: Path, data: bytes) -> bool:
    """Byte-equal; Parquet by content (the writer stamps its own version into the footer)."""
    if not path.exists():
        return False
    if path.suffix != ".parquet":
        return path.read_bytes() == data
    import pyarrow as pa
    import pyarrow.parquet as pq

    # No reader threads: Arrow's pool threads can abort the interpreter at exit (apache/arrow#34314).
    return pq.read_table(path, use_threads=False).equals(pq.read_table(pa.BufferReader(data), use_threads=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    wanted = files()
    if args.check:
        stale = [name for name, data in wanted.items() if not _same(LAKE / name, data)]
        if stale:
            print(f"samples/lake differs from scripts/make_sample_lake.py: {', '.join(stale)}", file=sys.stderr)
            return 1
        return 0
    for name, data in wanted.items():
        (LAKE / name).parent.mkdir(parents=True, exist_ok=True)
        (LAKE / name).write_bytes(data)
    print(f"wrote {len(wanted)} files under {LAKE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: Arrow's thread pools abort it now and then ("terminate called without an
    # active exception", exit -6, apache/arrow#34314) after all the work is done, failing a good run.
    os._exit(code)
