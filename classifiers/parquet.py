"""Parquet: schema and row count from the footer, read with ranged reads of the file's tail."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from classifiers import serdes
from classifiers.api import Classification, ClassifyOptions, Sample, unknown
from classifiers.arrow_schema import columns
from classifiers.footer import RangeFile, can_read_tail

MAGIC = b"PAR1"


class ParquetClassifier:
    name = "parquet"

    def classify(self, sample: Sample, options: ClassifyOptions) -> Classification:
        if sample.head[:4] != MAGIC:
            return unknown("parquet: no PAR1 magic at the start")
        problem = can_read_tail(sample)
        if problem:
            return unknown(f"parquet: {problem}; the schema is in the footer")
        source = RangeFile(sample, options.max_footer_bytes)
        try:
            metadata = pq.ParquetFile(pa.PythonFile(source, mode="r")).metadata
            schema = metadata.schema.to_arrow_schema()
        except (OSError, pa.ArrowException, ValueError) as exc:
            return unknown(f"parquet: the footer cannot be read ({exc})")
        rows = metadata.num_rows
        codecs = sorted({metadata.row_group(i).column(j).compression
                         for i in range(min(metadata.num_row_groups, 1))
                         for j in range(metadata.num_columns)})
        return Classification(
            classification="parquet", certainty=1.0, columns=columns(schema),
            serde=serdes.PARQUET_SERDE, input_format=serdes.PARQUET_INPUT,
            output_format=serdes.PARQUET_OUTPUT,
            serde_parameters={"serialization.format": "1"},
            table_parameters={"classification": "parquet", "typeOfData": "file"},
            record_count=rows, records_sampled=0,
            average_record_size=(sample.size or 0) // rows if rows else 0,
            classifier=self.name,
            reason=(f"Parquet footer: {rows} rows in {metadata.num_row_groups} row groups, "
                    f"{metadata.num_columns} leaf columns, codecs {','.join(codecs) or 'none'}, "
                    f"written by {metadata.created_by or 'unknown'}"),
        )
