"""SerDe, input and output format class names, and the parameters each registration needs.

Which engine reads which representation is documented in docs/classifiers.md; in short, every
class named here is in the jars PySpark 4 ships (hive-serde, hive-exec, opencsv), except the
OpenX JSON SerDe, which JSON tables carry for Trino/Athena while Spark reads them through its
own JSON source (``spark.sql.sources.provider``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from classifiers.hive_schema import HiveType, spark_schema_json

TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

LAZY_SIMPLE_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
OPEN_CSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
OPENX_JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"

AVRO_SERDE = "org.apache.hadoop.hive.serde2.avro.AvroSerDe"
AVRO_INPUT = "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat"
AVRO_OUTPUT = "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat"

PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

ORC_SERDE = "org.apache.hadoop.hive.ql.io.orc.OrcSerde"
ORC_INPUT = "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat"
ORC_OUTPUT = "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat"

# Spark stores a data-source table's schema in table parameters, split in parts of this size
# (Spark's own default threshold), because metastores limit the length of one parameter value.
SPARK_SCHEMA_PART = 4000


def lazy_simple_parameters(delimiter: str, null_format: str | None = "", encoding: str = "UTF-8",
                           timestamp_formats: Sequence[str] = ()) -> dict[str, str]:
    """LazySimpleSerDe for unquoted delimited text: typed columns, empty fields read as NULL."""
    params = {"field.delim": delimiter, "serialization.format": delimiter}
    if null_format is not None:
        params["serialization.null.format"] = null_format
    if encoding.upper() not in ("UTF-8", "UTF8"):
        params["serialization.encoding"] = encoding
    if timestamp_formats:
        params["timestamp.formats"] = ",".join(timestamp_formats)
    return params


def open_csv_parameters(delimiter: str, quote: str = '"', escape: str = "\\") -> dict[str, str]:
    """OpenCSVSerde for quoted text.  It reads every column as string, whatever the table says."""
    return {"separatorChar": delimiter, "quoteChar": quote, "escapeChar": escape}


def spark_datasource_parameters(provider: str, fields: Sequence[tuple[str, HiveType]]) -> dict[str, str]:
    """Table parameters that make Spark read the files with its own ``provider`` source.

    The schema keeps the original-case names (Spark's JSON and XML readers match field names
    case-sensitively, while the metastore's column names are lower-case).
    """
    schema = spark_schema_json(fields)
    params = {"spark.sql.sources.provider": provider}
    parts = [schema[i:i + SPARK_SCHEMA_PART] for i in range(0, len(schema), SPARK_SCHEMA_PART)]
    params["spark.sql.sources.schema.numParts"] = str(len(parts))
    for i, part in enumerate(parts):
        params[f"spark.sql.sources.schema.part.{i}"] = part
    return params


def avro_parameters(schema: object) -> dict[str, str]:
    return {"avro.schema.literal": json.dumps(schema, separators=(",", ":"))}
