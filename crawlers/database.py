"""Databases as a crawl source (Glue's JDBC crawler) through SQLAlchemy: PostgreSQL, MySQL/MariaDB, SQLite.

Only metadata is read (the inspector): tables matching include paths ``database/schema/table``
(``database/table`` for MySQL and SQLite, whose databases have no schemas) with ``%`` wildcards,
columns mapped to Hive types, table and column comments kept. Tables are named
``<database>_<schema>_<table>`` and located at ``<dialect>://host:port/database/schema/table``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import types as st

from crawlers.grouping import sanitize_name
from crawlers.merge import CRAWLER_KEY, RUN_KEY
from crawlers.paths import Excludes
from crawlers.sources import SourceError
from metastore.model import FieldSchema, SerDeInfo, StorageDescriptor, Table, TableType

DB_SCHEMES = ("postgresql", "postgres", "mysql", "mariadb", "sqlite")
_NO_SCHEMA_LEVEL = ("mysql", "mariadb", "sqlite")


def is_database_url(uri: str) -> bool:
    return uri.split(":", 1)[0].split("+", 1)[0] in DB_SCHEMES


def hive_type(t: sa.types.TypeEngine) -> str:
    """The Hive type engines read a column of this SQL type as."""
    name = type(t).__name__.upper()
    if isinstance(t, st.Boolean) or name in ("BIT",) and getattr(t, "length", 1) in (None, 1):
        return "boolean"
    if name == "TINYINT":
        return "boolean" if getattr(t, "display_width", None) == 1 else "tinyint"  # MySQL BOOL is tinyint(1)
    if isinstance(t, st.SmallInteger) or name == "SMALLINT":
        return "smallint"
    if isinstance(t, st.BigInteger) or name == "BIGINT":
        return "bigint"
    if isinstance(t, st.Integer):
        return "int"
    if isinstance(t, st.Float) or name in ("REAL", "DOUBLE", "DOUBLE_PRECISION", "FLOAT"):
        return "float" if name in ("REAL",) or (name == "FLOAT" and (getattr(t, "precision", None) or 53) <= 24) \
            else "double"
    if isinstance(t, st.Numeric):
        p, s = t.precision, t.scale or 0
        return f"decimal({p},{s})" if p and p <= 38 else "decimal(38,18)" if p is None else "string"
    if isinstance(t, st.DateTime) or name.startswith("TIMESTAMP"):
        return "timestamp"
    if isinstance(t, st.Date):
        return "date"
    if isinstance(t, st.LargeBinary | st._Binary):
        return "binary"
    if isinstance(t, st.ARRAY):
        return f"array<{hive_type(t.item_type)}>"
    return "string"  # text, char, varchar, enum, json, uuid, time, interval, network and geometry types


def _like(pattern: str) -> re.Pattern[str]:
    """A Glue JDBC include segment: ``%`` is any run of characters; case-sensitive."""
    return re.compile(".*".join(re.escape(p) for p in pattern.split("%")) + r"\Z", re.DOTALL)


@dataclass
class Include:
    database: str
    schema: str | None  # None on engines without a schema level
    table: str


def parse_include(path: str, dialect: str, url_database: str | None) -> Include:
    parts = path.strip("/").split("/")
    flat = dialect in _NO_SCHEMA_LEVEL
    if flat and len(parts) != 2 or not flat and len(parts) != 3:
        shape = "database/table" if flat else "database/schema/table"
        raise SourceError(f"include path {path!r}: {dialect} paths are {shape} (use % as a wildcard)")
    if "%" in parts[0]:
        raise SourceError(f"include path {path!r}: % may stand for a schema or table, never the database")
    if dialect != "sqlite" and url_database and parts[0] != url_database:
        raise SourceError(f"include path {path!r} names database {parts[0]}, but the connection is to "
                          f"{url_database}; crawl each database with its own connection")
    return Include(parts[0], None if flat else parts[1], parts[-1])


class DatabaseSource:
    """One database server connection and the include paths to catalog from it."""

    def __init__(self, url: str, includes: Sequence[str] = (), excludes: Excludes | None = None,
                 connection_name: str | None = None) -> None:
        try:
            self.url = sa.make_url(url)
        except Exception as e:
            raise SourceError(f"source {url!r} is not a database URL: {e}") from None
        backend = self.url.get_backend_name()
        self.dialect = {"postgres": "postgresql", "mariadb": "mysql"}.get(backend, backend)
        if self.url.drivername in ("mysql", "mariadb"):  # the drivers this project installs
            self.url = self.url.set(drivername="mysql+pymysql")
        elif self.url.drivername in ("postgresql", "postgres"):
            self.url = self.url.set(drivername="postgresql+psycopg2")
        self.database = (self.url.database or "main") if self.dialect != "sqlite" else "main"
        self.uri = self._location(self.database)
        self.excludes = excludes or Excludes()
        self.connection_name = connection_name
        default = [f"{self.database}/%"] if self.dialect in _NO_SCHEMA_LEVEL else [f"{self.database}/%/%"]
        self.includes = [parse_include(p, self.dialect, self.database) for p in (includes or default)]

    def _location(self, *parts: str) -> str:
        if self.dialect == "sqlite":
            return "sqlite:" + "/".join([self.url.database or ":memory:", *parts[1:]])
        host = f"{self.url.host or 'localhost'}{':' + str(self.url.port) if self.url.port else ''}"
        return f"{self.dialect}://{host}/" + "/".join(parts)

    def safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def tables(self, database: str, crawler: str, run_id: str) -> list[Table]:
        """The catalog definitions of every included table (metadata only, one connection)."""
        engine = sa.create_engine(self.url, pool_pre_ping=False)
        try:
            with engine.connect() as conn:
                inspector = sa.inspect(conn)
                found = self._matching(inspector)
                return [self._table(inspector, database, schema, name, crawler, run_id) for schema, name in found]
        except sa.exc.OperationalError as e:
            raise SourceError(f"cannot connect to {self.safe_url()}: {str(e.orig).strip() or e}") from None
        except sa.exc.SQLAlchemyError as e:
            raise SourceError(f"reading metadata from {self.safe_url()} failed: {e}") from None
        finally:
            engine.dispose()

    def _matching(self, inspector) -> list[tuple[str | None, str]]:  # noqa: ANN001
        out: list[tuple[str | None, str]] = []
        for inc in self.includes:
            schemas = [None] if inc.schema is None else [
                s for s in inspector.get_schema_names()
                if _like(inc.schema).match(s) and s not in ("information_schema", "pg_catalog", "pg_toast")]
            for schema in schemas:
                for name in inspector.get_table_names(schema=schema) + inspector.get_view_names(schema=schema):
                    rel = f"{schema}/{name}" if schema else name
                    if _like(inc.table).match(name) and not self.excludes.matches(rel) and (schema, name) not in out:
                        out.append((schema, name))
        return out

    def _table(self, inspector, database: str, schema: str | None, name: str, crawler: str,  # noqa: ANN001
               run_id: str) -> Table:
        cols = [FieldSchema(c["name"].lower(), hive_type(c["type"]), c.get("comment"))
                for c in inspector.get_columns(name, schema=schema)]
        try:
            comment = inspector.get_table_comment(name, schema=schema).get("text")
        except NotImplementedError:  # SQLite has no comments
            comment = None
        parts = [self.database, *([schema] if schema else []), name]
        params = {"classification": self.dialect, "typeOfData": "table", "compressionType": "none",
                  CRAWLER_KEY: crawler, RUN_KEY: run_id, "EXTERNAL": "TRUE",
                  "CrawlerSchemaDeserializerVersion": "1.0", "CrawlerSchemaSerializerVersion": "1.0"}
        if self.connection_name:
            params["connectionName"] = self.connection_name
        if comment:
            params["comment"] = comment
        sd_params = {k: v for k, v in params.items() if k not in ("EXTERNAL", RUN_KEY, "comment")}
        return Table(
            table_name=sanitize_name("_".join(parts)), db_name=database, owner=f"crawler:{crawler}",
            table_type=TableType.EXTERNAL, parameters=params,
            sd=StorageDescriptor(cols=cols, location=self._location(*parts), serde_info=SerDeInfo(),
                                 parameters=sd_params),
        )
