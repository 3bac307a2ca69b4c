"""metahive: a self-hosted data catalog that speaks the Hive Metastore Thrift protocol."""

__version__ = "0.1.0"
