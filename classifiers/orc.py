"""ORC: schema and row count from the file tail (postscript, footer), via ranged reads."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.orc as po

from classifiers import serdes
from classifiers.api import Classification, ClassifyOptions, Sample, unknown
from classifiers.arrow_schema import columns
from classifiers.footer import RangeFile, can_read_tail

MAGIC = b"ORC"


class OrcClassifier:
    name = "orc"

    def classify(self, sample: Sample, options: ClassifyOptions) -> Classification:
        if sample.head[:3] != MAGIC:
            return unknown("orc: no ORC magic at the start")
        problem = can_read_tail(sample)
        if problem:
            return unknown(f"orc: {problem}; the schema is in the file tail")
        source = RangeFile(sample, options.max_footer_bytes)
        try:
            reader = po.ORCFile(pa.PythonFile(source, mode="r"))
            schema, rows, codec = reader.schema, reader.nrows, reader.compression
        except (OSError, pa.ArrowException, ValueError) as exc:
            return unknown(f"orc: the file tail cannot be read ({exc})")
        return Classification(
            classification="orc", certainty=1.0, columns=columns(schema),
            serde=serdes.ORC_SERDE, input_format=serdes.ORC_INPUT, output_format=serdes.ORC_OUTPUT,
            serde_parameters={"serialization.format": "1"},
            table_parameters={"classification": "orc", "typeOfData": "file"},
            record_count=rows, records_sampled=0,
            average_record_size=(sample.size or 0) // rows if rows else 0,
            classifier=self.name,
            reason=f"ORC tail: {rows} rows, {len(schema)} columns, codec {codec}, "
                   f"writer {reader.software_version}",
        )
