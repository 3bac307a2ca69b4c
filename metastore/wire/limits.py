"""Bounded reading of Thrift messages from untrusted connections.

thriftpy2's Cython decoder trusts length prefixes: a string prefix makes it ``malloc`` that many
bytes and grow the connection's read buffer to match, and a list prefix makes it loop that many
times building Python objects (an empty struct is one byte on the wire and ~200 bytes decoded).
So the server never lets it read from a socket: :class:`MessageReader` first walks one whole
message off the connection, checking every length, count, nesting level and field type against
:class:`WireLimits` before buffering the bytes, and only a complete, well-formed message is handed
to the decoder (from memory). A stall in the middle of a message hits ``read_timeout``; an idle
connection between messages may wait forever (Spark keeps connections open for hours).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Protocol

DEFAULT_MAX_MESSAGE_SIZE = 100 * 1024 * 1024  # a get_partitions_by_names of 1M names is ~30 MB
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_DEPTH = 64

# Thrift binary type ids -> fixed payload size (None: variable length).
_FIXED = {2: 1, 3: 1, 4: 8, 6: 2, 8: 4, 10: 8}
_STRING, _STRUCT, _MAP, _SET, _LIST = 11, 12, 13, 14, 15
_STOP = 0
# Fewest wire bytes one element of a type can take: bounds a container's count by what is left.
_MIN_SIZE = {**_FIXED, _STRING: 4, _STRUCT: 1, _MAP: 6, _SET: 5, _LIST: 5}
# A decoded struct costs ~100-200 bytes; no real struct is under 16 wire bytes (a FieldSchema is 19),
# so a struct budget of size/16 keeps decoded memory a small multiple of the message size.
_MIN_BYTES_PER_STRUCT = 16

_I32 = struct.Struct(">i")
_I16 = struct.Struct(">h")
_VERSION_MASK = -65536  # 0xffff0000 as a signed 32-bit int
_VERSION_1 = -2147418112  # 0x80010000


class WireLimitError(Exception):
    """The client sent something the server will not read; the connection is closed."""


class ReadTimeout(WireLimitError):
    """The client stopped sending in the middle of a message."""


@dataclass(frozen=True, slots=True)
class WireLimits:
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_depth: int = DEFAULT_MAX_DEPTH


class ByteSource(Protocol):
    def recv(self, n: int, timeout: float | None) -> bytes:
        """Up to ``n`` bytes; ``b""`` at end of stream; raises ``socket.timeout`` after ``timeout``."""


class SocketSource:
    """Bytes straight from a (possibly TLS-wrapped) socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._timeout: float | None = -1.0

    def recv(self, n: int, timeout: float | None) -> bytes:
        if timeout != self._timeout:
            self.sock.settimeout(timeout)
            self._timeout = timeout
        return self.sock.recv(n)


class MessageReader:
    """Reads one complete, validated Thrift binary message at a time from a :class:`ByteSource`."""

    CHUNK = 256 * 1024

    def __init__(self, source: ByteSource, limits: WireLimits) -> None:
        self.source = source
        self.limits = limits
        self._buf = bytearray()
        self._pos = 0  # scan position in _buf
        self._end = 0  # the current message may not extend past this index of _buf
        self._structs = 0

    # -- public -------------------------------------------------------------------------------------

    def next_message(self) -> bytes | None:
        """The next message's bytes, or None when the client closed the connection between messages."""
        del self._buf[: self._pos]
        self._pos = 0
        if not self._buf and not self._fill(1, idle=True):
            return None
        self._end = self.limits.max_message_size
        self._structs = 0
        self._header()
        self._struct(1)
        message = bytes(self._buf[: self._pos])
        return message

    # -- scanning -----------------------------------------------------------------------------------

    def _header(self) -> None:
        size = self._i32()
        if size < 0:
            if size & _VERSION_MASK != _VERSION_1:
                raise WireLimitError(f"not a Thrift binary message (bad version word {size & 0xffffffff:#010x})")
            self._skip_string()
        else:
            self._check_string(size)  # old non-strict header: name, then a type byte
            self._skip(size + 1)
        self._skip(4)  # sequence id

    def _struct(self, depth: int) -> None:
        if depth > self.limits.max_depth:
            raise WireLimitError(f"structs nested deeper than {self.limits.max_depth} levels")
        self._structs += 1
        if self._structs * _MIN_BYTES_PER_STRUCT > self.limits.max_message_size:
            raise WireLimitError("too many structs in one message")
        # Strings and fixed-size fields are skipped in this loop (most fields); containers and structs recurse.
        end, fixed_sizes = self._end, _FIXED
        buf, pos = self._buf, self._pos
        while True:
            if pos + 3 > len(buf) or pos + 3 > end:
                self._pos = pos
                self._ensure(1)
                if self._buf[pos] == _STOP:
                    self._pos = pos + 1
                    return
                self._ensure(3)
                buf = self._buf
            ttype = buf[pos]
            if ttype == _STOP:
                self._pos = pos + 1
                return
            pos += 3
            if ttype == _STRING:
                pos = self._past_string(pos)
                buf = self._buf
                continue
            fixed = fixed_sizes.get(ttype)
            if fixed is not None:
                pos += fixed
                continue
            self._pos = pos
            self._value(ttype, depth)
            buf, pos = self._buf, self._pos

    def _value(self, ttype: int, depth: int) -> None:
        fixed = _FIXED.get(ttype)
        if fixed is not None:
            self._skip(fixed)
        elif ttype == _STRING:
            self._skip_string()
        elif ttype == _STRUCT:
            self._struct(depth + 1)
        elif ttype in (_LIST, _SET):
            self._ensure(5)
            etype = self._buf[self._pos]
            self._pos += 1
            self._items(self._i32(), (etype,), depth)
        elif ttype == _MAP:
            self._ensure(6)
            ktype, vtype = self._buf[self._pos], self._buf[self._pos + 1]
            self._pos += 2
            self._items(self._i32(), (ktype, vtype), depth)
        else:
            raise WireLimitError(f"unknown Thrift field type {ttype}")

    def _items(self, count: int, types: tuple[int, ...], depth: int) -> None:
        if depth + 1 > self.limits.max_depth:
            raise WireLimitError(f"containers nested deeper than {self.limits.max_depth} levels")
        for t in types:
            if t not in _MIN_SIZE:
                raise WireLimitError(f"unknown Thrift element type {t}")
        per_item = sum(_MIN_SIZE[t] for t in types)
        if count < 0 or count * per_item > self._end - self._pos:
            raise WireLimitError(
                f"a container of {count} elements does not fit the {self.limits.max_message_size}-byte "
                "message limit (--max-message-size)")
        if len(types) == 1 and types[0] in _FIXED:
            self._skip(count * _FIXED[types[0]])
        elif types == (_STRING,):
            self._skip_strings(count)
        elif types == (_STRING, _STRING):
            self._skip_strings(2 * count)  # map<string,string>: parameters, the common map
        else:
            for _ in range(count):
                for t in types:
                    self._value(t, depth + 1)

    def _skip_strings(self, count: int) -> None:
        """``count`` consecutive strings: the hot path (names, values, parameters), kept tight."""
        pos, past = self._pos, self._past_string
        for _ in range(count):
            pos = past(pos)
        self._pos = pos
        self._ensure(0)

    def _past_string(self, pos: int) -> int:
        """Where the string whose length prefix starts at ``pos`` ends (its bytes may still be unread)."""
        if pos + 4 > len(self._buf):
            self._pos = pos
            self._ensure(4)
        (size,) = _I32.unpack_from(self._buf, pos)
        pos += 4
        if size < 0 or pos + size > self._end:
            self._pos = pos
            self._check_string(size)
        return pos + size

    def _skip_string(self) -> None:
        size = self._i32()
        self._check_string(size)
        self._skip(size)

    def _check_string(self, size: int) -> None:
        if size < 0:
            raise WireLimitError(f"negative string length {size}")
        if size > self._end - self._pos:
            raise WireLimitError(
                f"a {size}-byte string does not fit the {self.limits.max_message_size}-byte message limit "
                "(--max-message-size)")

    def _i32(self) -> int:
        self._ensure(4)
        (value,) = _I32.unpack_from(self._buf, self._pos)
        self._pos += 4
        return value

    def _skip(self, n: int) -> None:
        self._pos += n
        self._ensure(0)

    def _ensure(self, n: int) -> None:
        """Make ``_buf[_pos:_pos + n]`` available, never reading past the message limit."""
        end = self._pos + n
        if end > self._end:
            raise WireLimitError(f"message larger than {self.limits.max_message_size} bytes (--max-message-size)")
        if end > len(self._buf):
            self._fill(end - len(self._buf), idle=False)

    def _fill(self, need: int, *, idle: bool) -> bool:
        """Append at least ``need`` bytes to the buffer; False on a clean close before a message."""
        while need > 0:
            timeout = None if idle else self.limits.read_timeout
            try:
                data = self.source.recv(max(need, self.CHUNK) if not idle else self.CHUNK, timeout)
            except TimeoutError:
                raise ReadTimeout(
                    f"client sent part of a message and then nothing for {self.limits.read_timeout:g} s") from None
            if not data:
                if idle:
                    return False
                raise EOFError("client closed the connection in the middle of a message")
            self._buf += data
            need -= len(data)
            idle = False
        return True
