"""``metahive classify FILE...``: what the crawler would conclude about local files, without a catalog."""

from __future__ import annotations

import dataclasses
import json
import sys

import click
from rich.console import Console
from rich.table import Table

from classifiers import ClassifyOptions, classify, sample_local_file


@click.command("classify")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--sample-bytes", type=click.IntRange(min=64), default=ClassifyOptions.sample_bytes, show_default=True,
              help="Bytes of each file's head to read (after decompression).")
@click.option("--max-records", type=click.IntRange(min=1), default=ClassifyOptions.max_records, show_default=True,
              help="Records parsed for the schema.")
@click.option("--json", "as_json", is_flag=True, help="Print every classification as JSON (one object per line).")
def classify_command(paths: tuple[str, ...], sample_bytes: int, max_records: int, as_json: bool) -> None:
    """Classify local files: format, certainty, schema and how they would be registered.

    Exits with status 1 when some file is UNKNOWN (the reason says what was tried).

    \b
    Example:
      metahive classify data/part-0.parquet logs/app.log.gz --json
    """
    options = ClassifyOptions(sample_bytes=sample_bytes, max_records=max_records)
    out = Console(soft_wrap=True)
    unknown = 0
    for path in paths:
        result = classify(sample_local_file(path, options), options=options)
        unknown += not result.known
        if as_json:
            sys.stdout.write(json.dumps({"file": path, **dataclasses.asdict(result)}) + "\n")
            continue
        records = (f"{result.record_count:,} records" if result.record_count is not None
                   else f"{result.records_sampled:,} records sampled" if result.records_sampled is not None else "")
        out.print(f"[bold]{path}[/]: {result.classification} (certainty {result.certainty:.2f}), compression "
                  f"{result.compression}" + (f", {records}" if records else ""), highlight=False)
        if result.serde:
            out.print(f"  serde {result.serde}", highlight=False)
        if result.columns:
            table = Table("column", "type", "comment", box=None, padding=(0, 2))
            for c in result.columns:
                table.add_row(c.name, c.type, c.comment or "")
            out.print(table)
        out.print(f"  {result.reason}", highlight=False, markup=False)
    if unknown:
        raise SystemExit(1)
