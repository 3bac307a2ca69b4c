"""Catalog errors, flat and wire-independent.

Each maps to exactly one Hive Metastore exception type in ``metastore.wire.errors``; nothing below the
wire adapter knows about Thrift. Messages are for people: say what was wrong and what to do.
"""


class CatalogError(Exception):
    """Base class; maps to ``MetaException``."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class NoSuchObjectError(CatalogError):
    """A database, table, partition or function does not exist."""


class AlreadyExistsError(CatalogError):
    """The object to create exists already."""


class InvalidObjectError(CatalogError):
    """The definition sent by the client is malformed (bad name, type, duplicate column, ...)."""


class InvalidOperationError(CatalogError):
    """The request is well-formed but not allowed in the current state (non-empty database, ...)."""


class InvalidInputError(CatalogError):
    """Malformed request arguments that Hive reports as ``InvalidInputException``."""


class MetaError(CatalogError):
    """Anything else; also used for unparseable filters (Spark's fallback catches only this)."""


class ConfigValSecurityError(CatalogError):
    """A configuration key the client may not read."""


class RetryableStoreError(MetaError):
    """The database failed transiently; the client may retry the call."""


class NoSuchLockError(CatalogError):
    """A lock id that is not held or waiting (never granted, released, or expired)."""


class NoSuchTxnError(CatalogError):
    """A transaction id that does not exist (metahive has no ACID transactions yet)."""


class TxnAbortedError(CatalogError):
    """The transaction owning a lock was aborted."""
