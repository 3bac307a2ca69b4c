"""``metahive db upgrade/current/check`` and the server's refusal of a schema older or newer than the code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from metastore.cli import main
from metastore.store import migrate
from metastore.store.engine import create_engine
from tests.support.server import free_port

HEAD = migrate.head_revision()


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def _set_revision(url: str, revision: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, make_db_url) -> str:
    return make_db_url(request.param)


def test_current_and_check_through_the_lifecycle(db_url):
    empty = cli("db", "current", "--db", db_url, "--json")
    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.stdout) == {"revision": None, "head": HEAD, "current": False}
    check = cli("db", "check", "--db", db_url)
    assert check.exit_code == 1
    assert "has no metahive schema: run `metahive db upgrade --db" in check.stderr

    migrate.upgrade(create_engine(db_url), "0003")
    behind = cli("db", "check", "--db", db_url)
    assert behind.exit_code == 1
    assert f"schema revision 0003, this metahive needs {HEAD}: run `metahive db upgrade --db" in behind.stderr

    upgraded = cli("db", "upgrade", "--db", db_url)
    assert upgraded.exit_code == 0 and f"catalog schema: 0003 -> {HEAD}" in upgraded.stderr
    assert cli("db", "current", "--db", db_url).stdout.strip() == f"{HEAD} (this metahive: {HEAD}, up to date)"
    ok = cli("db", "check", "--db", db_url)
    assert ok.exit_code == 0 and ok.stdout.strip() == f"catalog schema is current ({HEAD})"

    _set_revision(db_url, "9999")
    newer = cli("db", "check", "--db", db_url)
    assert newer.exit_code == 1 and "revision 9999, which this metahive" in newer.stderr
    refused = cli("db", "upgrade", "--db", db_url)
    assert refused.exit_code == 1 and "newer than this metahive" in refused.stderr


def test_unreachable_database_exits_2_and_hides_the_password():
    port = free_port()  # nothing listens there
    result = cli("db", "check", "--db", f"postgresql://u:topsecret@127.0.0.1:{port}/x")
    assert result.exit_code == 2
    assert f"cannot read the catalog database postgresql+psycopg2://u:****@127.0.0.1:{port}/x" in result.stderr
    assert "topsecret" not in result.stderr


def test_db_url_comes_from_the_environment(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("METAHIVE_DB", url)
    assert cli("db", "upgrade").exit_code == 0
    assert cli("db", "check").exit_code == 0
    assert (tmp_path / "env.db").exists()


@pytest.mark.parametrize(("revision", "message"), [
    ("0004", f"is at schema revision 0004, this metahive needs {HEAD}: run `metahive db upgrade --db"),
    ("0042", "is at schema revision 0042, which this metahive"),
])
def test_server_refuses_a_schema_older_or_newer_than_the_code(db_url, tmp_path, revision, message):
    migrate.upgrade(create_engine(db_url), "0004")
    _set_revision(db_url, revision)
    proc = subprocess.run(
        [sys.executable, "-m", "metastore.cli", "serve", "--port", str(free_port()), "--db", db_url,
         "--warehouse", str(tmp_path / "wh"), "--workers", "1"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, env={**os.environ, "COLUMNS": "300"})
    assert proc.returncode == 2, proc.stderr
    assert message in " ".join(proc.stderr.split())
