"""HMS semantics: what each Hive Metastore call means, on domain objects (no Thrift, no SQL)."""
