"""Spark fixtures for the audit tests: the same real SparkSession fixtures as tests/spark."""

from tests.spark.conftest import pytest_runtest_makereport, spark, spark_env  # noqa: F401
