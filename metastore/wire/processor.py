"""Reads one Thrift call from a connection, dispatches it to the handler, writes the reply."""

from __future__ import annotations

import logging
import struct
from functools import cache
from typing import Any

from thriftpy2.thrift import TApplicationException, TMessageType, TType

from metastore.observability import calls
from metastore.wire.encoded import EncodedValue
from metastore.wire.errors import place_error
from metastore.wire.idl import hms

log = logging.getLogger(__name__)


@cache
def _method(name: str) -> tuple[type, type, tuple[str, ...]] | None:
    """(args class, result class, argument names in declaration order) for a service method."""
    service = hms().ThriftHiveMetastore
    if name not in service.thrift_services:
        return None
    args_cls = getattr(service, name + "_args")
    result_cls = getattr(service, name + "_result")
    arg_names = tuple(spec[1] for _, spec in sorted(args_cls.thrift_spec.items()))
    return args_cls, result_cls, arg_names


def process(handler: Any, iprot: Any, oprot: Any) -> None:
    """Serve one message. Transport errors propagate (the connection is then closed)."""
    name, _mtype, seqid = iprot.read_message_begin()
    method = _method(name)
    impl = getattr(handler, name, None) if method is not None else None
    if method is None or impl is None:
        iprot.skip(TType.STRUCT)
        iprot.read_message_end()
        # The Java server's wording: Spark's get_tables_by_type fallback matches on this text.
        _send_exception(oprot, name, seqid, TApplicationException(
            TApplicationException.UNKNOWN_METHOD, f"Invalid method name: '{name}'"))
        return
    args_cls, result_cls, arg_names = method
    args = args_cls()
    iprot.read_struct(args)
    iprot.read_message_end()
    result = result_cls()
    error: BaseException | None = None
    started = calls.begin()
    try:
        result.success = impl(*(getattr(args, a) for a in arg_names))
    except TApplicationException as e:
        error = e
        _send_exception(oprot, name, seqid, e)
        return
    except Exception as e:  # noqa: BLE001 - every error is answered, never kills the connection
        error = e
        app_error = place_error(name, result, e)
        if app_error is not None:
            _send_exception(oprot, name, seqid, app_error)
            return
    finally:
        calls.finished(name, started, error, args, arg_names, getattr(result, "success", None))
    if getattr(result, "oneway", False):
        return
    oprot.write_message_begin(name, TMessageType.REPLY, seqid)
    if isinstance(getattr(result, "success", None), EncodedValue):
        _write_encoded(oprot.trans, result.success)
    else:
        oprot.write_struct(result)
    oprot.write_message_end()
    oprot.trans.flush()


def _write_encoded(trans: Any, value: EncodedValue) -> None:
    """The result struct with field 0 (success) already encoded: header, chunks, stop."""
    trans.write(struct.pack(">bh", value.ttype, 0))
    for chunk in value.chunks:
        trans.write(chunk)
    trans.write(b"\x00")


def _send_exception(oprot: Any, name: str, seqid: int, error: TApplicationException) -> None:
    oprot.write_message_begin(name, TMessageType.EXCEPTION, seqid)
    oprot.write_struct(error)
    oprot.write_message_end()
    oprot.trans.flush()
