"""Settings: precedence flags > env > TOML file > hive-site.xml > defaults, Hive keys, masking, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from metastore import config as cfg
from metastore.cli import main

HIVE_SITE = """<?xml version="1.0"?>
<configuration>
  <property><name>hive.metastore.warehouse.dir</name><value>/data/hive/warehouse</value></property>
  <property><name>hive.metastore.port</name><value>9084</value></property>
  <property><name>hive.metastore.limit.partition.request</name><value>5000</value></property>
  <property><name>javax.jdo.option.ConnectionURL</name><value>jdbc:postgresql://pg.internal:5433/hms?ssl=true</value></property>
  <property><name>javax.jdo.option.ConnectionUserName</name><value>hive</value></property>
  <property><name>javax.jdo.option.ConnectionPassword</name><value>hunter2</value></property>
  <property><name>hive.txn.timeout</name><value>600</value></property>
  <property><name>fs.s3a.secret.key</name><value>AKIAxyz</value></property>
</configuration>
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    toml = tmp_path / "metahive.toml"
    toml.write_text('port = 9100\nworkers = 4\nlog-format = "json"\n'
                    'db = "postgresql://cat:s3cret@db.internal/catalog"\n'
                    '[hive]\n"hive.txn.timeout" = 900\n"hive.metastore.warehouse.dir" = "s3a://lake/wh"\n')
    site = tmp_path / "hive-site.xml"
    site.write_text(HIVE_SITE)
    return toml, site


def test_defaults_without_any_source():
    resolved = cfg.load(environ={})
    s = resolved.settings
    assert (s.host, s.port, s.db, s.warehouse, s.workers, s.metrics_port) == (
        "127.0.0.1", 9083, "sqlite:///metahive.db", "./warehouse", 0, 0)
    assert set(resolved.sources.values()) == {cfg.DEFAULT}
    assert s.metastore_config() == {"hive.metastore.limit.partition.request": "-1",
                                    "metahive.audit.max-versions-per-table": "0"}


def test_precedence_flags_over_env_over_file_over_hive_site(files):
    toml, site = files
    resolved = cfg.load(config_file=toml, hive_site=site, flags={"workers": 2, "port": None},
                        environ={"METAHIVE_PORT": "9200", "METAHIVE_WORKERS": "8", "METAHIVE_TEST_OTHER": "x"})
    s, src = resolved.settings, resolved.sources
    assert (s.workers, src["workers"]) == (2, cfg.FLAG)              # flag beats env and file
    assert (s.port, src["port"]) == (9200, cfg.ENV)                  # env beats file and hive-site
    assert (s.log_format, src["log_format"]) == ("json", cfg.FILE)   # file, dashes accepted
    assert (s.db, src["db"]) == ("postgresql+psycopg2://cat:s3cret@db.internal/catalog", cfg.FILE)  # file beats hive-site
    assert (s.warehouse, src["warehouse"]) == ("s3a://lake/wh", cfg.FILE)  # [hive] table in the file
    assert (s.limit_partition_request, src["limit_partition_request"]) == (5000, cfg.HIVE_SITE)
    assert s.hive == {"hive.txn.timeout": "900", "fs.s3a.secret.key": "AKIAxyz"}
    assert s.metastore_config()["hive.txn.timeout"] == "900"
    assert s.metastore_config()["hive.metastore.limit.partition.request"] == "5000"


def test_config_file_from_environment(files):
    toml, _ = files
    s = cfg.load(environ={cfg.CONFIG_ENV: str(toml)}).settings
    assert (s.port, s.workers) == (9100, 4)


def test_hive_site_maps_hive_keys_and_builds_the_database_url(files):
    _, site = files
    s = cfg.load(hive_site=site, environ={}).settings
    assert s.db == "postgresql+psycopg2://hive:hunter2@pg.internal:5433/hms"
    assert (s.port, s.warehouse, s.limit_partition_request) == (9084, "/data/hive/warehouse", 5000)
    assert "javax.jdo.option.ConnectionPassword" not in s.hive  # folded into the URL, not passed on


def test_derby_connection_url_is_refused_with_what_to_do():
    with pytest.raises(cfg.ConfigError, match=r"SQLite or PostgreSQL; set db = \"postgresql://"):
        cfg.jdbc_to_sqlalchemy("jdbc:derby:;databaseName=metastore_db;create=true")


def test_masking_of_secrets_and_database_passwords(files):
    toml, site = files
    rows = {name: (value, source) for name, value, source, _ in cfg.rows(cfg.load(config_file=toml, hive_site=site,
                                                                                   environ={}))}
    assert rows["db"] == ("postgresql+psycopg2://cat:****@db.internal/catalog", cfg.FILE)
    assert rows["hive: fs.s3a.secret.key"][0] == "****"
    assert rows["hive: hive.txn.timeout"][0] == "900"
    assert cfg.mask_url("sqlite:///metahive.db") == "sqlite:///metahive.db"
    assert cfg.shown("api_token", "abc") == "****" and cfg.shown("port", 9083) == 9083


@pytest.mark.parametrize(("toml", "environ", "message"), [
    ("prot = 1\n", {}, "unknown setting 'prot'; known settings: host, port"),
    ("port = \"high\"\n", {}, "port must be an integer, got 'high'"),
    ("port = [\n", {}, "is not valid TOML"),
    ("", {"METAHIVE_WORKERS": "many"}, "environment variable METAHIVE_WORKERS: workers must be an integer"),
    ("", {"METAHIVE_LOG_FORMAT": "xml"}, "log_format must be 'text' or 'json', got 'xml'"),
    ("port = 70000\n", {}, "port must be between 0 and 65535, got 70000"),
])
def test_bad_settings_say_what_is_wrong(tmp_path, toml, environ, message):
    path = tmp_path / "c.toml"
    path.write_text(toml)
    with pytest.raises(cfg.ConfigError) as e:
        cfg.load(config_file=path, environ=environ)
    assert message in str(e.value)


def test_missing_files_are_named(tmp_path):
    with pytest.raises(cfg.ConfigError, match=r"config file .*nope.toml does not exist \(given by --config or METAHIVE_CONFIG\)"):
        cfg.load(config_file=tmp_path / "nope.toml", environ={})
    with pytest.raises(cfg.ConfigError, match=r"hive-site file .*site.xml does not exist"):
        cfg.load(hive_site=tmp_path / "site.xml", environ={})


def test_config_show_prints_effective_values_masked(files, monkeypatch):
    toml, site = files
    monkeypatch.setenv("METAHIVE_SLOW_RPC_MS", "250")
    result = CliRunner().invoke(main, ["config", "show", "--config", str(toml), "--hive-site", str(site),
                                       "--port", "9999", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["port"] == {"value": 9999, "source": "flag"}
    assert shown["slow_rpc_ms"] == {"value": 250.0, "source": "env"}
    assert shown["db"] == {"value": "postgresql+psycopg2://cat:****@db.internal/catalog", "source": "file"}
    assert shown["hive: fs.s3a.secret.key"]["value"] == "****"
    assert "s3cret" not in result.output and "AKIAxyz" not in result.output and "hunter2" not in result.output

    lines = CliRunner().invoke(main, ["config", "show", "--config", str(toml)])
    assert lines.exit_code == 0
    assert "db\tpostgresql+psycopg2://cat:****@db.internal/catalog\tfile" in lines.stdout.splitlines()
    assert "port\t9100\tfile" in lines.stdout.splitlines()


def test_config_show_exits_2_on_bad_configuration(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("workers = -3\n")
    result = CliRunner().invoke(main, ["config", "show", "--config", str(bad)])
    assert result.exit_code == 2
    assert "workers must be 0 (one per CPU) or more, got -3" in result.stderr


def test_serve_takes_its_settings_from_file_environment_and_hive_site(make_db_url, tmp_path, monkeypatch):
    """End to end: the server answers with what the TOML file, hive-site.xml and environment said."""
    from hmsclient import hmsclient
    from hmsclient.genthrift.hive_metastore import ttypes as H

    from tests.ops.support import start

    (tmp_path / "metahive.toml").write_text(f'hive_site = "{tmp_path / "hive-site.xml"}"\n'
                                            'limit_partition_request = 2\n[hive]\n"hive.txn.timeout" = "600"\n')
    (tmp_path / "hive-site.xml").write_text(
        "<configuration><property><name>hive.metastore.limit.partition.request</name><value>1000</value>"
        "</property><property><name>hive.metastore.disallow.incompatible.col.type.changes</name><value>false</value>"
        "</property>"
        "</configuration>")
    monkeypatch.setenv("METAHIVE_CONFIG", str(tmp_path / "metahive.toml"))
    monkeypatch.setenv("METAHIVE_SLOW_RPC_MS", "0.001")
    server = start(make_db_url("sqlite"), tmp_path, workers=1)
    try:
        with hmsclient.HMSClient(host=server.host, port=server.port) as client:
            assert client.get_config_value("hive.txn.timeout", "300") == "600"            # [hive] in the file
            assert client.get_config_value("hive.metastore.disallow.incompatible.col.type.changes", "?") == "false"
            sd = H.StorageDescriptor(cols=[H.FieldSchema("x", "int", None)], serdeInfo=H.SerDeInfo(parameters={}))
            client.create_table(H.Table(tableName="t", dbName="default", sd=sd, parameters={},
                                        partitionKeys=[H.FieldSchema("d", "string", None)]))
            client.add_partitions([H.Partition(values=[str(i)], dbName="default", tableName="t", parameters={})
                                   for i in range(3)])
            with pytest.raises(H.MetaException, match="hive.metastore.limit.partition.request"):
                client.get_partitions("default", "t", -1)                               # 2 from the file
        assert "slow call get_partitions" in server.log()                               # environment
    finally:
        server.stop()
