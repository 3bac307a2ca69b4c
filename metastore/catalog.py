"""The catalog store interface: what the HMS semantics layer needs from persistence.

One abstract interface, thin backends (``metastore.store.sql_catalog.SqlCatalog`` today); every
method is a single transaction and raises only ``metastore.exceptions`` errors.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

from metastore.column_stats import ColumnStats
from metastore.model import Database, FieldSchema, Function, Partition, Table, TableMeta
from metastore.partition_filter import Expr


@dataclass(slots=True)
class TableUpdate:
    """A replacement definition for a table, with the conditions and side effects to apply."""

    table: Table
    expected_parameter: tuple[str, str] | None = None  # compare-and-swap on one table parameter
    cascade_columns: bool = False  # give every partition the table's new columns
    relocate: tuple[str, str] | None = None  # rewrite partition locations old prefix -> new prefix


class ReplyEncoder(Protocol):
    """Pre-encodes partitions in the form they are served; supplied by the wire layer.

    The store keeps the bytes next to the definition it derives them from and hands them back
    untouched, so large partition listings are served without rebuilding objects.
    """

    def partition_body(self, part: Partition) -> bytes: ...
    def partition_bodies(self, parts: Sequence[Partition]) -> list[bytes]: ...
    def table_body(self, table: Table) -> bytes: ...
    def columns(self, cols: list[FieldSchema]) -> bytes: ...
    def column_stats(self, stats: ColumnStats) -> bytes: ...


@dataclass(slots=True)
class EncodedPartitions:
    """Partitions in served form: one body and column-set id per partition, column sets encoded."""

    db_name: str
    table_name: str
    bodies: list[bytes]
    cd_ids: list[int]
    columns: dict[int, bytes]
    cached: bool = False  # shared by later calls: the wire layer may memoise its reply in ``served``
    served: list[bytes] | None = None


@dataclass(slots=True)
class NameListing:
    """Partition names; a cached listing is shared by later calls, which may memoise its reply in ``served``."""

    names: list[str]
    cached: bool = False
    served: list[bytes] | None = None


@dataclass(slots=True)
class EncodedTables:
    """Tables in served form: one body and column-set id per table, column sets encoded."""

    bodies: list[bytes]
    cd_ids: list[int]
    columns: dict[int, bytes]


class Catalog(ABC):
    # databases
    @abstractmethod
    def get_database(self, name: str) -> Database: ...
    @abstractmethod
    def list_database_names(self) -> list[str]: ...
    @abstractmethod
    def create_database(self, db: Database) -> None: ...
    @abstractmethod
    def alter_database(self, name: str, db: Database) -> None: ...
    @abstractmethod
    def drop_database(self, name: str, *, require_empty: bool) -> Database: ...

    # tables
    @abstractmethod
    def get_table(self, db: str, name: str) -> Table: ...
    @abstractmethod
    def get_tables(self, db: str, names: Sequence[str]) -> list[Table]: ...
    @abstractmethod
    def get_tables_encoded(self, db: str, names: Sequence[str]) -> EncodedTables: ...
    @abstractmethod
    def list_table_names(self, db: str, table_type: str | None = None) -> list[str]: ...
    @abstractmethod
    def list_table_meta(self, db_names: Sequence[str] | None, table_types: Sequence[str] | None) -> list[TableMeta]: ...
    @abstractmethod
    def create_table(self, table: Table) -> None: ...
    @abstractmethod
    def alter_table(self, db: str, name: str, update: TableUpdate) -> None: ...
    @abstractmethod
    def drop_table(self, db: str, name: str, *, partition_locations: bool = False) -> tuple[Table, list[str]]: ...

    # partitions
    @abstractmethod
    def list_partitions(
        self, db: str, table: str, *, expr: Expr | None = None, spec: Sequence[str | None] | None = None,
        max_parts: int = -1, names_only: bool = False,
    ) -> list[Partition] | list[str]: ...
    @abstractmethod
    def list_partitions_encoded(
        self, db: str, table: str, *, expr: Expr | None = None, spec: Sequence[str | None] | None = None,
        names: Sequence[str] | None = None, max_parts: int = -1,
    ) -> EncodedPartitions: ...
    @abstractmethod
    def list_partition_names(
        self, db: str, table: str, *, spec: Sequence[str | None] | None = None, max_parts: int = -1,
    ) -> NameListing: ...
    @abstractmethod
    def count_partitions(self, db: str, table: str, expr: Expr | None) -> int: ...
    @abstractmethod
    def get_partitions_by_names(self, db: str, table: str, names: Sequence[str]) -> list[Partition]: ...
    @abstractmethod
    def get_partition(self, db: str, table: str, values: Sequence[str]) -> Partition: ...
    @abstractmethod
    def add_partitions(self, db: str, table: str, parts: Sequence[Partition], *, if_not_exists: bool) -> list[Partition]: ...
    @abstractmethod
    def alter_partitions(self, db: str, table: str, parts: Sequence[Partition]) -> None: ...
    @abstractmethod
    def rename_partition(self, db: str, table: str, old_values: Sequence[str], part: Partition) -> None: ...
    @abstractmethod
    def drop_partitions(self, db: str, table: str, names: Sequence[str], *, if_exists: bool = False) -> list[Partition]: ...

    # several calls as one unit (the crawler applies a table's plan through this)
    def atomic(self) -> AbstractContextManager[None]:
        """Make this thread's calls in the block one transaction; a store that cannot runs them one by one."""
        return nullcontext()

    # locks
    @abstractmethod
    def lock_store(self) -> Any:
        """The store of HMS locks, kept in the catalog's database (``metastore.hms.locks``)."""

    # column statistics
    @abstractmethod
    def statistics_store(self) -> Any:
        """The store of column statistics, kept in the catalog's database (``metastore.hms.statistics``)."""
    # schema-change audit (metastore.audit): the change log written in each write's transaction
    def audit_log(self) -> Any:
        """The store of change records (``metastore.store.audit_log.SqlAuditLog`` for SQL stores)."""
        raise NotImplementedError(f"{type(self).__name__} keeps no change log")

    def configure_audit(self, settings: Any) -> None:
        """Apply ``metastore.audit.settings.AuditSettings`` (retention, on/off) to the change log."""
        return None  # a store without a change log has nothing to configure

    # functions
    @abstractmethod
    def get_function(self, db: str, name: str) -> Function: ...
    @abstractmethod
    def list_functions(self, db: str | None = None) -> list[Function]: ...
    @abstractmethod
    def create_function(self, fn: Function) -> None: ...
    @abstractmethod
    def alter_function(self, db: str, name: str, fn: Function) -> None: ...
    @abstractmethod
    def drop_function(self, db: str, name: str) -> None: ...
