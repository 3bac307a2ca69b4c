"""add_partitions works once per storage-descriptor shape: the shortcuts must give the per-partition results.

``PartitionReader`` shares the converted parts of equal descriptors; ``dump_sds``,
``WireEncoder.partition_bodies`` and ``partition_docs`` encode one shape once and splice locations in.
"""

from __future__ import annotations

import copy

from metastore import model
from metastore.audit.definitions import dumps, partition_doc, partition_docs
from metastore.store import codec
from metastore.wire.convert import PartitionReader, from_thrift
from metastore.wire.encoded import WireEncoder
from metastore.wire.idl import hms

T = hms()


def _sd(location: str | None = None, serde_format: str = "1", ncols: int = 3) -> object:
    cols = [T.FieldSchema(name=f"c{i}", type="int", comment=None) for i in range(ncols)]
    return T.StorageDescriptor(
        cols=cols, location=location, inputFormat="in", outputFormat="out", compressed=False, numBuckets=-1,
        serdeInfo=T.SerDeInfo(serializationLib="lib", parameters={"serialization.format": serde_format}),
        bucketCols=[], sortCols=[], parameters={"k": "v"},
    )


def _thrift_parts() -> list[object]:
    sds = [_sd(), _sd(), _sd("file:/w/t/ds=3"), _sd(serde_format="2"), _sd(serde_format="2"), _sd(ncols=4),
           _sd(location="s3a://b/t/ds=7"), None]
    return [T.Partition(values=[f"{i}"], dbName="d", tableName="t", sd=copy.deepcopy(sd), parameters={"p": str(i)})
            for i, sd in enumerate(sds)]


def _prepared() -> list[model.Partition]:
    parts = PartitionReader().partition
    result = []
    for i, p in enumerate(_thrift_parts()):
        part = parts(p)
        if part.sd is None:
            part.sd = model.StorageDescriptor()
        if part.sd.location is None:
            part.sd.location = f"file:/w/t/ds={i}"
        result.append(part)
    return result


def test_reader_shares_equal_descriptors_and_converts_like_from_thrift():
    thrift = _thrift_parts()
    parts = [PartitionReader().partition(p) for p in copy.deepcopy(thrift)]  # one reader per part: no sharing
    read = PartitionReader().partition
    shared = [read(p) for p in thrift]
    for alone, one, t in zip(parts, shared, thrift, strict=True):
        assert one == alone
        expected = from_thrift(t, model.Partition)
        if t.sd is None:
            assert one.sd is None
        else:
            assert one == expected
    assert shared[1].sd.serde_info is shared[0].sd.serde_info and shared[2].sd.cols is shared[0].sd.cols
    assert shared[2].sd.location == "file:/w/t/ds=3" and shared[0].sd.location is None
    assert shared[3].sd.serde_info is not shared[2].sd.serde_info  # a different SerDe parameter
    assert shared[5].sd.cols is not shared[4].sd.cols  # a different column list


def test_batch_encodings_equal_the_per_partition_ones():
    parts = _prepared()
    assert codec.dump_sds([p.sd for p in parts]) == [codec.dump_sd(p.sd) for p in parts]
    encoder = WireEncoder()
    assert encoder.partition_bodies(parts) == [encoder.partition_body(p) for p in parts]
    flags = [(p, i % 2 == 0) for i, p in enumerate(parts)]
    assert dumps(partition_docs(flags)) == dumps([partition_doc(p, same) for p, same in flags])


def test_dump_sds_falls_back_when_a_value_holds_the_location_marker():
    parts = _prepared()
    assert parts[1].sd.parameters is parts[0].sd.parameters
    parts[0].sd.parameters["odd"] = "\x00location\x00"  # in the shape partitions 0-2 share
    assert codec.dump_sds([p.sd for p in parts]) == [codec.dump_sd(p.sd) for p in parts]
