"""Thrift method handlers: convert request structs to domain values, call HMS semantics, convert back.

One instance per client connection (it carries the ``set_ugi`` user). Methods are named exactly
as the Thrift methods; a method that is not defined here answers UNKNOWN_METHOD, which is what
Hive, Spark and Trino fall back from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from metastore import model
from metastore.audit.context import set_actor
from metastore.exceptions import MetaError, NoSuchObjectError
from metastore.hms.partition_values import partition_values
from metastore.hms.service import EXPECTED_KEY, EXPECTED_VALUE, HiveMetastore
from metastore.names import check_catalog, parse_partition_name
from metastore.wire.convert import PartitionReader, from_thrift, to_thrift, to_thrift_list
from metastore.wire.encoded import (
    EncodedValue,
    as_list,
    in_struct,
    partition_list,
    string_list,
    table_list,
    table_value,
)
from metastore.wire.idl import hms
from metastore.wire.lock_methods import LockMethods
from metastore.wire.notification_methods import NotificationMethods
from metastore.wire.statistics_methods import StatisticsMethods
from metastore.wire.txn_methods import TxnMethods

DEFAULT_CATALOG = "hive"


@dataclass(slots=True)
class Session:
    """Per-connection state."""

    address: str = ""
    user: str | None = None
    groups: list[str] = field(default_factory=list)
    meta_conf: dict[str, str] = field(default_factory=dict)  # setMetaConf overrides


def _env(env_ctx: Any) -> dict[str, str]:
    return dict(env_ctx.properties or {}) if env_ctx is not None and env_ctx.properties else {}


def _cat(req: Any) -> Any:
    """The request, after checking the catalog it names (Hive 3/4 ``catName``/``catalogName``) is ours."""
    check_catalog(getattr(req, "catName", None) or getattr(req, "catalogName", None))
    return req


def _max(value: int | None) -> int:
    return -1 if value is None or value < 0 else value


class ThriftHandler(LockMethods, StatisticsMethods, TxnMethods, NotificationMethods):
    def __init__(self, metastore: HiveMetastore, session: Session) -> None:
        self.ms = metastore
        self.session = session
        self.t = hms()
        set_actor(session.user or session.address or None)  # the connection's thread: audit actor

    # -- connection / fb303 -----------------------------------------------------------------------

    def set_ugi(self, user_name: str, group_names: Sequence[str] | None) -> list[str]:
        self.session.user = user_name
        self.session.groups = list(group_names or [])
        set_actor(user_name or self.session.address or None)
        return [*self.session.groups, user_name]

    def shutdown(self) -> None:
        """fb303 ``shutdown``: Hive clients send it on every close; it must not stop the server."""

    def getName(self) -> str:  # noqa: N802
        return "metahive"

    def getVersion(self) -> str:  # noqa: N802
        from metastore import __version__

        return __version__

    def getStatus(self) -> int:  # noqa: N802
        return self.t.fb_status.ALIVE

    def aliveSince(self) -> int:  # noqa: N802
        return 0

    def get_config_value(self, name: str, defaultValue: str | None) -> str | None:  # noqa: N803
        return self.ms.get_config_value(name, defaultValue)

    def getMetaConf(self, key: str) -> str:  # noqa: N802
        value = self.session.meta_conf.get(key, self.ms.config.get(key))
        if value is None:
            raise MetaError(f"Invalid configuration key {key}")
        return value

    def setMetaConf(self, key: str, value: str | None) -> None:  # noqa: N802
        """A per-connection override of a metastore setting (Hive's ``set metaconf:k=v``)."""
        if not (key or "").startswith(("hive.metastore.", "metastore.")):
            raise MetaError(f"Invalid configuration key {key}: only hive.metastore.* settings can be set per connection")
        self.session.meta_conf[key] = value or ""

    def get_metastore_db_uuid(self) -> str:
        return "00000000-0000-0000-0000-000000000000"

    # -- catalogs ---------------------------------------------------------------------------------

    def get_catalogs(self) -> Any:
        return self.t.GetCatalogsResponse(names=[DEFAULT_CATALOG])

    def get_catalog(self, catName: Any) -> Any:  # noqa: N803
        if (catName.name or DEFAULT_CATALOG).lower() != DEFAULT_CATALOG:
            raise NoSuchObjectError(f"Catalog {catName.name} does not exist; the only catalog is '{DEFAULT_CATALOG}'")
        cat = self.t.Catalog(name=DEFAULT_CATALOG, description="Default catalog",
                             locationUri=self.ms.warehouse.root_uri, createTime=0)
        return self.t.GetCatalogResponse(catalog=cat)

    # -- databases --------------------------------------------------------------------------------

    def get_database(self, name: str) -> Any:
        return to_thrift(self.ms.get_database(name))

    def get_database_req(self, request: Any) -> Any:
        return to_thrift(self.ms.get_database(_cat(request).name))

    def get_databases(self, pattern: str | None) -> list[str]:
        return self.ms.get_databases(pattern)

    def get_all_databases(self) -> list[str]:
        return self.ms.get_databases(None)

    def create_database(self, database: Any) -> None:
        self.ms.create_database(from_thrift(database, model.Database), self.session.user)

    def drop_database(self, name: str, deleteData: bool, cascade: bool) -> None:  # noqa: N803
        self.ms.drop_database(name, bool(deleteData), bool(cascade))

    def drop_database_req(self, req: Any) -> None:
        _cat(req)
        try:
            self.ms.drop_database(req.name, bool(req.deleteData), bool(req.cascade))
        except NoSuchObjectError:
            if not req.ignoreUnknownDb:
                raise

    def alter_database(self, dbname: str, db: Any) -> None:
        self.ms.alter_database(dbname, from_thrift(db, model.Database))

    # -- tables -----------------------------------------------------------------------------------

    def get_table(self, dbname: str, tbl_name: str) -> EncodedValue:
        found = self.ms.get_table_encoded(dbname, tbl_name)
        return table_value(found.bodies[0], found.columns[found.cd_ids[0]])

    def get_table_req(self, req: Any) -> EncodedValue:
        if getattr(req, "getColumnStats", None):  # Hive 4: the table with its column statistics
            return in_struct(1, self.table_with_column_stats(_cat(req).dbName, req.tblName, req.engine))
        return in_struct(1, self.get_table(_cat(req).dbName, req.tblName))

    def get_tables(self, db_name: str, pattern: str | None) -> list[str]:
        return self.ms.get_tables(db_name, pattern)

    def get_tables_by_type(self, db_name: str, pattern: str | None, tableType: str | None) -> list[str]:  # noqa: N803
        return self.ms.get_tables(db_name, pattern, tableType or None)

    def get_all_tables(self, db_name: str) -> list[str]:
        return self.ms.get_tables(db_name, None)

    def get_table_objects_by_name(self, dbname: str, tbl_names: Sequence[str] | None) -> EncodedValue:
        found = self.ms.get_table_objects_encoded(dbname, tbl_names)
        return table_list(found.bodies, found.cd_ids, found.columns)

    def get_table_objects_by_name_req(self, req: Any) -> EncodedValue:
        return in_struct(1, self.get_table_objects_by_name(_cat(req).dbName, req.tblNames))

    def get_table_names_by_filter(self, dbname: str, filter: str | None, max_tables: int | None) -> list[str]:  # noqa: A002
        return self.ms.get_table_names_by_filter(dbname, filter, _max(max_tables))

    def get_table_meta(self, db_patterns: str | None, tbl_patterns: str | None, tbl_types: Sequence[str] | None) -> list[Any]:
        return to_thrift_list(self.ms.get_table_meta(db_patterns, tbl_patterns, tbl_types))

    def get_fields(self, db_name: str, table_name: str) -> list[Any]:
        return to_thrift_list(self.ms.get_fields(db_name, table_name))

    def get_fields_with_environment_context(self, db_name: str, table_name: str, environment_context: Any) -> list[Any]:
        return self.get_fields(db_name, table_name)

    def get_schema(self, db_name: str, table_name: str) -> list[Any]:
        return to_thrift_list(self.ms.get_fields(db_name, table_name, with_partition_keys=True))

    def get_schema_with_environment_context(self, db_name: str, table_name: str, environment_context: Any) -> list[Any]:
        return self.get_schema(db_name, table_name)

    def create_table(self, tbl: Any) -> None:
        self.ms.create_table(from_thrift(tbl, model.Table), self.session.user)

    def create_table_with_environment_context(self, tbl: Any, environment_context: Any) -> None:
        self.create_table(tbl)

    def create_table_req(self, request: Any) -> None:
        self.create_table(_cat(request).table)

    def drop_table(self, dbname: str, name: str, deleteData: bool) -> None:  # noqa: N803
        self.ms.drop_table(dbname, name, bool(deleteData))

    def drop_table_with_environment_context(self, dbname: str, name: str, deleteData: bool, environment_context: Any) -> None:  # noqa: N803
        self.ms.drop_table(dbname, name, bool(deleteData))

    def alter_table(self, dbname: str, tbl_name: str, new_tbl: Any) -> None:
        self.ms.alter_table(dbname, tbl_name, from_thrift(new_tbl, model.Table))

    def alter_table_with_environment_context(self, dbname: str, tbl_name: str, new_tbl: Any, environment_context: Any) -> None:
        self.ms.alter_table(dbname, tbl_name, from_thrift(new_tbl, model.Table), _env(environment_context))

    def alter_table_with_cascade(self, dbname: str, tbl_name: str, new_tbl: Any, cascade: bool) -> None:
        self.ms.alter_table(dbname, tbl_name, from_thrift(new_tbl, model.Table), cascade=bool(cascade))

    def alter_table_req(self, req: Any) -> Any:
        env = _env(_cat(req).environmentContext)
        expected_key = getattr(req, "expectedParameterKey", None)  # Hive 4.0.0+; absent in older IDLs
        if expected_key is not None:
            env[EXPECTED_KEY] = expected_key
            env[EXPECTED_VALUE] = getattr(req, "expectedParameterValue", None) or ""
        self.ms.alter_table(req.dbName, req.tableName, from_thrift(req.table, model.Table), env)
        return self.t.AlterTableResponse()

    # -- partitions -------------------------------------------------------------------------------

    def _encoded(self, db: str, table: str, **query: Any) -> EncodedValue:
        enc = self.ms.list_partitions_encoded(db, table, **query)
        if enc.served is not None:  # a cached whole-table listing, assembled by an earlier call
            return as_list(iter(enc.served), len(enc.bodies))
        chunks = partition_list(enc.db_name, enc.table_name, enc.bodies, enc.cd_ids, enc.columns)
        if enc.cached:
            enc.served = list(chunks)
            return as_list(iter(enc.served), len(enc.bodies))
        return as_list(chunks, len(enc.bodies))

    def _parts(self, parts: Sequence[Any] | None) -> list[model.Partition]:
        read = PartitionReader().partition
        return [read(p) for p in parts or []]

    def add_partition(self, new_part: Any) -> Any:
        return to_thrift(self.ms.add_partition(self._parts([new_part])[0]))

    def add_partition_with_environment_context(self, new_part: Any, environment_context: Any) -> Any:
        return self.add_partition(new_part)

    def add_partitions(self, new_parts: Sequence[Any] | None) -> int:
        parts = self._parts(new_parts)
        if not parts:
            return 0
        return len(self.ms.add_partitions(parts[0].db_name, parts[0].table_name, parts))

    def add_partitions_req(self, request: Any) -> Any:
        added = self.ms.add_partitions(_cat(request).dbName, request.tblName, self._parts(request.parts),
                                       if_not_exists=bool(request.ifNotExists))
        need = request.needResult is None or request.needResult
        return self.t.AddPartitionsResult(partitions=to_thrift_list(added) if need else None)

    def append_partition(self, db_name: str, tbl_name: str, part_vals: Sequence[str]) -> Any:
        return to_thrift(self.ms.append_partition(db_name, tbl_name, part_vals))

    def append_partition_by_name(self, db_name: str, tbl_name: str, part_name: str) -> Any:
        return to_thrift(self.ms.append_partition_by_name(db_name, tbl_name, part_name))

    def get_partition(self, db_name: str, tbl_name: str, part_vals: Sequence[str]) -> Any:
        return to_thrift(self.ms.get_partition(db_name, tbl_name, part_vals))

    def get_partition_req(self, req: Any) -> Any:
        return self.t.GetPartitionResponse(partition=self.get_partition(_cat(req).dbName, req.tblName, req.partVals))

    def get_partition_with_auth(self, db_name: str, tbl_name: str, part_vals: Sequence[str], user_name: str | None, group_names: Any) -> Any:
        return self.get_partition(db_name, tbl_name, part_vals)

    def get_partition_by_name(self, db_name: str, tbl_name: str, part_name: str) -> Any:
        return to_thrift(self.ms.get_partition_by_name(db_name, tbl_name, part_name))

    def get_partitions(self, db_name: str, tbl_name: str, max_parts: int) -> EncodedValue:
        return self._encoded(db_name, tbl_name, max_parts=_max(max_parts))

    def get_partitions_with_auth(self, db_name: str, tbl_name: str, max_parts: int, user_name: Any, group_names: Any) -> list[Any]:
        return self.get_partitions(db_name, tbl_name, max_parts)

    def get_partitions_req(self, req: Any) -> EncodedValue:
        return in_struct(1, self.get_partitions(_cat(req).dbName, req.tblName, req.maxParts))

    def get_partitions_ps(self, db_name: str, tbl_name: str, part_vals: Sequence[str] | None, max_parts: int) -> EncodedValue:
        return self._encoded(db_name, tbl_name, spec=list(part_vals or []), max_parts=_max(max_parts))

    def get_partitions_ps_with_auth(self, db_name: str, tbl_name: str, part_vals: Sequence[str] | None, max_parts: int,
                                    user_name: Any, group_names: Any) -> list[Any]:
        return self.get_partitions_ps(db_name, tbl_name, part_vals, max_parts)

    def get_partitions_ps_with_auth_req(self, req: Any) -> EncodedValue:
        return in_struct(1, self.get_partitions_ps(_cat(req).dbName, req.tblName, req.partVals, req.maxParts))

    def get_partition_names(self, db_name: str, tbl_name: str, max_parts: int) -> EncodedValue:
        return string_list(self.ms.partition_names(db_name, tbl_name, max_parts=_max(max_parts)))

    def get_partition_names_ps(self, db_name: str, tbl_name: str, part_vals: Sequence[str] | None, max_parts: int) -> list[str]:
        return self.ms.get_partition_names_ps(db_name, tbl_name, part_vals, _max(max_parts))

    def get_partition_names_ps_req(self, req: Any) -> Any:
        return self.t.GetPartitionNamesPsResponse(
            names=self.get_partition_names_ps(_cat(req).dbName, req.tblName, req.partValues, req.maxParts)
        )

    def get_partition_values(self, request: Any) -> Any:
        req = _cat(request)
        rows = partition_values(
            self.ms, req.dbName, req.tblName, [k.name for k in req.partitionKeys or []], req.filter,
            req.applyDistinct is None or bool(req.applyDistinct), [k.name for k in req.partitionOrder or []],
            req.ascending is None or bool(req.ascending), -1 if req.maxParts is None else req.maxParts,
        )
        return self.t.PartitionValuesResponse(partitionValues=[self.t.PartitionValuesRow(row=r) for r in rows])

    def get_partitions_by_filter(self, db_name: str, tbl_name: str, filter: str | None, max_parts: int) -> EncodedValue:  # noqa: A002
        return self._encoded(db_name, tbl_name, filter_text=filter or "", max_parts=_max(max_parts))

    def get_num_partitions_by_filter(self, db_name: str, tbl_name: str, filter: str | None) -> int:  # noqa: A002
        return self.ms.get_num_partitions_by_filter(db_name, tbl_name, filter)

    def get_partitions_by_names(self, db_name: str, tbl_name: str, names: Sequence[str] | None) -> EncodedValue:
        return self._encoded(db_name, tbl_name, names=list(names or []))

    def get_partitions_by_names_req(self, req: Any) -> EncodedValue | Any:
        if req.get_col_stats:  # Hive 4: each partition with its column statistics
            return self.partitions_with_column_stats(req.db_name, req.tbl_name, req.names or [], req.engine)
        return in_struct(1, self.get_partitions_by_names(req.db_name, req.tbl_name, req.names))

    def alter_partition(self, db_name: str, tbl_name: str, new_part: Any) -> None:
        self.ms.alter_partitions(db_name, tbl_name, self._parts([new_part]))

    def alter_partition_with_environment_context(self, db_name: str, tbl_name: str, new_part: Any, environment_context: Any) -> None:
        self.ms.alter_partitions(db_name, tbl_name, self._parts([new_part]), _env(environment_context))

    def alter_partitions(self, db_name: str, tbl_name: str, new_parts: Sequence[Any]) -> None:
        self.ms.alter_partitions(db_name, tbl_name, self._parts(new_parts))

    def alter_partitions_with_environment_context(self, db_name: str, tbl_name: str, new_parts: Sequence[Any], environment_context: Any) -> None:
        self.ms.alter_partitions(db_name, tbl_name, self._parts(new_parts), _env(environment_context))

    def alter_partitions_req(self, req: Any) -> Any:
        self.ms.alter_partitions(_cat(req).dbName, req.tableName, self._parts(req.partitions), _env(req.environmentContext))
        return self.t.AlterPartitionsResponse()

    def rename_partition(self, db_name: str, tbl_name: str, part_vals: Sequence[str], new_part: Any) -> None:
        self.ms.rename_partition(db_name, tbl_name, part_vals, self._parts([new_part])[0])

    def rename_partition_req(self, req: Any) -> Any:
        self.rename_partition(_cat(req).dbName, req.tableName, req.partVals, req.newPart)
        return self.t.RenamePartitionResponse()

    def drop_partition(self, db_name: str, tbl_name: str, part_vals: Sequence[str], deleteData: bool) -> bool:  # noqa: N803
        self.ms.drop_partition(db_name, tbl_name, part_vals, bool(deleteData))
        return True

    def drop_partition_with_environment_context(self, db_name: str, tbl_name: str, part_vals: Sequence[str], deleteData: bool,  # noqa: N803
                                                environment_context: Any) -> bool:
        return self.drop_partition(db_name, tbl_name, part_vals, deleteData)

    def drop_partition_by_name(self, db_name: str, tbl_name: str, part_name: str, deleteData: bool) -> bool:  # noqa: N803
        self.ms.drop_partitions(db_name, tbl_name, [part_name], bool(deleteData))
        return True

    def drop_partition_by_name_with_environment_context(self, db_name: str, tbl_name: str, part_name: str,
                                                        deleteData: bool, environment_context: Any) -> bool:  # noqa: N803
        return self.drop_partition_by_name(db_name, tbl_name, part_name, deleteData)

    def drop_partitions_req(self, req: Any) -> Any:
        _cat(req)
        if req.parts is None or req.parts.names is None:
            raise MetaError("drop_partitions_req supports partition names only; expressions are not supported")
        dropped = self.ms.drop_partitions(req.dbName, req.tblName, req.parts.names,
                                          req.deleteData is None or bool(req.deleteData), bool(req.ifExists))
        return self.t.DropPartitionsResult(partitions=to_thrift_list(dropped) if req.needResult else None)

    def partition_name_to_vals(self, part_name: str) -> list[str]:
        return [v for _, v in parse_partition_name(part_name)]

    def partition_name_to_spec(self, part_name: str) -> dict[str, str]:
        return dict(parse_partition_name(part_name))

    # -- functions --------------------------------------------------------------------------------

    def get_function(self, dbName: str, funcName: str) -> Any:  # noqa: N803
        return to_thrift(self.ms.get_function(dbName, funcName))

    def get_functions(self, dbName: str, pattern: str | None) -> list[str]:  # noqa: N803
        return self.ms.get_functions(dbName, pattern)

    def get_all_functions(self) -> Any:
        return self.t.GetAllFunctionsResponse(functions=to_thrift_list(self.ms.get_all_functions()))

    def create_function(self, func: Any) -> None:
        self.ms.create_function(from_thrift(func, model.Function))

    def alter_function(self, dbName: str, funcName: str, newFunc: Any) -> None:  # noqa: N803
        self.ms.alter_function(dbName, funcName, from_thrift(newFunc, model.Function))

    def drop_function(self, dbName: str, funcName: str) -> None:  # noqa: N803
        self.ms.drop_function(dbName, funcName)
