"""Hive Metastore semantics over the catalog store.

Each public method is what one family of HMS calls means (``create_table`` and
``create_table_with_environment_context`` are one method here): validation and normalisation of
names, defaults the Java server fills in (locations, times, table types), warehouse directory side
effects, and the exact errors clients rely on for control flow.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence

from metastore.audit.trail import AuditTrail
from metastore.catalog import Catalog, EncodedPartitions, EncodedTables, NameListing, TableUpdate
from metastore.exceptions import (
    ConfigValSecurityError,
    InvalidObjectError,
    InvalidOperationError,
    MetaError,
    NoSuchObjectError,
)
from metastore.hive_types import validate_type
from metastore.hms.locks import HiveLocks
from metastore.hms.statistics import HiveStatistics
from metastore.hms.table_filter import select_tables
from metastore.model import (
    Database,
    FieldSchema,
    Function,
    Partition,
    Table,
    TableMeta,
    TableType,
    shallow_copy,
)
from metastore.names import (
    MAX_COLUMN_NAME_LENGTH,
    canonical_partition_names,
    filter_names,
    lookup_name,
    make_partition_name,
    normalize_name,
    partition_values_from_name,
    split_catalog_prefix,
)
from metastore.partition_filter import FilterSyntaxError, parse_filter
from metastore.warehouse import Warehouse, join_location, local_path

DDL_TIME = "transient_lastDdlTime"
PARTITION_LIMIT_KEY = "hive.metastore.limit.partition.request"
DO_NOT_UPDATE_STATS = "DO_NOT_UPDATE_STATS"
EXPECTED_KEY = "expected_parameter_key"
EXPECTED_VALUE = "expected_parameter_value"
CASCADE = "CASCADE"

ColumnMemo = dict[int, tuple[list[FieldSchema], list[FieldSchema]]]  # id(list) -> (list, checked list)


def _now() -> int:
    return int(time.time())


def _db(name: str | None) -> str:
    return lookup_name(split_catalog_prefix(name))


def _same_columns(cols: Sequence[FieldSchema], table_cols: Sequence[FieldSchema]) -> bool:
    return len(cols) == len(table_cols) and all(
        c.name.lower() == t.name and c.type == t.type and c.comment == t.comment
        for c, t in zip(cols, table_cols, strict=True)
    )


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


class HiveMetastore:
    """The HMS call semantics; the wire adapter converts Thrift structs and delegates here."""

    def __init__(self, catalog: Catalog, warehouse: Warehouse, config: dict[str, str] | None = None) -> None:
        self.catalog = catalog
        self.warehouse = warehouse
        self.config = {"hive.metastore.warehouse.dir": warehouse.root_uri, **(config or {})}
        self.partition_limit = int(self.config.get(PARTITION_LIMIT_KEY, "-1"))
        self.locks = HiveLocks.for_catalog(catalog, self.config)  # lock/check_lock/unlock/...
        self.statistics = HiveStatistics(self)  # update/get/delete_*_column_statistics
        self.audit = AuditTrail.for_catalog(catalog, self.config)  # change history and notifications

    # -- bootstrap --------------------------------------------------------------------------------

    def ensure_default_database(self) -> None:
        """``default`` exists from the first start, located at the warehouse root (as in Hive)."""
        try:
            self.catalog.get_database("default")
        except NoSuchObjectError:
            try:
                self.create_database(Database(name="default", description="Default Hive database",
                                              owner_name="public", owner_type=2))
            except Exception:  # another server process created it first
                self.catalog.get_database("default")

    # -- databases --------------------------------------------------------------------------------

    def get_database(self, name: str) -> Database:
        return self.catalog.get_database(_db(name))

    def get_databases(self, pattern: str | None) -> list[str]:
        if pattern and pattern.startswith("@"):  # Hive 3 "@catalog#pattern" (Trino with a catalog name)
            pattern = split_catalog_prefix(pattern) or None
        return filter_names(self.catalog.list_database_names(), pattern)

    def create_database(self, db: Database, user: str | None = None) -> None:
        db = copy.copy(db)
        db.name = normalize_name("Database", split_catalog_prefix(db.name))
        db.location_uri = db.location_uri or self.warehouse.database_location(db.name)
        db.parameters = dict(db.parameters or {})
        db.owner_name = db.owner_name or user
        db.create_time = db.create_time or _now()
        made = local_path(db.location_uri) is not None and not local_path(db.location_uri).exists()
        self.warehouse.make_dirs(db.location_uri)
        try:
            self.catalog.create_database(db)
        except Exception:
            if made:
                self.warehouse.delete(db.location_uri)
            raise

    def alter_database(self, name: str, db: Database) -> None:
        self.catalog.alter_database(_db(name), db)

    def drop_database(self, name: str, delete_data: bool, cascade: bool) -> None:
        name = _db(name)
        if name == "default":
            raise MetaError("Can not drop default database")
        tables: list[Table] = []
        if cascade and delete_data:
            tables = self.catalog.get_tables(name, self.catalog.list_table_names(name))
        dropped = self.catalog.drop_database(name, require_empty=not cascade)
        if delete_data:
            for table in tables:
                if table.table_type == TableType.MANAGED:
                    self.warehouse.delete(table.sd.location)
            self.warehouse.delete(dropped.location_uri)

    # -- tables -----------------------------------------------------------------------------------

    def get_table(self, db: str, name: str) -> Table:
        return self.catalog.get_table(_db(db), lookup_name(name))

    def get_table_encoded(self, db: str, name: str) -> EncodedTables:
        """A table in served form (the fast path of get_table / get_table_req)."""
        db, name = _db(db), lookup_name(name)
        found = self.catalog.get_tables_encoded(db, [name])
        if not found.bodies:
            raise NoSuchObjectError(f"{db}.{name} table not found")
        return found

    def get_table_objects_encoded(self, db: str, names: Sequence[str] | None) -> EncodedTables:
        return self.catalog.get_tables_encoded(_db(db), [lookup_name(n) for n in names or []])

    def get_tables(self, db: str, pattern: str | None, table_type: str | None = None) -> list[str]:
        return filter_names(self.catalog.list_table_names(_db(db), table_type), pattern)

    def get_table_objects(self, db: str, names: Sequence[str] | None) -> list[Table]:
        """Tables that exist among ``names`` (missing names are skipped, as the Java server does)."""
        if not names:
            return []
        return self.catalog.get_tables(_db(db), [lookup_name(n) for n in names])

    def get_table_names_by_filter(self, db: str, filter_text: str | None, max_tables: int = -1) -> list[str]:
        """Tables whose owner, last access time or parameters match a Hive table filter (``table_filter``)."""
        db = _db(db)
        return select_tables(self.catalog.get_tables(db, self.catalog.list_table_names(db)), filter_text, max_tables)

    def get_table_meta(self, db_patterns: str | None, tbl_patterns: str | None,
                       table_types: Sequence[str] | None) -> list[TableMeta]:
        if db_patterns and db_patterns.startswith("@"):  # "@catalog#db" (Trino with a catalog name)
            db_patterns = split_catalog_prefix(db_patterns) or None
        metas = self.catalog.list_table_meta(None, list(table_types) if table_types else None)
        dbs = set(filter_names({m.db_name: None for m in metas}, db_patterns))
        tables = set(filter_names({m.table_name: None for m in metas}, tbl_patterns))
        return [m for m in metas if m.db_name in dbs and m.table_name in tables]

    def get_fields(self, db: str, name: str, with_partition_keys: bool = False) -> list[FieldSchema]:
        table = self.get_table(db, name)
        return list(table.sd.cols) + (list(table.partition_keys) if with_partition_keys else [])

    def _normalize_columns(self, what: str, cols: Sequence[FieldSchema] | None) -> list[FieldSchema]:
        result = []
        for col in cols or []:
            if not col.name or not col.name.strip():
                raise InvalidObjectError(f"{what} has a column without a name; give every column a name")
            if len(col.name) > MAX_COLUMN_NAME_LENGTH:
                raise InvalidObjectError(
                    f"{what}: column name '{col.name[:40]}...' exceeds {MAX_COLUMN_NAME_LENGTH} characters"
                )
            try:
                validate_type(col.type)
            except InvalidObjectError as e:
                raise InvalidObjectError(f"{what}, column '{col.name}': {e.message}") from None
            result.append(FieldSchema(col.name.lower(), col.type, col.comment))
        return result

    def _validate_table(self, table: Table) -> Table:
        """A normalised copy of a client's table definition, or InvalidObjectError saying what's wrong."""
        table = copy.copy(table)
        table.sd = copy.copy(table.sd)
        table.db_name = normalize_name("Database", split_catalog_prefix(table.db_name))
        table.table_name = normalize_name("Table", table.table_name)
        what = f"Table {table.db_name}.{table.table_name}"
        table.sd.cols = self._normalize_columns(what, table.sd.cols)
        table.partition_keys = self._normalize_columns(what + " partition key", table.partition_keys)
        seen: set[str] = set()
        for col in [*table.sd.cols, *table.partition_keys]:
            if col.name in seen:
                raise InvalidObjectError(
                    f"{what} has duplicate column '{col.name}' (column names are case-insensitive and "
                    "partition keys may not repeat a column); rename one of them"
                )
            seen.add(col.name)
        table.parameters = dict(table.parameters or {})
        if not table.table_type:
            table.table_type = TableType.EXTERNAL if _is_true(table.parameters.get("EXTERNAL")) else TableType.MANAGED
        return table

    def create_table(self, table: Table, user: str | None = None) -> None:
        table = self._validate_table(table)
        db = self.catalog.get_database(table.db_name)
        now = _now()
        table.create_time = table.create_time or now
        table.parameters.setdefault(DDL_TIME, str(now))
        table.owner = table.owner or user
        made = None
        if table.table_type not in (TableType.VIEW, TableType.MATERIALIZED_VIEW):
            if not table.sd.location:
                table.sd.location = join_location(db.location_uri or self.warehouse.database_location(db.name),
                                                  table.table_name)
            path = local_path(table.sd.location)
            if path is not None and not path.exists():
                self.warehouse.make_dirs(table.sd.location)
                made = table.sd.location
        try:
            self.catalog.create_table(table)
        except Exception:
            if made:
                self.warehouse.delete(made)
            raise

    def drop_table(self, db: str, name: str, delete_data: bool) -> None:
        db, name = _db(db), lookup_name(name)
        table, part_locations = self.catalog.drop_table(db, name, partition_locations=delete_data)
        if delete_data and table.table_type == TableType.MANAGED:
            for location in part_locations:
                self.warehouse.delete(location)
            self.warehouse.delete(table.sd.location)

    def alter_table(self, db: str, name: str, new_table: Table, env: dict[str, str] | None = None,
                    cascade: bool = False) -> None:
        env = env or {}
        db, name = _db(db), lookup_name(name)
        try:
            old = self.catalog.get_table(db, name)
        except NoSuchObjectError:
            raise InvalidOperationError(f"table {db}.{name} doesn't exist") from None
        try:
            table = self._validate_table(new_table)
        except InvalidObjectError as e:  # alter_table declares no InvalidObjectException slot
            raise InvalidOperationError(e.message) from None
        if [(k.name, k.type) for k in old.partition_keys] != [(k.name, k.type) for k in table.partition_keys]:
            raise InvalidOperationError("partition keys can not be changed.")
        if not _is_true(env.get(DO_NOT_UPDATE_STATS)):
            table.parameters[DDL_TIME] = str(_now())
        table.create_time = table.create_time or old.create_time
        expected = None
        if env.get(EXPECTED_KEY) is not None:
            expected = (env[EXPECTED_KEY], env.get(EXPECTED_VALUE) or "")
        relocate = None
        renamed = (table.db_name, table.table_name) != (db, name)
        if renamed:
            self._check_rename_target(table.db_name, table.table_name)
        if (
            renamed
            and old.table_type == TableType.MANAGED
            and old.sd.location
            and table.sd.location == old.sd.location
            and self._is_default_location(old)
        ):
            new_db = self.catalog.get_database(table.db_name) if table.db_name != db else None
            parent = (new_db.location_uri if new_db else None) or old.sd.location.rsplit("/", 1)[0]
            table.sd.location = join_location(parent, table.table_name)
            relocate = (old.sd.location, table.sd.location)
            if "path" in table.sd.serde_info.parameters:  # Spark datasource tables keep their path here
                table.sd.serde_info.parameters = {**table.sd.serde_info.parameters, "path": table.sd.location}
            self.warehouse.move(old.sd.location, table.sd.location)
        try:
            self.catalog.alter_table(db, name, TableUpdate(table, expected, cascade or _is_true(env.get(CASCADE)), relocate))
        except Exception:
            if relocate:
                self.warehouse.move(relocate[1], relocate[0])
            raise

    def _check_rename_target(self, db: str, name: str) -> None:
        """Fail before touching any directory when the new name cannot be used."""
        try:
            self.catalog.get_database(db)
        except NoSuchObjectError:
            raise InvalidOperationError(
                f"Unable to change partition or table. Database {db} does not exist. "
                "Create it first or rename within an existing database."
            ) from None
        try:
            self.catalog.get_table(db, name)
        except NoSuchObjectError:
            return
        raise InvalidOperationError(f"new table {db}.{name} already exists")

    def _is_default_location(self, table: Table) -> bool:
        try:
            db = self.catalog.get_database(table.db_name)
        except NoSuchObjectError:
            return False
        parent = db.location_uri or self.warehouse.database_location(db.name)
        return (table.sd.location or "").rstrip("/") == join_location(parent, table.table_name)

    # -- partitions -------------------------------------------------------------------------------

    def _prepare_partition(self, table: Table, part: Partition, columns: ColumnMemo | None = None) -> Partition:
        """A validated copy with the defaults filled in; ``columns`` carries column checks across one call."""
        what = f"Partition of {table.db_name}.{table.table_name}"
        if not table.partition_keys:
            raise InvalidObjectError(f"{what}: the table is not partitioned; create it with partition keys")
        values = list(part.values or [])
        if len(values) != len(table.partition_keys):
            raise InvalidObjectError(
                f"{what}: got {len(values)} partition values {values} but the table has "
                f"{len(table.partition_keys)} partition keys ({', '.join(k.name for k in table.partition_keys)})"
            )
        for key, value in zip(table.partition_keys, values, strict=True):
            if value is None or value == "":
                raise InvalidObjectError(f"{what}: the value for partition key '{key.name}' is empty")
        part = shallow_copy(part)
        part.values = values
        part.db_name, part.table_name = table.db_name, table.table_name
        if part.sd is not None:
            sd = shallow_copy(part.sd)
        else:  # append_partition: the table's descriptor, at the partition's own location (as Hive does)
            sd = copy.deepcopy(table.sd)
            sd.location = None
        sd.cols = self._partition_columns(what, table, sd.cols, {} if columns is None else columns)
        if not sd.location and table.sd.location and table.table_type != TableType.VIEW:
            sd.location = join_location(table.sd.location, make_partition_name([k.name for k in table.partition_keys], values))
        part.sd = sd
        now = _now()
        part.create_time = part.create_time or now
        part.parameters = dict(part.parameters or {})
        part.parameters.setdefault(DDL_TIME, str(now))
        return part

    def _partition_columns(self, what: str, table: Table, cols: list[FieldSchema], memo: ColumnMemo) -> list[FieldSchema]:
        """The table's own list when equal (one column set, validated with the table), else a checked copy.

        Partitions of one request usually share one list object (``PartitionReader``): checked once.
        """
        if not cols:
            return table.sd.cols
        known = memo.get(id(cols))
        if known is None:
            checked = table.sd.cols if _same_columns(cols, table.sd.cols) else self._normalize_columns(what, cols)
            known = memo[id(cols)] = (cols, checked)  # keeps ``cols`` alive: its id stays unique
        return known[1]

    def add_partitions(self, db: str, table_name: str, parts: Sequence[Partition], if_not_exists: bool = False) -> list[Partition]:
        if not parts:
            return []
        try:
            table = self.get_table(db, table_name)
        except NoSuchObjectError:
            raise InvalidObjectError(
                f"Unable to add partition because table or database do not exist: {_db(db)}.{lookup_name(table_name)}"
            ) from None
        for p in parts:
            if (p.db_name and _db(p.db_name) != table.db_name) or (p.table_name and lookup_name(p.table_name) != table.table_name):
                raise MetaError(
                    f"Partition for {p.db_name}.{p.table_name} does not belong to {table.db_name}.{table.table_name}; "
                    "send one request per table"
                )
        columns: ColumnMemo = {}
        prepared = [self._prepare_partition(table, p, columns) for p in parts]
        added = self.catalog.add_partitions(table.db_name, table.table_name, prepared, if_not_exists=if_not_exists)
        for p in added:
            self.warehouse.make_dirs(p.sd.location)
        return added

    def add_partition(self, part: Partition) -> Partition:
        added = self.add_partitions(part.db_name, part.table_name, [part])
        return added[0]

    def append_partition(self, db: str, table: str, values: Sequence[str]) -> Partition:
        t = self.get_table(db, table)
        part = Partition(values=list(values), db_name=t.db_name, table_name=t.table_name, sd=None)  # type: ignore[arg-type]
        return self.add_partitions(t.db_name, t.table_name, [part])[0]

    def append_partition_by_name(self, db: str, table: str, name: str) -> Partition:
        t = self.get_table(db, table)
        return self.append_partition(db, table, partition_values_from_name(name, [k.name for k in t.partition_keys]))

    def get_partition(self, db: str, table: str, values: Sequence[str]) -> Partition:
        return self.catalog.get_partition(_db(db), lookup_name(table), list(values or []))

    def get_partition_by_name(self, db: str, table: str, name: str) -> Partition:
        parts = self.get_partitions_by_names(db, table, [name])
        if not parts:
            raise NoSuchObjectError(f"Partition {name} of {_db(db)}.{lookup_name(table)} does not exist")
        return parts[0]

    def get_partitions(self, db: str, table: str, max_parts: int = -1) -> list[Partition]:
        return self.catalog.list_partitions(_db(db), lookup_name(table), max_parts=max_parts)  # type: ignore[return-value]

    def get_partitions_ps(self, db: str, table: str, values: Sequence[str] | None, max_parts: int = -1) -> list[Partition]:
        return self.catalog.list_partitions(_db(db), lookup_name(table), spec=list(values or []), max_parts=max_parts)  # type: ignore[return-value]

    def get_partition_names(self, db: str, table: str, max_parts: int = -1) -> list[str]:
        return list(self.partition_names(db, table, max_parts=max_parts).names)

    def get_partition_names_ps(self, db: str, table: str, values: Sequence[str] | None, max_parts: int = -1) -> list[str]:
        return list(self.partition_names(db, table, spec=list(values or []), max_parts=max_parts).names)

    def partition_names(
        self, db: str, table: str, *, spec: Sequence[str] | None = None, max_parts: int = -1,
    ) -> NameListing:
        """Partition names as the store lists them (a cached listing may carry its encoded reply)."""
        return self.catalog.list_partition_names(_db(db), lookup_name(table), spec=spec, max_parts=max_parts)

    @staticmethod
    def _parse(filter_text: str | None):  # noqa: ANN205
        try:
            return parse_filter(filter_text or "")
        except FilterSyntaxError as e:
            raise MetaError(str(e)) from None

    def get_partitions_by_filter(self, db: str, table: str, filter_text: str | None, max_parts: int = -1) -> list[Partition]:
        expr = self._parse(filter_text)
        return self.catalog.list_partitions(_db(db), lookup_name(table), expr=expr, max_parts=max_parts)  # type: ignore[return-value]

    def get_partition_names_by_filter(self, db: str, table: str, filter_text: str | None, max_parts: int = -1) -> list[str]:
        expr = self._parse(filter_text)
        return self.catalog.list_partitions(_db(db), lookup_name(table), expr=expr, max_parts=max_parts, names_only=True)  # type: ignore[return-value]

    def get_num_partitions_by_filter(self, db: str, table: str, filter_text: str | None) -> int:
        return self.catalog.count_partitions(_db(db), lookup_name(table), self._parse(filter_text))

    def _canonical_names(self, table: Table, names: Sequence[str]) -> list[str]:
        return canonical_partition_names([k.name for k in table.partition_keys], names)

    def list_partitions_encoded(
        self, db: str, table: str, *, filter_text: str | None = None, spec: Sequence[str] | None = None,
        names: Sequence[str] | None = None, max_parts: int = -1,
    ) -> EncodedPartitions:
        """Partitions in served form (the fast path of every get_partitions* call)."""
        expr = self._parse(filter_text) if filter_text is not None else None
        limit = self.partition_limit
        capped = limit >= 0 and (max_parts < 0 or max_parts > limit)
        result = self.catalog.list_partitions_encoded(
            _db(db), lookup_name(table), expr=expr, spec=list(spec) if spec is not None else None,
            names=list(names) if names is not None else None, max_parts=limit + 1 if capped else max_parts,
        )
        if capped and len(result.bodies) > limit:
            raise MetaError(
                f"Number of partitions scanned on table '{lookup_name(table)}' exceeds limit (={limit}). "
                f"Narrow the request with a partition filter, or raise {PARTITION_LIMIT_KEY} on the metastore "
                "server (-1 means no limit)."
            )
        return result

    def get_partitions_by_names(self, db: str, table: str, names: Sequence[str] | None) -> list[Partition]:
        if not names:
            return []
        t = self.get_table(db, table)
        return self.catalog.get_partitions_by_names(t.db_name, t.table_name, self._canonical_names(t, names))

    def alter_partitions(self, db: str, table: str, parts: Sequence[Partition], env: dict[str, str] | None = None) -> None:
        if not parts:
            return
        t = self.get_table(db, table)
        prepared = []
        columns: ColumnMemo = {}
        for p in parts:
            try:
                p = self._prepare_partition(t, p, columns)
            except InvalidObjectError as e:  # alter_partition* declare no InvalidObjectException slot
                raise InvalidOperationError(e.message) from None
            if not _is_true((env or {}).get(DO_NOT_UPDATE_STATS)):
                p.parameters[DDL_TIME] = str(_now())
            prepared.append(p)
        self.catalog.alter_partitions(t.db_name, t.table_name, prepared)

    def rename_partition(self, db: str, table: str, old_values: Sequence[str], part: Partition) -> None:
        t = self.get_table(db, table)
        if not old_values:  # Hive: an empty old spec means "alter in place"
            self.alter_partitions(db, table, [part])
            return
        try:
            old = self.catalog.get_partition(t.db_name, t.table_name, list(old_values))
        except NoSuchObjectError as e:
            raise InvalidOperationError(e.message) from None
        try:
            new = self._prepare_partition(t, part)
        except InvalidObjectError as e:
            raise InvalidOperationError(e.message) from None
        keys = [k.name for k in t.partition_keys]
        if new.values != old.values and self.get_partitions_by_names(
            t.db_name, t.table_name, [make_partition_name(keys, new.values)]
        ):
            raise InvalidOperationError(
                f"Partition {make_partition_name(keys, new.values)} of {t.db_name}.{t.table_name} already exists"
            )
        default_old = join_location(t.sd.location or "", make_partition_name(keys, old.values))
        if t.table_type == TableType.MANAGED and old.sd.location == default_old == new.sd.location:
            new.sd.location = join_location(t.sd.location or "", make_partition_name(keys, new.values))
            self.warehouse.move(old.sd.location, new.sd.location)
        self.catalog.rename_partition(t.db_name, t.table_name, list(old_values), new)

    def drop_partitions(self, db: str, table: str, names: Sequence[str], delete_data: bool, if_exists: bool = False) -> list[Partition]:
        t = self.get_table(db, table)
        dropped = self.catalog.drop_partitions(t.db_name, t.table_name, self._canonical_names(t, names), if_exists=if_exists)
        if delete_data and t.table_type == TableType.MANAGED:
            for p in dropped:
                self.warehouse.delete(p.sd.location)
        return dropped

    def drop_partition(self, db: str, table: str, values: Sequence[str], delete_data: bool) -> None:
        t = self.get_table(db, table)
        keys = [k.name for k in t.partition_keys]
        if len(values or []) != len(keys):
            raise NoSuchObjectError(
                f"Partition values {list(values or [])} do not name a partition of {t.db_name}.{t.table_name} "
                f"(keys: {', '.join(keys) or 'none'})"
            )
        self.drop_partitions(db, table, [make_partition_name(keys, values)], delete_data)

    # -- functions --------------------------------------------------------------------------------

    def get_function(self, db: str, name: str) -> Function:
        return self.catalog.get_function(_db(db), lookup_name(name))

    def get_functions(self, db: str, pattern: str | None) -> list[str]:
        names = [f.function_name for f in self.catalog.list_functions(_db(db))]
        return filter_names(names, pattern)

    def get_all_functions(self) -> list[Function]:
        return self.catalog.list_functions()

    def _validate_function(self, fn: Function) -> Function:
        fn = copy.copy(fn)
        fn.db_name = normalize_name("Database", split_catalog_prefix(fn.db_name))
        fn.function_name = normalize_name("Function", fn.function_name)
        if not fn.class_name:
            raise InvalidObjectError(f"Function {fn.db_name}.{fn.function_name} has no class name")
        return fn

    def create_function(self, fn: Function) -> None:
        self.catalog.create_function(self._validate_function(fn))

    def alter_function(self, db: str, name: str, fn: Function) -> None:
        self.catalog.alter_function(_db(db), lookup_name(name), self._validate_function(fn))

    def drop_function(self, db: str, name: str) -> None:
        self.catalog.drop_function(_db(db), lookup_name(name))

    # -- configuration ----------------------------------------------------------------------------

    def get_config_value(self, name: str | None, default: str | None) -> str | None:
        if name is None:
            return default
        if not name.startswith(("hive.", "hdfs.", "mapred.")):
            raise ConfigValSecurityError(f"For security reasons, the config key {name} cannot be accessed")
        return self.config.get(name, default)
