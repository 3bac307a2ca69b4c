"""TLS, SASL PLAIN, roles, set_ugi, location roots and secrets, with real clients over real sockets."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hive_metastore.ttypes import MetaException
from thrift.transport.TTransport import TTransportException

from tests.reliability import clients as c
from tests.reliability.conftest import add_user, metahive

PASSWORDS = {"root": "r00t-Pw!", "bob": "b0b-secret", "wanda": "w4nda-pw"}


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> dict[str, Path]:
    return c.make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.json"
    add_user(path, "root", PASSWORDS["root"], "admin")
    add_user(path, "bob", PASSWORDS["bob"], "reader")
    add_user(path, "wanda", PASSWORDS["wanda"], "writer", "sales")
    return path


@pytest.fixture(scope="module")
def ext_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("external")


@pytest.fixture(scope="module")
def secure(start, certs, users_file, ext_root):
    return start("sqlite", ["--tls-cert", str(certs["server.pem"]), "--tls-key", str(certs["server.key"]),
                            "--auth", "sasl", "--users-file", str(users_file),
                            "--location-roots", f"file:{ext_root}", "--read-timeout", "3"])


def login(server, user: str, password: str | None = None, ca: Path | None = None):
    return c.connect(server.host, server.port, ca_file=ca, user=user, password=password or PASSWORDS[user])


@pytest.fixture(scope="module")
def root(secure, certs):
    client = login(secure, "root", ca=certs["ca.pem"])
    client.create_database(c.database("sales"))
    client.create_database(c.database("hr"))
    yield client
    c.close(client)


def test_tls_and_sasl_admin_round_trip(secure, certs, root):
    assert {"sales", "hr", "default"} <= set(root.get_all_databases())
    assert root.get_database("sales").name == "sales"


def test_client_that_does_not_trust_the_certificate_is_refused(secure, certs, tmp_path):
    other = c.make_certificates(tmp_path)
    with pytest.raises(TTransportException, match="Could not connect") as refused:
        login(secure, "root", ca=other["ca.pem"])
    assert "certificate verify failed" in str(refused.value.inner)


def test_plaintext_client_on_tls_port_is_dropped_and_others_keep_working(secure, certs, root):
    with pytest.raises(TTransportException):
        client = c.connect(secure.host, secure.port, timeout_ms=5000)
        client.get_all_databases()
    assert root.get_database("hr").name == "hr"


def test_wrong_password_is_rejected_without_echoing_it(secure, certs):
    with pytest.raises(TTransportException, match="authentication failed for user root"):
        login(secure, "root", password="not-the-password", ca=certs["ca.pem"])
    with pytest.raises(TTransportException, match="authentication failed for user nobody"):
        login(secure, "nobody", password="whatever-pw", ca=certs["ca.pem"])
    time.sleep(0.2)
    log = secure.log()
    assert "authentication failed for user root" in log
    assert "not-the-password" not in log and "whatever-pw" not in log
    assert not any(pw in log for pw in PASSWORDS.values())


def test_sasl_client_without_tls_is_refused(secure):
    with pytest.raises(TTransportException):
        login(secure, "root")


def test_reader_reads_but_may_not_write(secure, certs, root):
    bob = login(secure, "bob", ca=certs["ca.pem"])
    try:
        assert "sales" in bob.get_all_databases()
        with pytest.raises(MetaException) as denied:
            bob.create_table(c.table("sales", "t_by_bob"))
        assert denied.value.message == (
            "not authorized: user bob may not create_table database sales (role reader)")
        with pytest.raises(MetaException, match="not authorized: user bob may not drop_database database hr"):
            bob.drop_database("hr", True, True)
        assert root.get_database("hr").name == "hr"
    finally:
        c.close(bob)
    assert "denied create_table" in secure.log() and "user bob" in secure.log()


def test_set_ugi_grants_nothing_when_authenticated(secure, certs):
    bob = login(secure, "bob", ca=certs["ca.pem"])
    try:
        bob.set_ugi("root", ["admin"])
        with pytest.raises(MetaException, match="not authorized: user bob may not create_database database evil"):
            bob.create_database(c.database("evil"))
    finally:
        c.close(bob)


def test_writer_writes_only_its_databases(secure, certs, root):
    wanda = login(secure, "wanda", ca=certs["ca.pem"])
    try:
        wanda.create_table(c.table("sales", "orders"))
        assert wanda.get_table("sales", "orders").tableName == "orders"
        with pytest.raises(MetaException, match="not authorized: user wanda may not create_table database hr"):
            wanda.create_table(c.table("hr", "salaries"))
        moved = root.get_table("sales", "orders")
        moved.dbName = "hr"
        with pytest.raises(MetaException, match="not authorized: user wanda may not alter_table database hr"):
            wanda.alter_table("sales", "orders", moved)
        # Hive 3+ clients prefix the catalog: the check sees through it.
        with pytest.raises(MetaException, match="not authorized: user wanda may not drop_table database hr"):
            wanda.drop_table("@hive#HR", "x", True)
        assert root.get_table("sales", "orders").dbName == "sales"
    finally:
        c.close(wanda)


def test_locations_are_limited_to_the_roots(secure, certs, root, ext_root):
    inside = f"file:{ext_root}/events"
    root.create_table(c.table("sales", "events", location=inside, table_type="EXTERNAL_TABLE"))
    assert root.get_table("sales", "events").sd.location.rstrip("/").endswith("events")
    for bad in ("file:/etc/passwd_table", f"file:{ext_root}/../../etc", "s3://other-bucket/x"):
        with pytest.raises(MetaException, match="outside the allowed location roots"):
            root.create_table(c.table("sales", "escape", location=bad, table_type="EXTERNAL_TABLE"))
    with pytest.raises(MetaException, match="managed tables must live in the warehouse"):
        root.create_table(c.table("sales", "managed_out", location=f"file:{ext_root}/m", table_type="MANAGED_TABLE"))
    with pytest.raises(MetaException, match="outside the allowed location roots"):
        root.create_database(c.database("elsewhere", location="file:/var/tmp/elsewhere"))
    tbl = root.get_table("sales", "events")
    with pytest.raises(MetaException, match="outside the allowed location roots"):
        root.add_partition(c.partition("sales", "events", ["2024-01-01"],
                                       _with_location(tbl.sd, "file:/tmp/../etc/ds=1")))
    assert "escape" not in root.get_all_tables("sales")


def _with_location(sd, location: str):
    sd.location = location
    return sd


def test_user_cli_lists_without_hashes(users_file):
    listed = metahive("user", "list", "--users-file", str(users_file), "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {r["name"]: (r["role"], r["databases"]) for r in rows} == {
        "root": ("admin", []), "bob": ("reader", []), "wanda": ("writer", ["sales"])}
    assert "scrypt" not in listed.stdout and not any(pw in listed.stdout for pw in PASSWORDS.values())
    text = users_file.read_text()
    assert not any(pw in text for pw in PASSWORDS.values())
    assert users_file.stat().st_mode & 0o777 == 0o600


def test_user_cli_rejects_bad_definitions(tmp_path):
    path = tmp_path / "u.json"
    done = metahive("user", "add", "w", "--users-file", str(path), "--role", "writer", "--password-stdin",
                    stdin="pw\n")
    assert done.returncode == 2 and "writer w needs at least one database" in done.stderr
    done = metahive("user", "remove", "ghost", "--users-file", str(path))
    assert done.returncode == 2 and "no user 'ghost'" in done.stderr
    add_user(path, "x", "pw1", "reader")
    assert metahive("user", "remove", "x", "--users-file", str(path)).returncode == 0
    assert json.loads(metahive("user", "list", "--users-file", str(path), "--json").stdout) == []


def test_serve_refuses_inconsistent_security_flags(tmp_path):
    done = metahive("serve", "--db", f"sqlite:///{tmp_path}/c.db", "--auth", "sasl")
    assert done.returncode == 2 and "--auth sasl needs --users-file" in done.stderr
    done = metahive("serve", "--db", f"sqlite:///{tmp_path}/c.db", "--tls-cert", "/nonexistent.pem",
                    "--tls-key", "/nonexistent.key")
    assert done.returncode == 2 and "TLS certificate file /nonexistent.pem does not exist" in done.stderr


def test_unauthenticated_server_on_public_address_warns_loudly(start):
    server = start("sqlite", ["--host", "0.0.0.0"])
    deadline = time.monotonic() + 10
    while "UNAUTHENTICATED metastore bound to 0.0.0.0" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "UNAUTHENTICATED metastore bound to 0.0.0.0" in server.log()


def test_database_password_never_logged(start, postgres):
    url = postgres.create_database().replace("postgres@", "postgres:Sup3rS3cret@", 1)
    server = start("postgres", db_url=url)
    client = c.connect(server.host, server.port)
    try:
        assert "default" in client.get_all_databases()
    finally:
        c.close(client)
    log = server.log()
    assert "catalog postgresql+psycopg2://postgres:****@" in log
    assert "Sup3rS3cret" not in log


def test_sasl_without_tls(start, users_file):
    """SASL PLAIN also works on a plaintext port (for networks where TLS terminates elsewhere)."""
    server = start("sqlite", ["--auth", "sasl", "--users-file", str(users_file)])
    client = login(server, "root")
    try:
        assert "default" in client.get_all_databases()
    finally:
        c.close(client)
    with pytest.raises(TTransportException, match="authentication failed for user bob"):
        login(server, "bob", password="wrong")
    with pytest.raises(TTransportException):  # a client that skips SASL is dropped, not served
        c.connect(server.host, server.port, timeout_ms=5000).get_all_databases()
