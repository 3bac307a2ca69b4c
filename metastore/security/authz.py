"""Authorisation: one table of Thrift method -> required permission, checked before every call.

Permissions: ``any`` (connection housekeeping), ``read`` (any authenticated user), ``write`` on
every database the call names (admins, and writers listed for that database), ``admin``.
A method missing from the table needs ``admin``, so a newly implemented write method is never
open by accident (``tests/reliability/test_authz.py`` checks the table covers the handler).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from metastore.exceptions import MetaError
from metastore.names import split_catalog_prefix
from metastore.security.users import User

log = logging.getLogger("metahive.security")

ANY, READ, WRITE, ADMIN = "any", "read", "write", "admin"

_ANY = {
    "set_ugi", "shutdown", "getName", "getVersion", "getStatus", "aliveSince", "partition_name_to_vals",
    "setMetaConf",  # per-connection settings only (Session.meta_conf)
    "partition_name_to_spec",
}
_READ = {
    "get_config_value", "getMetaConf", "get_metastore_db_uuid", "get_catalogs", "get_catalog",
    "get_database", "get_database_req", "get_databases", "get_all_databases",
    "get_table", "get_table_req", "get_tables", "get_tables_by_type", "get_all_tables",
    "get_table_objects_by_name", "get_table_objects_by_name_req", "get_table_meta",
    "get_fields", "get_fields_with_environment_context", "get_schema", "get_schema_with_environment_context",
    "get_partition", "get_partition_req", "get_partition_with_auth", "get_partition_by_name",
    "get_partitions", "get_partitions_with_auth", "get_partitions_req", "get_partitions_ps",
    "get_partitions_ps_with_auth", "get_partitions_ps_with_auth_req", "get_partition_names",
    "get_partition_names_ps", "get_partition_names_ps_req", "get_partitions_by_filter",
    "get_num_partitions_by_filter", "get_partitions_by_names", "get_partitions_by_names_req",
    "get_function", "get_functions", "get_all_functions", "get_current_notificationEventId",
    "get_next_notification", "get_notification_events_count", "check_lock", "unlock", "heartbeat", "show_locks",
    "get_table_names_by_filter", "get_partition_values", "get_table_column_statistics", "get_partition_column_statistics",
    "get_table_statistics_req", "get_partitions_statistics_req", "get_aggr_stats_for",
    # transactions name no database and only serve non-ACID work here (metastore/wire/txn_methods.py)
    "open_txns", "commit_txn", "abort_txn", "abort_txns", "heartbeat_txn_range", "get_open_txns",
    "get_open_txns_info", "get_open_txns_req", "get_valid_write_ids",
}
_WRITE = {
    "create_database", "drop_database", "drop_database_req", "alter_database",
    "create_table", "create_table_with_environment_context", "create_table_req",
    "drop_table", "drop_table_with_environment_context",
    "alter_table", "alter_table_with_environment_context", "alter_table_with_cascade", "alter_table_req",
    "add_partition", "add_partition_with_environment_context", "add_partitions", "add_partitions_req",
    "append_partition", "append_partition_by_name",
    "alter_partition", "alter_partition_with_environment_context", "alter_partitions",
    "alter_partitions_with_environment_context", "alter_partitions_req", "rename_partition",
    "rename_partition_req", "drop_partition", "drop_partition_with_environment_context",
    "drop_partition_by_name", "drop_partition_by_name_with_environment_context", "drop_partitions_req",
    "create_function", "alter_function", "drop_function", "lock", "allocate_table_write_ids",
    "update_table_column_statistics", "update_table_column_statistics_req", "update_partition_column_statistics",
    "update_partition_column_statistics_req", "set_aggr_stats_for", "delete_table_column_statistics",
    "delete_partition_column_statistics",
}
PERMISSIONS: dict[str, str] = {
    **{m: ANY for m in _ANY}, **{m: READ for m in _READ}, **{m: WRITE for m in _WRITE},
}

# Argument / struct attribute names that carry a database name, in the Hive IDLs.
_DB_FIELDS = ("dbname", "db_name", "dbName", "databaseName")
# Database-level calls name the database in a field called ``name``.
_DB_NAME_ARG = {"create_database": "database", "drop_database": "name", "drop_database_req": "req"}


def required_permission(method: str) -> str:
    return PERMISSIONS.get(method, ADMIN)


def target_databases(method: str, args: Any) -> set[str]:
    """Every database a call's arguments name (a rename names two), lower-cased, catalog prefix removed."""
    found: set[str] = set()
    holder = _DB_NAME_ARG.get(method)
    if holder is not None:
        value = getattr(args, holder, None)
        name = value if isinstance(value, str) else getattr(value, "name", None)
        if isinstance(name, str):
            found.add(name)
    for value in _walk(args, 3):
        for attr in _DB_FIELDS:
            name = getattr(value, attr, None)
            if isinstance(name, str) and name:
                found.add(name)
    return {split_catalog_prefix(n).lower() for n in found}


def _walk(value: Any, depth: int) -> Iterator[Any]:
    """The argument struct, and structs inside it up to ``depth`` levels (lists included)."""
    yield value
    if depth == 0:
        return
    spec = getattr(value, "thrift_spec", None)
    if spec is None:
        return
    for field_spec in spec.values():
        child = getattr(value, field_spec[1], None)
        if isinstance(child, list):
            for item in child:
                if hasattr(item, "thrift_spec"):
                    yield from _walk(item, depth - 1)
        elif hasattr(child, "thrift_spec"):
            yield from _walk(child, depth - 1)


def record_denied(user: str, method: str, target: str, address: str) -> None:
    """The single hook for denied calls: logged now; the audit log (issue 6) records it from here."""
    log.warning("denied %s from %s (user %s) on %s", method, address, user, target)


def authorize(user: User, method: str, args: Any, address: str = "") -> None:
    """Raise ``MetaError("not authorized: ...")`` unless ``user`` may make this call."""
    needed = required_permission(method)
    if needed in (ANY, READ) or user.role == "admin":
        return
    if needed == WRITE and user.role == "writer":
        targets = target_databases(method, args)
        denied = sorted(targets - set(user.databases)) if targets else ["<no database named>"]
        if not denied:
            return
        target = f"database {denied[0]}"
    elif needed == WRITE:
        targets = sorted(target_databases(method, args))
        target = f"database {targets[0]}" if targets else "the catalog"
    else:
        target = "the catalog (admin only)"
    record_denied(user.name, method, target, address)
    raise MetaError(f"not authorized: user {user.name} may not {method} {target} (role {user.role})")
