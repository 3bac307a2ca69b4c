"""Provision PostgreSQL databases for the test suite.

``provision_postgres()`` finds (or starts) a PostgreSQL server and creates a fresh,
uniquely named database for this test session.  The server is chosen in this order:

(a) ``$METAHIVE_TEST_POSTGRES_URL`` if set (an SQLAlchemy URL such as
    ``postgresql://postgres@127.0.0.1:5432/test``).  If it is set but unreachable,
    provisioning fails instead of silently using another server.
(b) ``postgresql://postgres@127.0.0.1:5432/test`` (trust auth), if it accepts a
    connection within a few seconds.
(c) A throw-away cluster made with ``initdb``/``pg_ctl`` in a temporary directory,
    listening on 127.0.0.1 on a free port.  It is stopped and deleted by ``close()``.

Typical use from a session-scoped fixture::

    handle = provision_postgres()
    try:
        yield handle            # handle.url(), handle.create_database()
    finally:
        handle.close()          # drops every database it created, stops a cluster it started

The URLs handed out are SQLAlchemy URLs.  A bare ``postgresql://`` is pinned to
``postgresql+psycopg2://`` (SQLAlchemy 2.1 would default to psycopg 3, which is not
installed); an explicit driver in ``$METAHIVE_TEST_POSTGRES_URL`` is kept.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg2
from psycopg2 import sql
from sqlalchemy.engine import URL, make_url

ENV_VAR = "METAHIVE_TEST_POSTGRES_URL"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT = 3  # seconds, for probing a server
CLUSTER_START_TIMEOUT = 60  # seconds

SOURCE_ENV = "env"
SOURCE_DEFAULT = "default"
SOURCE_CLUSTER = "cluster"

_SOURCE_LABEL = {
    SOURCE_ENV: f"(a) ${ENV_VAR}",
    SOURCE_DEFAULT: "(b) default local server",
    SOURCE_CLUSTER: "(c) throw-away cluster",
}

_IDENTIFIER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be found or started."""


def _log(message: str) -> None:
    bar = "=" * 78
    print(f"\n{bar}\n[metahive tests] PostgreSQL: {message}\n{bar}", file=sys.stderr, flush=True)


def _connect_kwargs(url: URL, database: str | None = None) -> dict[str, Any]:
    """psycopg2.connect() keyword arguments for an SQLAlchemy URL."""
    kwargs: dict[str, Any] = {}
    for key, value in url.query.items():
        # e.g. ?host=/var/run/postgresql or ?sslmode=disable
        kwargs[key] = value[-1] if isinstance(value, tuple) else value
    if url.host:
        kwargs["host"] = url.host
    if url.port:
        kwargs["port"] = url.port
    if url.username:
        kwargs["user"] = url.username
    if url.password is not None:
        kwargs["password"] = url.password
    dbname = database or url.database
    if dbname:
        kwargs["dbname"] = dbname
    kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT)
    return kwargs


def _connect(url: URL, database: str | None = None, **extra: Any):
    kwargs = _connect_kwargs(url, database)
    kwargs.update(extra)
    return psycopg2.connect(**kwargs)


def _probe(url: URL) -> Exception | None:
    """Return None if *url* accepts a connection and ``SELECT 1``, else the error."""
    try:
        with closing(_connect(url)) as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
        return exc
    return None


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _with_driver(url: URL) -> URL:
    """Pin a bare ``postgresql://`` URL to psycopg2 (what the project installs);
    SQLAlchemy 2.1 would otherwise pick psycopg 3.  An explicit driver is kept."""
    if url.drivername == "postgresql":
        return url.set(drivername="postgresql+psycopg2")
    return url


def _unique_db_name() -> str:
    return f"metahive_t_{os.getpid()}_{secrets.token_hex(4)}"


# --------------------------------------------------------------------------------------
# Throw-away cluster (path c)
# --------------------------------------------------------------------------------------


def _version_key(path: str) -> tuple[int, ...]:
    # /usr/lib/postgresql/<version>/bin -> numeric sort key
    version = os.path.basename(os.path.dirname(path))
    return tuple(int(p) if p.isdigit() else -1 for p in version.split("."))


def find_pg_bindir() -> str | None:
    """Directory holding both ``initdb`` and ``pg_ctl``: PATH first, then
    /usr/lib/postgresql/*/bin (highest version)."""
    initdb = shutil.which("initdb")
    if initdb:
        for candidate in (os.path.dirname(initdb), os.path.dirname(os.path.realpath(initdb))):
            if os.access(os.path.join(candidate, "pg_ctl"), os.X_OK):
                return candidate
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        if all(os.access(os.path.join(bindir, tool), os.X_OK) for tool in ("initdb", "pg_ctl")):
            return bindir
    return None


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("running as root but neither a 'postgres' nor a 'nobody' user exists")


def _world_traversable(path: str) -> bool:
    path = os.path.realpath(path)
    while True:
        try:
            if not os.stat(path).st_mode & 0o001:
                return False
        except OSError:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


@dataclass
class _Cluster:
    bindir: str
    basedir: str
    port: int
    run_as: pwd.struct_passwd | None
    started: bool = False

    @property
    def datadir(self) -> str:
        return os.path.join(self.basedir, "data")

    @property
    def logfile(self) -> str:
        return os.path.join(self.basedir, "postgres.log")

    def _cmd(self, tool: str, *args: str) -> list[str]:
        argv = [os.path.join(self.bindir, tool), *args]
        if self.run_as is None:
            return argv
        if shutil.which("runuser"):
            return ["runuser", "-u", self.run_as.pw_name, "--", *argv]
        return ["su", "-s", "/bin/sh", self.run_as.pw_name, "-c", shlex.join(argv)]

    def _run(
        self, tool: str, *args: str, timeout: float = 120, check: bool = True
    ) -> subprocess.CompletedProcess:
        env = dict(os.environ)
        for var in ("PGDATA", "PGPORT", "PGHOST", "PGUSER", "PGDATABASE"):
            env.pop(var, None)
        env.setdefault("LC_ALL", "C")
        proc = subprocess.run(
            self._cmd(tool, *args),
            cwd=self.basedir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise PostgresUnavailable(
                f"{tool} {' '.join(args)} failed with exit code {proc.returncode}:\n"
                f"{proc.stdout}\n{proc.stderr}\n{self._log_tail()}"
            )
        return proc

    def _log_tail(self) -> str:
        try:
            with open(self.logfile, encoding="utf-8", errors="replace") as fh:
                return "server log (tail):\n" + "".join(fh.readlines()[-30:])
        except OSError:
            return ""

    @property
    def url(self) -> URL:
        return make_url(f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/test")

    def init(self) -> None:
        self._run(
            "initdb",
            "-D",
            self.datadir,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {shlex.quote(self.basedir)} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.started = True  # even a failed start may leave a postmaster behind
        self._run(
            "pg_ctl",
            "-D",
            self.datadir,
            "-l",
            self.logfile,
            "-w",
            "-t",
            str(CLUSTER_START_TIMEOUT),
            "-o",
            options,
            "start",
            timeout=CLUSTER_START_TIMEOUT + 30,
        )
        deadline = time.monotonic() + CLUSTER_START_TIMEOUT
        admin = self.url.set(database="postgres")
        while True:
            error = _probe(admin)
            if error is None:
                return
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"cluster on port {self.port} never accepted connections: {error}")
            time.sleep(0.2)

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        try:
            proc = self._run(
                "pg_ctl", "-D", self.datadir, "-m", "immediate", "-w", "stop", check=False, timeout=60
            )
            if proc.returncode == 0:
                return
        except (OSError, subprocess.SubprocessError):
            pass
        # pg_ctl failed: kill the postmaster by the pid it recorded.
        try:
            with open(os.path.join(self.datadir, "postmaster.pid")) as fh:
                pid = int(fh.readline().strip())
            os.kill(pid, signal.SIGQUIT)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.1)
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass

    def remove(self) -> None:
        shutil.rmtree(self.basedir, ignore_errors=True)


def _start_cluster() -> _Cluster:
    bindir = find_pg_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            "no PostgreSQL server reachable and no initdb/pg_ctl found on PATH or in "
            f"/usr/lib/postgresql/*/bin; install PostgreSQL (apt-get install postgresql) or set {ENV_VAR}"
        )
    run_as = _unprivileged_user() if os.geteuid() == 0 else None

    parent = tempfile.gettempdir()
    if run_as is not None and not _world_traversable(parent):
        parent = "/tmp"
    basedir = tempfile.mkdtemp(prefix="metahive-pg-", dir=parent)
    if run_as is not None:
        os.chown(basedir, run_as.pw_uid, run_as.pw_gid)
    os.chmod(basedir, 0o700)

    cluster = _Cluster(bindir=bindir, basedir=basedir, port=0, run_as=run_as)
    try:
        cluster.init()
        last_error: Exception | None = None
        for _ in range(3):  # the free port may be taken between picking and binding it
            cluster.port = _free_port()
            try:
                cluster.start()
                break
            except PostgresUnavailable as exc:
                last_error = exc
                cluster.stop()
        else:
            raise PostgresUnavailable(f"could not start a throw-away cluster: {last_error}")
        with closing(_connect(cluster.url, "postgres")) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("CREATE DATABASE test")
    except BaseException:
        cluster.stop()
        cluster.remove()
        raise
    return cluster


# --------------------------------------------------------------------------------------
# Handle
# --------------------------------------------------------------------------------------


@dataclass
class PostgresHandle:
    """A PostgreSQL server plus the databases this test session created on it.

    ``source`` is ``"env"``, ``"default"`` or ``"cluster"`` (paths a/b/c).
    ``server_url`` points at the maintenance database used for CREATE/DROP DATABASE;
    ``database`` is the fresh per-session database that ``url()`` returns by default.
    """

    source: str
    server_url: URL
    database: str = ""
    created: list[str] = field(default_factory=list)
    _cluster: _Cluster | None = field(default=None, repr=False)
    _closed: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        self.server_url = _with_driver(self.server_url)

    # -- URLs ---------------------------------------------------------------------------

    def url(self, database: str | None = None) -> str:
        """SQLAlchemy URL of *database* (default: this session's database)."""
        return _render(self.server_url.set(database=database or self.database))

    @property
    def host(self) -> str | None:
        return self.server_url.host

    @property
    def port(self) -> int | None:
        return self.server_url.port

    def describe(self) -> str:
        shown = self.server_url.set(database=self.database).render_as_string(hide_password=True)
        return f"{_SOURCE_LABEL[self.source]}: {shown}"

    # -- databases ----------------------------------------------------------------------

    @contextmanager
    def _admin(self) -> Iterator[Any]:
        self._check_open()
        with closing(_connect(self.server_url)) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                yield cur

    def connect(self, database: str | None = None):
        """A new psycopg2 connection to *database* (default: this session's database)."""
        self._check_open()
        return _connect(self.server_url, database or self.database)

    def server_version(self) -> int:
        with self._admin() as cur:
            return cur.connection.server_version

    def create_database(self, name: str | None = None) -> str:
        """Create a fresh database and return its URL.

        With no *name*, a unique one (``metahive_t_<pid>_<random>``) is chosen; with a
        *name*, exactly that database is created (it must not exist yet).  Every database
        created here is dropped by ``close()``.
        """
        name = name or _unique_db_name()
        if not _IDENTIFIER_RE.match(name):
            raise ValueError(f"invalid database name {name!r}")
        with self._admin() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop *name* (disconnecting its sessions) if it exists."""
        with self._admin() as cur:
            ident = sql.Identifier(name)
            if cur.connection.server_version >= 130000:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            else:
                cur.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(ident))
        if name in self.created:
            self.created.remove(name)

    # -- lifecycle ----------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("PostgresHandle is closed")

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Drop every database created through this handle; stop a cluster it started."""
        if self._closed:
            return
        errors: list[str] = []
        try:
            if self._cluster is None:  # a throw-away cluster is deleted whole below
                for name in list(reversed(self.created)):
                    try:
                        self.drop_database(name)
                    except Exception as exc:  # noqa: BLE001 - keep cleaning up
                        errors.append(f"{name}: {exc}")
        finally:
            self._closed = True
            atexit.unregister(self.close)
            if self._cluster is not None:
                self._cluster.stop()
                self._cluster.remove()
        if errors:
            print(f"[metahive tests] could not drop databases: {'; '.join(errors)}", file=sys.stderr)

    def __enter__(self) -> PostgresHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def provision_postgres(prefer_existing: bool = True) -> PostgresHandle:
    """Find or start a PostgreSQL server and create this session's fresh database.

    With ``prefer_existing=False`` paths (a) and (b) are skipped and a throw-away
    cluster is always started.  Raises ``PostgresUnavailable`` when nothing works.
    """
    handle: PostgresHandle | None = None
    if prefer_existing:
        env_url = os.environ.get(ENV_VAR, "").strip()
        if env_url:
            url = make_url(env_url)
            error = _probe(url)
            if error is not None:
                raise PostgresUnavailable(f"${ENV_VAR}={url!r} is set but not usable: {error}")
            handle = PostgresHandle(source=SOURCE_ENV, server_url=url)
        else:
            url = make_url(DEFAULT_URL)
            error = _probe(url)
            if error is None:
                handle = PostgresHandle(source=SOURCE_DEFAULT, server_url=url)
            else:
                print(
                    f"[metahive tests] PostgreSQL at {DEFAULT_URL} not usable "
                    f"({str(error).strip()}); starting a throw-away cluster",
                    file=sys.stderr,
                )
    if handle is None:
        cluster = _start_cluster()
        handle = PostgresHandle(source=SOURCE_CLUSTER, server_url=cluster.url, _cluster=cluster)
        atexit.register(handle.close)  # safety net if the fixture's teardown never runs

    try:
        handle.create_database(_unique_db_name())
        handle.database = handle.created[0]
    except BaseException:
        handle.close()
        raise
    _log(f"using {handle.describe()}")
    return handle
