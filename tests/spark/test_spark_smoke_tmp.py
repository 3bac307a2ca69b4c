import pytest
pytestmark = pytest.mark.spark

def test_smoke(spark_env):
    print(spark_env.rows("SHOW DATABASES"))
    print(spark_env.spark.sparkContext._jsc.hadoopConfiguration().get("hive.metastore.uris"), spark_env.server.uri)
