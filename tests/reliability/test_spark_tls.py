"""Spark 4's built-in Hive 2.3 client over TLS (``hive.metastore.use.SSL`` + a JKS truststore).

SASL PLAIN cannot be tried from Spark: the Hive 2.3 client's ``hive.metastore.sasl.enabled`` means
Kerberos (or delegation tokens) only; username/password came with Hive 4's client.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

pytest.importorskip("pyspark")

from tests.reliability import clients as c  # noqa: E402
from tests.spark import conftest as spark_support  # noqa: E402

pytestmark = pytest.mark.spark


def test_spark_talks_to_the_tls_port(start, tmp_path_factory, monkeypatch):
    if shutil.which("keytool") is None:
        pytest.skip("SKIPPED LOUDLY: no keytool (Java 17) to build the Spark truststore")
    tmp = tmp_path_factory.mktemp("spark-tls")
    certs = c.make_certificates(tmp)
    truststore = tmp / "truststore.jks"
    subprocess.run(["keytool", "-importcert", "-noprompt", "-alias", "metahive-ca", "-file", str(certs["ca.pem"]),
                    "-keystore", str(truststore), "-storepass", "changeit", "-storetype", "JKS"],
                   check=True, capture_output=True)
    server = start("sqlite", ["--tls-cert", str(certs["server.pem"]), "--tls-key", str(certs["server.key"])])
    plain_conf = spark_support._spark_conf

    def tls_conf(srv, path):
        conf = plain_conf(srv, path)
        conf.set("spark.hadoop.hive.metastore.use.SSL", "true")
        conf.set("spark.hadoop.hive.metastore.truststore.path", str(truststore))
        conf.set("spark.hadoop.hive.metastore.truststore.password", "changeit")
        return conf

    monkeypatch.setattr(spark_support, "_spark_conf", tls_conf)
    env = spark_support._start_session(server, tmp)
    try:
        env.sql("CREATE DATABASE tls_db")
        env.sql("CREATE TABLE tls_db.t (id INT) USING parquet")
        env.sql("INSERT INTO tls_db.t VALUES (1), (2)")
        assert env.column("SELECT count(*) FROM tls_db.t") == [2]
        assert "tls_db" in env.column("SHOW DATABASES")
    finally:
        spark_support._stop_session(env.spark)
    client = c.connect(server.host, server.port, ca_file=certs["ca.pem"])
    try:
        assert client.get_table("tls_db", "t").tableName == "t"
    finally:
        c.close(client)
