"""Classifier micro-benchmark: files/s and bytes read per file, per format.

Writes one file per format with real writers (tests/classifiers/datagen.py's writers and codecs),
then classifies it ``--runs`` times from disk (``sample_local_file`` + ``classify``, the crawler's
per-file work) and prints a table (wall-clock median, CPU-time median: on a shared machine
the CPU time is the steadier number); the numbers also go to bench/results/classifier_bench.json.
Run: ``make bench-classify`` (or ``.venv/bin/python bench/classifier_bench.py --rows 20000``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's classifiers and test data writers

import csv  # noqa: E402

import fastavro  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.orc as po  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from lxml import etree  # noqa: E402

from classifiers import classify, sample_local_file  # noqa: E402
from tests.classifiers import datagen  # noqa: E402


def rows(n: int) -> list[dict]:
    base = dt.date(2020, 1, 1)
    return [{"id": i, "name": f"user{i}", "score": i * 0.25, "day": (base + dt.timedelta(days=i % 1000)).isoformat(),
             "active": i % 3 == 0, "city": ("Paris", "Rome", "Oslo")[i % 3]} for i in range(n)]


def write_csv(path: Path, data: list[dict]) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(data[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(data)
    return path


def write_json(path: Path, data: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in data))
    return path


def write_json_array(path: Path, data: list[dict]) -> Path:
    path.write_text(json.dumps(data, indent=2))
    return path


def write_xml(path: Path, data: list[dict]) -> Path:
    root = etree.Element("rows")
    for r in data:
        row = etree.SubElement(root, "row", id=str(r["id"]))
        for k in ("name", "score", "day", "city"):
            etree.SubElement(row, k).text = str(r[k])
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


def write_avro(path: Path, data: list[dict]) -> Path:
    schema = {"type": "record", "name": "Row", "fields": [
        {"name": "id", "type": "long"}, {"name": "name", "type": "string"}, {"name": "score", "type": "double"},
        {"name": "day", "type": "string"}, {"name": "active", "type": "boolean"}, {"name": "city", "type": "string"}]}
    with open(path, "wb") as f:
        fastavro.writer(f, fastavro.parse_schema(schema), data, codec="deflate")
    return path


def arrow(n: int) -> pa.Table:
    return pa.table({"id": pa.array(range(n), pa.int64()), "name": [f"user{i}" for i in range(n)],
                     "score": pa.array([i * 0.25 for i in range(n)]), "city": [("Paris", "Rome", "Oslo")[i % 3]
                                                                              for i in range(n)]})


def compressed(writer: Callable[[Path, list[dict]], Path], codec: str) -> Callable[[Path, list[dict]], Path]:
    def write(path: Path, data: list[dict]) -> Path:
        plain = writer(path.with_name(path.name + ".plain"), data)
        path.write_bytes(datagen.compress(plain.read_bytes(), codec))
        plain.unlink()
        return path
    return write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows in each text/Avro file")
    parser.add_argument("--columnar-rows", type=int, default=1_000_000, help="rows in the Parquet/ORC files")
    parser.add_argument("--runs", type=int, default=30, help="classifications per file")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "classifier_bench.json")
    args = parser.parse_args()

    data = rows(args.rows)
    table = arrow(args.columnar_rows)
    cases: list[tuple[str, str, Callable[[Path], Path]]] = [
        ("csv", "data.csv", lambda p: write_csv(p, data)),
        ("csv gzip", "data.csv.gz", lambda p: compressed(write_csv, "gzip")(p, data)),
        ("csv zstd", "data.csv.zst", lambda p: compressed(write_csv, "zstd")(p, data)),
        ("csv snappy", "data.csv.snappy", lambda p: compressed(write_csv, "snappy")(p, data)),
        ("json lines", "data.json", lambda p: write_json(p, data)),
        ("json array", "data-array.json", lambda p: write_json_array(p, data)),
        ("xml", "data.xml", lambda p: write_xml(p, data)),
        ("avro", "data.avro", lambda p: write_avro(p, data)),
        ("parquet", "data.parquet", lambda p: (pq.write_table(table, p), p)[1]),
        ("orc", "data.orc", lambda p: (po.write_table(table, p), p)[1]),
    ]
    results = []
    with tempfile.TemporaryDirectory(prefix="classifier-bench-") as tmp:
        for label, filename, write in cases:
            path = write(Path(tmp) / filename)
            size = path.stat().st_size
            times, cpu, reads = [], [], []
            result = None
            for _ in range(args.runs):
                t0, c0 = time.perf_counter(), time.process_time()
                sample = sample_local_file(path)
                result = classify(sample)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
                reads.append(len(sample.head) + sample.read_range.bytes_read)
            assert result is not None and result.known, (label, result.reason if result else None)
            median = statistics.median(times)
            results.append({"format": label, "classification": result.classification, "file_bytes": size,
                            "bytes_read_per_file": int(statistics.mean(reads)), "median_ms": round(median * 1000, 2),
                            "median_cpu_ms": round(statistics.median(cpu) * 1000, 2),
                            "files_per_s": round(1 / median, 1), "records_sampled": result.records_sampled,
                            "columns": len(result.columns)})
    header = (f"{'format':<12} {'file size':>12} {'bytes read':>11} {'read %':>7} {'ms/file':>8} "
              f"{'cpu ms':>7} {'files/s':>8}")
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r['format']:<12} {r['file_bytes']:>12,} {r['bytes_read_per_file']:>11,} "
              f"{100 * r['bytes_read_per_file'] / r['file_bytes']:>6.1f}% {r['median_ms']:>8.2f} "
              f"{r['median_cpu_ms']:>7.2f} {r['files_per_s']:>8.1f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                                    "machine": platform.platform(), "python": platform.python_version(),
                                    "rows": args.rows, "columnar_rows": args.columnar_rows, "runs": args.runs,
                                    "results": results}, indent=2))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
