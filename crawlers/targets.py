"""Where tables are written: metahive's own catalog in-process, or any Hive metastore over Thrift.

Both speak the domain model (``metastore.model``); the Thrift target converts with the wire
layer's mechanical converter and identifies itself with ``set_ugi('crawler:<name>')`` so an audit
trail on the server sees who wrote.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from urllib.parse import urlparse

from metastore.audit.context import acting_as
from metastore.exceptions import NoSuchObjectError
from metastore.model import Database, Partition, Table

BATCH = 500  # partitions per add/alter/drop call: bounded messages and statements


class TargetError(Exception):
    """The catalog refused or could not be reached; the message says which call and why."""


# The Java HMS (hive.metastore.disallow.incompatible.col.type.changes, on by default) compares old and
# new column types by position and refuses e.g. string -> bigint; metahive has no such rule.
INCOMPATIBLE_TYPES = "incompatible with the existing columns in their respective positions"
NO_FILESYSTEM = "No FileSystem for scheme"  # Hadoop's UnsupportedFileSystemException, inside a MetaException


def _unusable_location(table: Table, error: Exception) -> Exception:
    """The Java HMS checks (and creates) table locations with Hadoop's FileSystem: say so when it cannot."""
    message = getattr(error, "message", "") or ""
    if NO_FILESYSTEM not in message:
        return error
    location = table.sd.location if table.sd else None
    scheme = urlparse(location or "").scheme
    return TargetError(
        f"the metastore cannot use location {location} of {table.db_name}.{table.table_name}: it checks table "
        f"locations with Hadoop's FileSystem, which has no {scheme!r} scheme there. For s3:// put hadoop-aws on "
        "the metastore's classpath and set fs.s3.impl=org.apache.hadoop.fs.s3a.S3AFileSystem; tables of "
        "database sources (located at the database URL) can only be crawled into metahive (--db or a metahive "
        "server).")


def _incompatible_types_advice(table: Table, message: str) -> str:
    columns = message.rsplit(":", 1)[-1].strip()
    return (f"the metastore refused the new columns of {table.db_name}.{table.table_name}: it compares column "
            f"types by position (hive.metastore.disallow.incompatible.col.type.changes=true) and {columns} would "
            "change incompatibly. Crawl with --update-behavior MERGE_NEW_COLUMNS (keeps the columns, appends new "
            "ones), set that property to false in the metastore's hive-site.xml, or drop the table to recreate it.")


class Target(ABC):
    @abstractmethod
    def ensure_database(self, name: str) -> None: ...

    @abstractmethod
    def tables(self, db: str) -> list[Table]:
        """Every table of the database; none when the database does not exist yet."""

    @abstractmethod
    def partitions(self, db: str, table: str) -> list[Partition]: ...

    @abstractmethod
    def create_table(self, table: Table) -> None: ...

    @abstractmethod
    def alter_table(self, table: Table) -> None: ...

    @abstractmethod
    def drop_table(self, db: str, name: str) -> None: ...

    @abstractmethod
    def add_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None: ...

    @abstractmethod
    def alter_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None: ...

    @abstractmethod
    def drop_partitions(self, db: str, table: str, names: Sequence[str]) -> None: ...

    def close(self) -> None:  # noqa: B027 - optional
        pass

    atomic = False  # True: table_transaction() commits all its calls or none

    def table_transaction(self) -> AbstractContextManager[None]:
        """One table's writes as a unit where the target can; call by call otherwise."""
        return nullcontext()


def _batches(items: Sequence, size: int = BATCH):  # noqa: ANN202
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _as_crawler(method: Callable) -> Callable:
    """Attribute an in-process write to ``self.user`` in the audit trail (the Thrift path uses set_ugi)."""
    @functools.wraps(method)
    def write(self: MetahiveTarget, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        with acting_as(self.user):
            return method(self, *args, **kwargs)
    return write


class MetahiveTarget(Target):
    """metahive's catalog database, through the HMS semantics layer (same rules as a Thrift client)."""

    def __init__(self, db_url: str, warehouse: str = "./warehouse", user: str = "crawler") -> None:
        from metastore.app import build_metastore, prepare_database

        prepare_database(db_url)
        self.hms = build_metastore(db_url, warehouse)
        self.hms.ensure_default_database()
        self.user = user

    atomic = True

    def table_transaction(self) -> AbstractContextManager[None]:
        return self.hms.catalog.atomic()

    @_as_crawler
    def ensure_database(self, name: str) -> None:
        try:
            self.hms.get_database(name)
        except NoSuchObjectError:
            self.hms.create_database(Database(name=name, description="created by the metahive crawler"), self.user)

    def tables(self, db: str) -> list[Table]:
        try:
            return self.hms.get_table_objects(db, self.hms.get_tables(db, None))
        except NoSuchObjectError:
            return []

    def partitions(self, db: str, table: str) -> list[Partition]:
        return self.hms.get_partitions(db, table)

    @_as_crawler
    def create_table(self, table: Table) -> None:
        self.hms.create_table(table, self.user)

    @_as_crawler
    def alter_table(self, table: Table) -> None:
        self.hms.alter_table(table.db_name, table.table_name, table)

    @_as_crawler
    def drop_table(self, db: str, name: str) -> None:
        self.hms.drop_table(db, name, delete_data=False)

    @_as_crawler
    def add_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None:
        for batch in _batches(parts):
            self.hms.add_partitions(db, table, batch)

    @_as_crawler
    def alter_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None:
        for batch in _batches(parts):
            self.hms.alter_partitions(db, table, batch)

    @_as_crawler
    def drop_partitions(self, db: str, table: str, names: Sequence[str]) -> None:
        for batch in _batches(names):
            self.hms.drop_partitions(db, table, batch, delete_data=False, if_exists=True)

    def close(self) -> None:
        self.hms.catalog.dispose()  # type: ignore[attr-defined]


class ThriftTarget(Target):
    """Any Hive metastore (metahive, the Java HMS) at ``thrift://host:port``."""

    def __init__(self, uri: str, user: str, timeout_ms: int = 120_000) -> None:
        from thriftpy2.rpc import make_client

        from metastore.wire.idl import hms

        parsed = urlparse(uri)
        if parsed.scheme != "thrift" or not parsed.hostname:
            raise TargetError(f"--metastore {uri}: expected thrift://host:port")
        self.t = hms()
        try:
            self.client = make_client(self.t.ThriftHiveMetastore, parsed.hostname, parsed.port or 9083,
                                      timeout=timeout_ms)
        except Exception as e:
            raise TargetError(f"cannot connect to the metastore at {uri}: {e}") from None
        self.client.set_ugi(user, [])

    def _to(self, obj):  # noqa: ANN001, ANN202
        from metastore.wire.convert import to_thrift

        return to_thrift(obj)

    def _from(self, obj, cls):  # noqa: ANN001, ANN202
        from metastore.wire.convert import from_thrift

        return from_thrift(obj, cls)

    def ensure_database(self, name: str) -> None:
        try:
            self.client.get_database(name)
        except self.t.NoSuchObjectException:
            try:
                self.client.create_database(self.t.Database(name=name, description="created by the metahive crawler",
                                                            parameters={}))
            except self.t.AlreadyExistsException:
                pass

    def tables(self, db: str) -> list[Table]:
        try:
            self.client.get_database(db)
        except self.t.NoSuchObjectException:
            return []
        names = self.client.get_all_tables(db)
        out: list[Table] = []
        for i in range(0, len(names), 100):
            out += [self._from(t, Table) for t in self.client.get_table_objects_by_name(db, names[i:i + 100])]
        return out

    def partitions(self, db: str, table: str) -> list[Partition]:
        return [self._from(p, Partition) for p in self.client.get_partitions(db, table, -1)]

    def create_table(self, table: Table) -> None:
        try:
            self.client.create_table(self._to(table))
        except self.t.MetaException as e:
            raise _unusable_location(table, e) from None

    def alter_table(self, table: Table) -> None:
        try:
            self.client.alter_table(table.db_name, table.table_name, self._to(table))
        except self.t.InvalidOperationException as e:
            if INCOMPATIBLE_TYPES not in (e.message or ""):
                raise
            raise TargetError(_incompatible_types_advice(table, e.message)) from None
        except self.t.MetaException as e:
            raise _unusable_location(table, e) from None

    def drop_table(self, db: str, name: str) -> None:
        self.client.drop_table(db, name, False)

    def add_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None:
        for batch in _batches(parts):
            self.client.add_partitions([self._to(p) for p in batch])

    def alter_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None:
        for batch in _batches(parts):
            self.client.alter_partitions(db, table, [self._to(p) for p in batch])

    def drop_partitions(self, db: str, table: str, names: Sequence[str]) -> None:
        for name in names:  # drop_partitions_req differs across Hive versions; by name is portable
            self.client.drop_partition_by_name(db, table, name, False)

    def close(self) -> None:
        self.client.close()
