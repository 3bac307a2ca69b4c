"""Schema-change audit: change records, diffs, table versions and HMS notification messages.

Pure functions and values only; the SQL that stores and reads change records lives in
``metastore.store.audit_log`` and the Thrift methods in ``metastore.wire.notification_methods``.
"""
