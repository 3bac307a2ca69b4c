"""Column statistics contract: every ColumnStatisticsData kind round-trips through every client
generation; partition statistics, aggregation and merging; deletes; statistics following renames
and drops of tables, partitions and columns; the errors clients get for bad requests."""

from __future__ import annotations

import pytest

# (column, Hive type, kind, data); timestamp statistics exist only in Hive 4's IDL.
KIND_COLUMNS = [
    ("b", "boolean", "booleanStats", "BooleanColumnStatsData", dict(numTrues=7, numFalses=3, numNulls=1)),
    ("l", "bigint", "longStats", "LongColumnStatsData", dict(lowValue=-5, highValue=2**40, numNulls=0, numDVs=9)),
    ("d", "double", "doubleStats", "DoubleColumnStatsData", dict(lowValue=-1.5, highValue=3.25, numNulls=2, numDVs=4)),
    ("s", "string", "stringStats", "StringColumnStatsData", dict(maxColLen=12, avgColLen=4.5, numNulls=3, numDVs=6)),
    ("bin", "binary", "binaryStats", "BinaryColumnStatsData", dict(maxColLen=64, avgColLen=10.0, numNulls=0)),
    ("dec", "decimal(10,2)", "decimalStats", "DecimalColumnStatsData", dict(numNulls=1, numDVs=2)),
    ("dt", "date", "dateStats", "DateColumnStatsData", dict(numNulls=0, numDVs=31)),
    ("ts", "timestamp", "timestampStats", "TimestampColumnStatsData", dict(numNulls=5, numDVs=100)),
]


def kinds(hms):
    return [k for k in KIND_COLUMNS if hasattr(hms.T, k[3])]


def stats_obj(hms, col, col_type, kind, cls, data):
    T = hms.T
    data = dict(data)
    if kind == "decimalStats":
        data.update(lowValue=T.Decimal(unscaled=(-12345).to_bytes(2, "big", signed=True), scale=2),
                    highValue=T.Decimal(unscaled=(99999).to_bytes(3, "big", signed=True), scale=2))
    elif kind == "dateStats":
        data.update(lowValue=T.Date(daysSinceEpoch=19000), highValue=T.Date(daysSinceEpoch=19030))
    elif kind == "timestampStats":
        data.update(lowValue=T.Timestamp(secondsSinceEpoch=1_700_000_000),
                    highValue=T.Timestamp(secondsSinceEpoch=1_800_000_000))
    return T.ColumnStatisticsObj(colName=col, colType=col_type,
                                 statsData=T.ColumnStatisticsData(**{kind: getattr(T, cls)(**data)}))


def long_obj(hms, col="l", low=1, high=10, nulls=0, dvs=5, col_type="bigint"):
    return hms.T.ColumnStatisticsObj(colName=col, colType=col_type, statsData=hms.T.ColumnStatisticsData(
        longStats=hms.T.LongColumnStatsData(lowValue=low, highValue=high, numNulls=nulls, numDVs=dvs)))


def col_stats(hms, db, table, objs, part=None):
    desc = hms.T.ColumnStatisticsDesc(isTblLevel=part is None, dbName=db, tableName=table, partName=part,
                                      lastAnalyzed=1_700_000_000)
    return hms.T.ColumnStatistics(statsDesc=desc, statsObj=list(objs))


def engine(hms):
    return {"engine": "hive"} if hms.gen == "hive4" else {}


def table_stats(hms, db, table, cols, client=None):
    req = hms.T.TableStatsRequest(dbName=db, tblName=table, colNames=list(cols), **engine(hms))
    return {o.colName: o for o in (client or hms.client).get_table_statistics_req(req).tableStats}


def part_stats(hms, db, table, parts, cols):
    req = hms.T.PartitionsStatsRequest(dbName=db, tblName=table, colNames=list(cols), partNames=list(parts),
                                       **engine(hms))
    return {p: {o.colName: o for o in objs} for p, objs in hms.client.get_partitions_statistics_req(req).partStats.items()}


def aggr(hms, db, table, parts, cols):
    req = hms.T.PartitionsStatsRequest(dbName=db, tblName=table, colNames=list(cols), partNames=list(parts),
                                       **engine(hms))
    return hms.client.get_aggr_stats_for(req)


def delete_table_stats(hms, db, table, col):
    return hms.client.delete_table_column_statistics(db, table, col, *(["hive"] if hms.gen == "hive4" else []))


def delete_part_stats(hms, db, table, part, col):
    extra = ["hive"] if hms.gen == "hive4" else []
    return hms.client.delete_partition_column_statistics(db, table, part, col, *extra)


def kinds_table(hms):
    db = hms.new_db()
    cols = [(c, t) for c, t, *_ in kinds(hms)]
    hms.new_table(db, "t", cols=cols, partition_keys=[])
    return db


def test_every_kind_round_trips(hms):
    db = kinds_table(hms)
    objs = [stats_obj(hms, *k) for k in kinds(hms)]
    assert hms.client.update_table_column_statistics(col_stats(hms, db, "t", objs)) is True
    got = table_stats(hms, db, "t", [k[0] for k in kinds(hms)])
    assert sorted(got) == sorted(k[0] for k in kinds(hms))
    for obj in objs:
        assert got[obj.colName] == obj, obj.colName


def test_get_table_column_statistics_and_missing(hms):
    db = kinds_table(hms)
    hms.client.update_table_column_statistics(col_stats(hms, db, "t", [long_obj(hms)]))
    result = hms.client.get_table_column_statistics(db, "T", "L")
    assert result.statsDesc.isTblLevel is True
    assert (result.statsDesc.dbName, result.statsDesc.tableName) == (db, "t")
    assert result.statsObj == [long_obj(hms)]
    with pytest.raises(hms.T.NoSuchObjectException) as info:
        hms.client.get_table_column_statistics(db, "t", "s")
    assert info.value.message == f"No statistics for column s of {db}.t"
    assert table_stats(hms, db, "t", ["s", "nosuchcol"]) == {}


def test_update_replaces_per_column(hms):
    db = kinds_table(hms)
    hms.client.update_table_column_statistics(col_stats(hms, db, "t", [long_obj(hms), stats_obj(hms, *KIND_COLUMNS[3])]))
    hms.client.update_table_column_statistics(col_stats(hms, db, "t", [long_obj(hms, low=-1, high=1, dvs=2)]))
    got = table_stats(hms, db, "t", ["l", "s"])
    assert got["l"] == long_obj(hms, low=-1, high=1, dvs=2)
    assert got["s"] == stats_obj(hms, *KIND_COLUMNS[3])  # untouched


def test_bit_vectors_are_not_returned(hms):
    db = kinds_table(hms)
    obj = long_obj(hms)
    obj.statsData.longStats.bitVectors = b"\xff\x00HLL" if hms.gen != "hive2.3" else "FMsketch"
    hms.client.update_table_column_statistics(col_stats(hms, db, "t", [obj]))
    assert table_stats(hms, db, "t", ["l"])["l"].statsData.longStats.bitVectors is None


def partitioned(hms):
    db = hms.new_db()
    hms.new_table(db, "p", cols=[("l", "bigint"), ("s", "string")], partition_keys=[("ds", "string")])
    hms.client.add_partitions([hms.make_partition(db, "p", [v]) for v in ("a", "b", "c")])
    return db


def test_partition_statistics(hms):
    db = partitioned(hms)
    c = hms.client
    assert c.update_partition_column_statistics(col_stats(hms, db, "p", [long_obj(hms, low=1, high=5, nulls=1)], "ds=a"))
    c.update_partition_column_statistics(col_stats(hms, db, "p", [long_obj(hms, low=-3, high=2, nulls=2, dvs=7),
                                                                  stats_obj(hms, *KIND_COLUMNS[3])], "ds=b"))
    got = part_stats(hms, db, "p", ["ds=a", "ds=b", "ds=c", "ds=zz"], ["l", "s"])
    assert sorted(got) == ["ds=a", "ds=b"]  # partitions without statistics are left out
    assert got["ds=a"] == {"l": long_obj(hms, low=1, high=5, nulls=1)}
    assert sorted(got["ds=b"]) == ["l", "s"]
    one = c.get_partition_column_statistics(db, "p", "ds=b", "l")
    assert (one.statsDesc.isTblLevel, one.statsDesc.partName) == (False, "ds=b")
    assert one.statsObj == [long_obj(hms, low=-3, high=2, nulls=2, dvs=7)]
    with pytest.raises(hms.T.NoSuchObjectException):
        c.get_partition_column_statistics(db, "p", "ds=c", "l")
    # Table-level statistics are separate from the partitions'.
    assert table_stats(hms, db, "p", ["l"]) == {}


def test_aggregate_over_partitions(hms):
    db = partitioned(hms)
    c = hms.client
    c.update_partition_column_statistics(col_stats(hms, db, "p", [long_obj(hms, low=1, high=5, nulls=1, dvs=3)], "ds=a"))
    c.update_partition_column_statistics(col_stats(hms, db, "p", [long_obj(hms, low=-3, high=2, nulls=2, dvs=7)], "ds=b"))
    result = aggr(hms, db, "p", ["ds=a", "ds=b", "ds=c"], ["l"])
    assert result.partsFound == 2
    assert result.colStats == [long_obj(hms, low=-3, high=5, nulls=3, dvs=7)]
    empty = aggr(hms, db, "p", ["ds=c"], ["l"])
    assert (empty.colStats, empty.partsFound) == ([], 0)


def test_set_aggr_stats_for_merges(hms):
    db = partitioned(hms)
    T = hms.T
    first = col_stats(hms, db, "p", [long_obj(hms, low=0, high=10, nulls=1, dvs=4)], "ds=a")
    hms.client.set_aggr_stats_for(T.SetPartitionsStatsRequest(colStats=[first], **engine(hms)))
    second = col_stats(hms, db, "p", [long_obj(hms, low=-2, high=3, nulls=2, dvs=6)], "ds=a")
    assert hms.client.set_aggr_stats_for(T.SetPartitionsStatsRequest(colStats=[second], needMerge=True, **engine(hms)))
    assert part_stats(hms, db, "p", ["ds=a"], ["l"])["ds=a"]["l"] == long_obj(hms, low=-2, high=10, nulls=3, dvs=6)
    third = col_stats(hms, db, "p", [long_obj(hms, low=7, high=8, nulls=0, dvs=1)], "ds=a")
    hms.client.set_aggr_stats_for(T.SetPartitionsStatsRequest(colStats=[third], needMerge=False, **engine(hms)))
    assert part_stats(hms, db, "p", ["ds=a"], ["l"])["ds=a"]["l"] == long_obj(hms, low=7, high=8, nulls=0, dvs=1)


@pytest.mark.parametrize("level", ["table", "partition"])
def test_update_req_methods(hms, level):
    if hms.gen != "hive4":
        pytest.skip("update_*_column_statistics_req are Hive 3.1+ methods")
    db = partitioned(hms)
    T = hms.T
    part = "ds=c" if level == "partition" else None
    req = T.SetPartitionsStatsRequest(colStats=[col_stats(hms, db, "p", [long_obj(hms)], part)], engine="hive")
    method = getattr(hms.client, f"update_{level}_column_statistics_req")
    assert method(req).result is True
    if part:
        assert part_stats(hms, db, "p", [part], ["l"]) == {part: {"l": long_obj(hms)}}
    else:
        assert table_stats(hms, db, "p", ["l"]) == {"l": long_obj(hms)}


def test_delete_statistics(hms):
    db = partitioned(hms)
    c = hms.client
    c.update_table_column_statistics(col_stats(hms, db, "p", [long_obj(hms), stats_obj(hms, *KIND_COLUMNS[3])]))
    c.update_partition_column_statistics(col_stats(hms, db, "p", [long_obj(hms), stats_obj(hms, *KIND_COLUMNS[3])], "ds=a"))
    assert delete_table_stats(hms, db, "p", "l") is True
    assert sorted(table_stats(hms, db, "p", ["l", "s"])) == ["s"]
    with pytest.raises(hms.T.NoSuchObjectException) as info:
        delete_table_stats(hms, db, "p", "l")
    assert info.value.message == f"Column stats doesn't exist for db={db} table=p col=l"
    assert delete_part_stats(hms, db, "p", "ds=a", "s") is True
    assert sorted(part_stats(hms, db, "p", ["ds=a"], ["l", "s"])["ds=a"]) == ["l"]
    assert delete_part_stats(hms, db, "p", "ds=a", None) is True  # no column: all of them
    assert part_stats(hms, db, "p", ["ds=a"], ["l", "s"]) == {}
    with pytest.raises(hms.T.NoSuchObjectException) as info:
        delete_part_stats(hms, db, "p", "ds=zz", "l")
    assert info.value.message == f"Partition ds=zz of {db}.p does not exist"


def test_statistics_follow_table_rename_and_drop(hms):
    db = partitioned(hms)
    c = hms.client
    c.update_table_column_statistics(col_stats(hms, db, "p", [long_obj(hms)]))
    c.update_partition_column_statistics(col_stats(hms, db, "p", [long_obj(hms)], "ds=a"))
    table = c.get_table(db, "p")
    table.tableName = "renamed"
    c.alter_table(db, "p", table)
    assert table_stats(hms, db, "renamed", ["l"]) == {"l": long_obj(hms)}
    assert part_stats(hms, db, "renamed", ["ds=a"], ["l"]) == {"ds=a": {"l": long_obj(hms)}}
    c.drop_table(db, "renamed", True)
    hms.new_table(db, "renamed", cols=[("l", "bigint"), ("s", "string")], partition_keys=[("ds", "string")])
    c.add_partitions([hms.make_partition(db, "renamed", ["a"])])
    assert table_stats(hms, db, "renamed", ["l"]) == {}
    assert part_stats(hms, db, "renamed", ["ds=a"], ["l"]) == {}


def test_statistics_follow_partition_rename_and_drop(hms):
    db = partitioned(hms)
    c = hms.client
    c.update_partition_column_statistics(col_stats(hms, db, "p", [long_obj(hms)], "ds=a"))
    c.update_partition_column_statistics(col_stats(hms, db, "p", [long_obj(hms, low=2)], "ds=b"))
    part = c.get_partition(db, "p", ["a"])
    part.values = ["z"]
    c.rename_partition(db, "p", ["a"], part)
    assert part_stats(hms, db, "p", ["ds=a", "ds=z"], ["l"]) == {"ds=z": {"l": long_obj(hms)}}
    c.drop_partition(db, "p", ["b"], True)
    c.add_partitions([hms.make_partition(db, "p", ["b"])])
    assert part_stats(hms, db, "p", ["ds=b"], ["l"]) == {}


def test_dropped_or_retyped_columns_lose_statistics(hms):
    db = hms.new_db()
    hms.new_table(db, "t", cols=[("l", "bigint"), ("s", "string"), ("k", "bigint")], partition_keys=[])
    c = hms.client
    c.update_table_column_statistics(col_stats(hms, db, "t", [
        long_obj(hms), stats_obj(hms, *KIND_COLUMNS[3]), long_obj(hms, col="k")]))
    table = c.get_table(db, "t")
    table.sd.cols = [hms.T.FieldSchema(name="l", type="bigint"), hms.T.FieldSchema(name="k", type="string")]
    c.alter_table(db, "t", table)  # s dropped, k retyped
    assert sorted(table_stats(hms, db, "t", ["l", "s", "k"])) == ["l"]
    table.parameters["touched"] = "yes"
    c.alter_table(db, "t", table)  # same columns: statistics stay
    assert sorted(table_stats(hms, db, "t", ["l", "s", "k"])) == ["l"]


def test_statistics_errors(hms):
    db = partitioned(hms)
    c, T = hms.client, hms.T
    with pytest.raises(T.NoSuchObjectException) as info:
        c.update_table_column_statistics(col_stats(hms, db, "nosuch", [long_obj(hms)]))
    assert info.value.message == f"Table {db}.nosuch for which stats is gathered doesn't exist"
    with pytest.raises(T.MetaException) as info:
        c.update_table_column_statistics(col_stats(hms, db, "p", [long_obj(hms, col="ds")]))
    assert info.value.message == (f"Column ds doesn't exist in table {db}.p; statistics can only be set for its "
                                  "columns (l, s)")
    empty = T.ColumnStatisticsObj(colName="l", colType="bigint", statsData=T.ColumnStatisticsData())
    with pytest.raises(T.InvalidInputException) as info:
        c.update_table_column_statistics(col_stats(hms, db, "p", [empty]))
    assert f"Statistics for column l of {db}.p carry no statsData" in info.value.message
    with pytest.raises(T.NoSuchObjectException) as info:
        c.update_partition_column_statistics(col_stats(hms, db, "p", [long_obj(hms)], "ds=nope"))
    assert info.value.message == f"Partition ds=nope of {db}.p does not exist; add the partition before its statistics"
    with pytest.raises(T.InvalidInputException) as info:
        c.update_partition_column_statistics(col_stats(hms, db, "p", [long_obj(hms)], None))
    assert "without partName" in info.value.message
    with pytest.raises(T.NoSuchObjectException) as info:
        table_stats(hms, db, "nosuch", ["l"])
    assert info.value.message == f"{db}.nosuch table not found"


def test_other_catalog_is_refused(hms):
    if hms.gen == "hive2.3":
        pytest.skip("Hive 2.3 requests carry no catalog name")
    db = partitioned(hms)
    req = hms.T.TableStatsRequest(dbName=db, tblName="p", colNames=["l"], catName="spark", **engine(hms))
    with pytest.raises(hms.T.NoSuchObjectException) as info:
        hms.client.get_table_statistics_req(req)
    assert info.value.message == ("Catalog spark does not exist; this metastore has one catalog, 'hive'. "
                                  "Leave the catalog name unset or use 'hive'")
    req.catName = "HIVE"
    assert hms.client.get_table_statistics_req(req).tableStats == []
