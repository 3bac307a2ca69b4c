"""Registering a Classification in a real metastore through a Thrift client (what the crawler does)."""

from __future__ import annotations

from hmsclient.genthrift.hive_metastore.ttypes import FieldSchema, SerDeInfo, StorageDescriptor, Table

from classifiers import Classification


def thrift_table(db: str, name: str, location: str, c: Classification) -> Table:
    sd = StorageDescriptor(
        cols=[FieldSchema(name=col.name, type=col.type, comment=col.comment) for col in c.columns],
        location=location, inputFormat=c.input_format, outputFormat=c.output_format, compressed=False,
        numBuckets=-1, serdeInfo=SerDeInfo(name=name, serializationLib=c.serde,
                                           parameters=c.serde_parameters_at(location)),
        bucketCols=[], sortCols=[], parameters={}, storedAsSubDirectories=False)
    return Table(tableName=name, dbName=db, owner="classifier-tests", sd=sd, partitionKeys=[],
                 parameters={**c.table_parameters, "EXTERNAL": "TRUE"}, tableType="EXTERNAL_TABLE")
