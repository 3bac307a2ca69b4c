"""The one place where errors become Thrift exceptions.

A catalog error goes into the result slot the called method declares for its Hive type (falling
back to the method's MetaException slot); a method that declares no slot for it answers a
``TApplicationException`` carrying the message. Bugs are logged and reported as MetaException
rather than INTERNAL_ERROR, which would make Hive clients reconnect and retry in a storm.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from thriftpy2.thrift import TApplicationException

from metastore import exceptions as ex
from metastore.wire.idl import hms

log = logging.getLogger(__name__)

_THRIFT_NAME = {
    ex.NoSuchObjectError: "NoSuchObjectException",
    ex.AlreadyExistsError: "AlreadyExistsException",
    ex.InvalidObjectError: "InvalidObjectException",
    ex.InvalidOperationError: "InvalidOperationException",
    ex.InvalidInputError: "InvalidInputException",
    ex.ConfigValSecurityError: "ConfigValSecurityException",
    ex.NoSuchLockError: "NoSuchLockException",
    ex.NoSuchTxnError: "NoSuchTxnException",
    ex.TxnAbortedError: "TxnAbortedException",
    ex.MetaError: "MetaException",
}

# Methods whose exception slots differ between IDL generations. Hive 2.3 declares only slot 1
# (MetaException) for get_partition_names; Hive 3/4 put NoSuchObjectException in slot 1 and
# MetaException in 2. Slot 1 decodes on both (same shape: a message string), so always use it.
SINGLE_SLOT_METHODS = {"get_partition_names": 1}


def thrift_name(error: BaseException) -> str:
    for cls in type(error).__mro__:
        if cls in _THRIFT_NAME:
            return _THRIFT_NAME[cls]
    return "MetaException"


@cache
def _slots(method: str) -> dict[str, tuple[str, type]]:
    """Exception type name -> (result field name, exception class) for a method."""
    result_cls = getattr(hms().ThriftHiveMetastore, method + "_result")
    slots = {}
    for fid, spec in sorted(result_cls.thrift_spec.items()):
        if fid == 0:
            continue
        exc_cls = spec[2]
        slots[exc_cls.__name__] = (spec[1], exc_cls)
    return slots


# Hive's RetryingMetaStoreClient reconnects and retries a MetaException whose message matches
# ``(JDO[a-zA-Z]*|TProtocol|TTransport)Exception``: transient store failures carry this marker.
RETRYABLE_MARKER = "[retryable: JDOConnectionException] "


def _message(error: BaseException) -> str:
    if isinstance(error, ex.RetryableStoreError):
        return RETRYABLE_MARKER + error.message
    if isinstance(error, ex.CatalogError):
        return error.message
    # First line only: driver errors append the SQL and its parameters, which must not reach clients.
    first_line = (str(error).strip().splitlines() or [""])[0][:300]
    return f"Internal error in metahive while handling the call ({type(error).__name__}: {first_line})"


def place_error(method: str, result: Any, error: BaseException) -> TApplicationException | None:
    """Put ``error`` into ``result``; return a TApplicationException if the method has no slot for it."""
    if not isinstance(error, ex.CatalogError):
        log.exception("unexpected error in %s", method, exc_info=error)
    message = _message(error)
    slots = _slots(method)
    if method in SINGLE_SLOT_METHODS and slots:
        fid = SINGLE_SLOT_METHODS[method]
        spec = type(result).thrift_spec[fid]
        setattr(result, spec[1], spec[2](message=message))
        return None
    slot = slots.get(thrift_name(error)) or slots.get("MetaException")
    if slot is None:
        return TApplicationException(TApplicationException.INTERNAL_ERROR, message)
    field, exc_cls = slot
    setattr(result, field, exc_cls(message=message))
    return None
