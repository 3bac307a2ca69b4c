"""Settings: one TOML file, ``METAHIVE_*`` environment variables and command-line flags.

Precedence, lowest first: defaults < hive-site.xml < TOML file < environment < flags. Every setting
is one field of :class:`Settings`; its metadata (help, Hive key, secret) drives the TOML keys,
the environment variable (``METAHIVE_`` + upper-case name), ``metahive config show`` and
the mapping from Hive's own keys, so a feature adds a setting by adding one field.

Hive properties that are not settings (``hive.txn.timeout``, ``fs.s3a.*`` …) are kept in
``Settings.hive`` and handed to the metastore, which answers ``get_config_value`` from them.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

ENV_PREFIX = "METAHIVE_"
CONFIG_ENV = "METAHIVE_CONFIG"
HIVE_SITE_ENV = "METAHIVE_HIVE_SITE"
MASK = "****"
SECRET_WORDS = ("password", "secret", "key", "token")

# Sources, in precedence order; ``config show`` prints which one each value came from.
DEFAULT, HIVE_SITE, FILE, ENV, FLAG = "default", "hive-site", "file", "env", "flag"


class ConfigError(ValueError):
    """A configuration value or file is unusable; the message says which and how to fix it."""


def setting(default: Any, help: str, *, hive: str | None = None, secret: bool = False) -> Any:  # noqa: A002
    return field(default=default, metadata={"help": help, "hive": hive, "secret": secret})


@dataclass
class Settings:
    # -- server ----------------------------------------------------------------------------------
    host: str = setting("127.0.0.1", "Address the Thrift server listens on.")
    port: int = setting(9083, "Thrift port.", hive="hive.metastore.port")
    workers: int = setting(0, "Worker processes sharing the port; 0: the number of CPUs.")
    shutdown_timeout: float = setting(
        30.0, "Seconds to let in-flight calls finish after SIGTERM before exiting anyway.")
    # -- catalog --------------------------------------------------------------------------------
    db: str = setting("sqlite:///metahive.db", "Catalog database: sqlite:///path or postgresql://user@host/db.",
                      hive="javax.jdo.option.ConnectionURL")
    warehouse: str = setting("./warehouse", "Warehouse root for managed databases and tables.",
                             hive="hive.metastore.warehouse.dir")
    limit_partition_request: int = setting(
        -1, "Most partitions one call may return; -1: no limit.", hive="hive.metastore.limit.partition.request")
    # -- schema-change audit (metastore.audit) ----------------------------------------------------
    audit_max_versions: int = setting(
        0, "Table versions the change audit keeps per table (older ones are pruned); 0: all.")
    # -- observability ----------------------------------------------------------------------------
    log_level: str = setting("INFO", "DEBUG, INFO, WARNING or ERROR.")
    log_format: str = setting("text", "text (human-readable) or json (one object per line).")
    metrics_port: int = setting(0, "HTTP port for /metrics, /healthz and /readyz; 0: off.")
    metrics_host: str = setting("127.0.0.1", "Address the metrics/health HTTP server listens on.")
    slow_rpc_ms: float = setting(1000.0, "Log one line for every call slower than this; 0: off.")
    # -- security (issue 8: TLS, SASL, authorisation settings go here) ----------------------------
    # -- crawlers (issue 5: schedules go here or in their own [crawlers] table) --------------------
    # -- Hive properties passed through to the metastore (get_config_value, hive.txn.timeout …) ----
    hive: dict[str, str] = field(default_factory=dict, metadata={
        "help": "Other Hive properties ([hive] table in TOML, or from hive-site.xml).", "hive": None,
        "secret": False})

    def metastore_config(self) -> dict[str, str]:
        """The Hive properties the metastore answers ``get_config_value`` with."""
        from metastore.audit.settings import MAX_VERSIONS_KEY

        return {**self.hive, "hive.metastore.limit.partition.request": str(self.limit_partition_request),
                MAX_VERSIONS_KEY: str(self.audit_max_versions)}

    def effective_workers(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "hive"}
HIVE_KEYS = {f.metadata["hive"]: name for name, f in FIELDS.items() if f.metadata["hive"]}
# Hive keys whose values go into another setting rather than being settings of their own.
JDO_USER, JDO_PASSWORD = "javax.jdo.option.ConnectionUserName", "javax.jdo.option.ConnectionPassword"


@dataclass
class Resolved:
    """Effective settings and where each value came from."""

    settings: Settings
    sources: dict[str, str]
    config_file: Path | None = None
    hive_site: Path | None = None


def load(*, config_file: str | Path | None = None, hive_site: str | Path | None = None,
         flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Resolved:
    """Resolve settings from every source. ``flags`` holds only the flags given (``None`` = not given)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = dict.fromkeys(FIELDS, DEFAULT)
    hive: dict[str, str] = {}

    config_path = Path(config_file) if config_file else _path_from_env(environ, CONFIG_ENV)
    table = _read_toml(config_path) if config_path else {}
    site = hive_site or table.pop("hive_site", None) or environ.get(HIVE_SITE_ENV)
    site_path = Path(site) if site else None

    if site_path:
        site_props = read_hive_site(site_path)
        _apply_hive(site_props, values, sources, hive, HIVE_SITE)
    if table:
        _apply_hive(_strings(table.pop("hive", {}), config_path), values, sources, hive, FILE)
        for key, value in table.items():
            name = key.replace("-", "_")
            if name not in FIELDS:
                raise ConfigError(f"{config_path}: unknown setting {key!r}; known settings: {', '.join(FIELDS)}")
            values[name] = _coerce(name, value, f"{config_path}: {key}")
            sources[name] = FILE
    for name in FIELDS:
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = _coerce(name, raw, f"environment variable {ENV_PREFIX + name.upper()}")
            sources[name] = ENV
    for name, value in (flags or {}).items():
        if value is not None:
            if name not in FIELDS:
                raise ConfigError(f"unknown setting {name!r}")
            values[name] = _coerce(name, value, "--" + name.replace("_", "-"))
            sources[name] = FLAG
    settings = Settings(**values, hive=hive)
    settings.db = with_driver(settings.db)
    _validate(settings)
    return Resolved(settings, sources, config_path, site_path)


def _path_from_env(environ: Mapping[str, str], name: str) -> Path | None:
    value = environ.get(name)
    return Path(value) if value else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist (given by --config or {CONFIG_ENV})") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None


def _strings(table: Any, path: Path | None) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [hive] must be a table of Hive properties, e.g. [hive] \"hive.txn.timeout\" = \"300\"")
    return {str(k): _hive_string(v) for k, v in table.items()}


def _hive_string(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _apply_hive(props: Mapping[str, str], values: dict[str, Any], sources: dict[str, str],
                hive: dict[str, str], source: str) -> None:
    """Hive keys that are settings set them; the others are kept as pass-through properties."""
    for key, value in props.items():
        name = HIVE_KEYS.get(key)
        if name == "db":
            values["db"] = jdbc_to_sqlalchemy(value, props.get(JDO_USER), props.get(JDO_PASSWORD))
            sources["db"] = source
        elif name is not None:
            values[name] = _coerce(name, value, f"{source} {key}")
            sources[name] = source
        elif key not in (JDO_USER, JDO_PASSWORD):
            hive[key] = value


def _coerce(name: str, value: Any, where: str) -> Any:
    kind = FIELDS[name].type
    try:
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if kind == "float":
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {name} must be {'an integer' if kind == 'int' else 'a number'}, "
                          f"got {value!r}") from None


def _validate(s: Settings) -> None:
    if s.log_format not in ("text", "json"):
        raise ConfigError(f"log_format must be 'text' or 'json', got {s.log_format!r}")
    if s.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"log_level must be DEBUG, INFO, WARNING or ERROR, got {s.log_level!r}")
    for name in ("port", "metrics_port"):
        if not 0 <= getattr(s, name) <= 65535:
            raise ConfigError(f"{name} must be between 0 and 65535, got {getattr(s, name)}")
    if s.workers < 0:
        raise ConfigError(f"workers must be 0 (one per CPU) or more, got {s.workers}")
    if s.audit_max_versions < 0:
        raise ConfigError(f"audit_max_versions must be 0 (keep all) or more, got {s.audit_max_versions}")
    if s.limit_partition_request < -1:
        raise ConfigError(f"limit_partition_request must be -1 (no limit) or more, got {s.limit_partition_request}")


def with_driver(url: str) -> str:
    """``postgresql://`` names psycopg2, the driver metahive installs (SQLAlchemy 2.1 would pick psycopg 3)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


# -- Hive compatibility ------------------------------------------------------------------------------

def read_hive_site(path: Path) -> dict[str, str]:
    """``<configuration><property><name/><value/></property>…`` as a dict."""
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise ConfigError(f"hive-site file {path} does not exist") from None
    except ET.ParseError as e:
        raise ConfigError(f"hive-site file {path} is not valid XML: {e}") from None
    props: dict[str, str] = {}
    for prop in root.iter("property"):
        name, value = prop.findtext("name"), prop.findtext("value")
        if name:
            props[name.strip()] = (value or "").strip()
    return props


_JDBC_DRIVERS = {"postgresql": "postgresql", "derby": None, "mysql": "mysql+pymysql", "mariadb": "mysql+pymysql"}


def jdbc_to_sqlalchemy(url: str, user: str | None = None, password: str | None = None) -> str:
    """``jdbc:postgresql://host:5432/db`` (+ JDO user/password) as a SQLAlchemy URL."""
    if not url.startswith("jdbc:"):
        return url  # already a SQLAlchemy URL
    scheme, _, rest = url[len("jdbc:"):].partition("://")
    dialect = _JDBC_DRIVERS.get(scheme)
    if dialect is None:
        raise ConfigError(f"javax.jdo.option.ConnectionURL {url!r}: metahive stores its catalog in SQLite or "
                          "PostgreSQL; set db = \"postgresql://user@host/db\" instead")
    rest = rest.split("?", 1)[0].split(";", 1)[0]
    from sqlalchemy import URL

    host_port, _, database = rest.partition("/")
    host, _, port = host_port.partition(":")
    return URL.create(dialect if dialect != "postgresql" else "postgresql+psycopg2", username=user or None, password=password or None, host=host or None,
                      port=int(port) if port else None,
                      database=unquote(database) or None).render_as_string(hide_password=False)


# -- showing --------------------------------------------------------------------------------------

def is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def mask_url(url: str) -> str:
    """A database URL with its password replaced (unparsable strings are returned as they are)."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if not parsed.password:
        return url
    placeholder = "MASKEDPASSWORD"  # URL rendering would percent-encode the mask's asterisks
    return parsed.set(password=placeholder).render_as_string(hide_password=False).replace(placeholder, MASK)


def shown(name: str, value: Any) -> Any:
    if is_secret(name) and value not in (None, ""):
        return MASK
    if isinstance(value, str) and "://" in value:
        return mask_url(value)
    return value


def rows(resolved: Resolved) -> Iterator[tuple[str, Any, str, str]]:
    """(name, masked value, source, help) for every setting, then every Hive property."""
    s = resolved.settings
    for name, f in FIELDS.items():
        yield name, shown(name, getattr(s, name)), resolved.sources[name], f.metadata["help"]
    for key, value in sorted(s.hive.items()):
        yield f"hive: {key}", shown(key, value), "hive property", ""
