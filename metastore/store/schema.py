"""The catalog's relational schema (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Designed for the hot paths: a table is one row (definition as JSON documents) plus a shared column
set; a partition is one row plus one indexed row per key value, so partition filters run in SQL
and reads never issue a statement per column or per partition.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Byte-wise ordering for names and partition values on PostgreSQL, as on SQLite and in Java.
BinaryText = sa.Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")
Doc = sa.Text  # a JSON document, never queried by field

databases = sa.Table(
    "mh_databases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", BinaryText, nullable=False, unique=True),
    sa.Column("catalog_name", sa.Text, nullable=False, server_default="hive"),
    sa.Column("description", sa.Text),
    sa.Column("location_uri", sa.Text),
    sa.Column("managed_location_uri", sa.Text),
    sa.Column("owner_name", sa.Text),
    sa.Column("owner_type", sa.Integer),
    sa.Column("create_time", sa.Integer, nullable=False),
    sa.Column("parameters", Doc, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
)

tables = sa.Table(
    "mh_tables",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("db_id", sa.Integer, sa.ForeignKey("mh_databases.id"), nullable=False),
    sa.Column("name", BinaryText, nullable=False),
    sa.Column("table_type", sa.Text),
    sa.Column("owner", sa.Text),
    sa.Column("owner_type", sa.Integer),
    sa.Column("create_time", sa.Integer, nullable=False),
    sa.Column("last_access_time", sa.Integer, nullable=False),
    sa.Column("retention", sa.Integer, nullable=False),
    sa.Column("view_original_text", sa.Text),
    sa.Column("view_expanded_text", sa.Text),
    sa.Column("temporary", sa.Boolean, nullable=False),
    sa.Column("rewrite_enabled", sa.Boolean),
    sa.Column("write_id", sa.BigInteger, nullable=False),
    sa.Column("cd_id", sa.Integer, nullable=False),
    sa.Column("sd", Doc, nullable=False),
    sa.Column("partition_keys", Doc, nullable=False),
    sa.Column("parameters", Doc, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("wire", sa.LargeBinary),  # served form, as mh_partitions.wire
    # Bumped in the same transaction as any change to the table's partitions (or the table):
    # listings cached under (table id, part_version) are therefore never stale, on any server.
    sa.Column("part_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.UniqueConstraint("db_id", "name"),
)

# Column lists, deduplicated per table by digest: a table and its 1M partitions share one row.
column_sets = sa.Table(
    "mh_column_sets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("cols", Doc, nullable=False),
    sa.UniqueConstraint("digest"),
)

partitions = sa.Table(
    "mh_partitions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("tbl_id", sa.Integer, sa.ForeignKey("mh_tables.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", BinaryText, nullable=False),
    sa.Column("vals", Doc, nullable=False),
    sa.Column("create_time", sa.Integer, nullable=False),
    sa.Column("last_access_time", sa.Integer, nullable=False),
    sa.Column("write_id", sa.BigInteger, nullable=False),
    sa.Column("cd_id", sa.Integer, nullable=False),
    sa.Column("sd", Doc, nullable=False),
    sa.Column("parameters", Doc, nullable=False),
    # The partition in served (wire) form, written by the encoder the server plugs in; derived
    # from the columns above in the same transaction, NULL when no encoder was plugged in.
    sa.Column("wire", sa.LargeBinary),
    sa.UniqueConstraint("tbl_id", "name"),
)

# One row per (partition, key): string value and, for integral keys, its number, both indexed.
partition_values = sa.Table(
    "mh_partition_values",
    metadata,
    sa.Column("part_id", sa.Integer, sa.ForeignKey("mh_partitions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("idx", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("tbl_id", sa.Integer, nullable=False),
    sa.Column("value", BinaryText, nullable=False),
    sa.Column("num", sa.BigInteger),
    sa.Index(None, "tbl_id", "idx", "value"),
    sa.Index(None, "tbl_id", "idx", "num"),
)

functions = sa.Table(
    "mh_functions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("db_id", sa.Integer, sa.ForeignKey("mh_databases.id"), nullable=False),
    sa.Column("name", BinaryText, nullable=False),
    sa.Column("class_name", sa.Text),
    sa.Column("owner_name", sa.Text),
    sa.Column("owner_type", sa.Integer),
    sa.Column("function_type", sa.Integer, nullable=False),
    sa.Column("create_time", sa.Integer, nullable=False),
    sa.Column("resource_uris", Doc, nullable=False),
    sa.UniqueConstraint("db_id", "name"),
)

# Hive Metastore locks (lock / check_lock / unlock / heartbeat / show_locks): one row per component
# of a lock request. ``id`` is the component's own id (never reused: AUTOINCREMENT on SQLite, a
# sequence on PostgreSQL); ``ext_id`` is the request's lock id, the ``id`` of its first component.
locks = sa.Table(
    "mh_locks",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("ext_id", sa.BigInteger, nullable=False),
    sa.Column("component", sa.SmallInteger, nullable=False),
    sa.Column("level", sa.SmallInteger, nullable=False),  # Thrift LockLevel: 1 DB, 2 TABLE, 3 PARTITION
    sa.Column("type", sa.SmallInteger, nullable=False),  # Thrift LockType: 1 SHARED_READ ... 4 EXCL_WRITE
    sa.Column("db_name", BinaryText, nullable=False),
    sa.Column("table_name", BinaryText),
    sa.Column("partition_name", BinaryText),
    sa.Column("state", sa.SmallInteger, nullable=False),  # Thrift LockState: 1 ACQUIRED, 2 WAITING
    sa.Column("txn_id", sa.BigInteger),
    sa.Column("user_name", sa.Text, nullable=False),
    sa.Column("hostname", sa.Text, nullable=False),
    sa.Column("agent_info", sa.Text),
    sa.Column("created_ms", sa.BigInteger, nullable=False),
    sa.Column("acquired_ms", sa.BigInteger),
    sa.Column("last_heartbeat_ms", sa.BigInteger, nullable=False),
    sa.Index(None, "ext_id"),
    sa.Index(None, "db_name", "table_name"),
    sa.Index(None, "last_heartbeat_ms"),
    sqlite_autoincrement=True,
)

# Column statistics (update/get/delete_*_column_statistics): one row per (owner, engine, column),
# the ColumnStatisticsData member as a JSON document (metastore.column_stats). Rows go with their
# table or partition (ON DELETE CASCADE) and follow renames, since they hang off the row ids.
table_column_stats = sa.Table(
    "mh_table_column_stats",
    metadata,
    sa.Column("tbl_id", sa.Integer, sa.ForeignKey("mh_tables.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("engine", BinaryText, primary_key=True),
    sa.Column("col_name", BinaryText, primary_key=True),
    sa.Column("col_type", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("data", Doc, nullable=False),
    sa.Column("last_analyzed", sa.BigInteger, nullable=False),
)

partition_column_stats = sa.Table(
    "mh_partition_column_stats",
    metadata,
    sa.Column("part_id", sa.Integer, sa.ForeignKey("mh_partitions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("engine", BinaryText, primary_key=True),
    sa.Column("col_name", BinaryText, primary_key=True),
    sa.Column("tbl_id", sa.Integer, nullable=False),  # table-wide deletes (dropped columns)
    sa.Column("col_type", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("data", Doc, nullable=False),
    sa.Column("last_analyzed", sa.BigInteger, nullable=False),
    sa.Index(None, "tbl_id", "col_name"),
)

# Schema-change audit (metastore.audit): one immutable row per change, in the same transaction as
# the change. ``id`` is the HMS notification event id: AUTOINCREMENT on SQLite, a sequence on
# PostgreSQL, allocated under a transaction-level advisory lock so ids commit in order across
# servers. ``version`` is the table version (CREATE_TABLE / ALTER_TABLE rows only); ``kinds`` lists
# the diff item kinds as ",a,b," for LIKE filters; ``diff`` holds the items as JSON, ``before`` and
# ``after`` the definitions (metastore.audit.definitions). SQL views over it: migration 0005.
changes = sa.Table(
    "mh_changes",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("event_time", sa.BigInteger, nullable=False),  # seconds since the epoch
    sa.Column("operation", sa.Text, nullable=False),  # HMS event type: CREATE_TABLE, ADD_PARTITION, ...
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("db_name", BinaryText, nullable=False),
    sa.Column("table_name", BinaryText),
    sa.Column("version", sa.Integer),
    sa.Column("run_id", sa.Text),
    sa.Column("kinds", sa.Text, nullable=False),
    sa.Column("diff", Doc, nullable=False),
    sa.Column("before", Doc),
    sa.Column("after", Doc),
    sa.Index(None, "event_time"),
    sa.Index(None, "db_name", "table_name", "version"),
    sqlite_autoincrement=True,
)
