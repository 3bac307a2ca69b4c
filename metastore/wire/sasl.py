"""SASL PLAIN over the Thrift binary protocol (Hive's username/password mode, ``TSaslServerTransport``).

Negotiation: the client sends ``START`` with the mechanism name, then ``OK`` (or ``COMPLETE``, as
Java clients do) with ``authzid NUL authcid NUL password``; the server answers ``COMPLETE`` or
``BAD`` with a reason and closes. Afterwards every message travels in frames of a 4-byte length
plus payload (PLAIN has no integrity or privacy layer: use TLS under it on untrusted networks).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable

from metastore.wire.limits import ReadTimeout, WireLimitError

START, OK, BAD, ERROR, COMPLETE = 1, 2, 3, 4, 5
_MAX_NEGOTIATION_PAYLOAD = 64 * 1024
_HEADER = struct.Struct(">BI")
_FRAME = struct.Struct(">I")


class AuthenticationFailed(Exception):
    """The client did not prove who it is; the reason is sent to it (never the password)."""


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("client closed the connection during SASL negotiation")
        data += chunk
    return bytes(data)


def _recv_negotiation(sock: socket.socket) -> tuple[int, bytes]:
    status, length = _HEADER.unpack(_recv_exactly(sock, _HEADER.size))
    if status not in (START, OK, BAD, ERROR, COMPLETE):
        raise AuthenticationFailed(
            f"expected a SASL negotiation message (status {START}..{COMPLETE}), got status byte {status}: "
            "is the client configured for SASL?")
    if length > _MAX_NEGOTIATION_PAYLOAD:
        raise AuthenticationFailed(f"SASL negotiation message of {length} bytes is too large")
    return status, _recv_exactly(sock, length)


def _send_negotiation(sock: socket.socket, status: int, payload: bytes) -> None:
    sock.sendall(_HEADER.pack(status, len(payload)) + payload)


def negotiate_plain(sock: socket.socket, verify: Callable[[str, str], bool], timeout: float) -> str:
    """Run the server side of SASL PLAIN; return the authenticated user name."""
    sock.settimeout(timeout)
    try:
        status, mechanism = _recv_negotiation(sock)
        if status != START:
            raise AuthenticationFailed("SASL negotiation must begin with START")
        if mechanism.upper() != b"PLAIN":
            raise AuthenticationFailed(
                f"SASL mechanism {mechanism.decode('ascii', 'replace')!r} is not supported; use PLAIN")
        status, response = _recv_negotiation(sock)
        if status not in (OK, COMPLETE):
            raise AuthenticationFailed("SASL client aborted the negotiation")
        parts = response.split(b"\x00")
        if len(parts) != 3:
            raise AuthenticationFailed("malformed SASL PLAIN response (expected authzid NUL user NUL password)")
        authzid, user_b, password_b = parts
        user = user_b.decode("utf-8", "replace")
        if authzid and authzid != user_b:
            raise AuthenticationFailed(f"user {user} may not act as another user")
        if not verify(user, password_b.decode("utf-8", "replace")):
            raise AuthenticationFailed(f"authentication failed for user {user}")
        _send_negotiation(sock, COMPLETE, b"")
        return user
    except AuthenticationFailed as e:
        try:
            _send_negotiation(sock, BAD, str(e).encode())
        except OSError:
            pass
        raise
    except TimeoutError:
        raise ReadTimeout(f"client did not complete SASL negotiation within {timeout:g} s") from None


class SaslFrameSource:
    """Message bytes from SASL data frames (a :class:`metastore.wire.limits.ByteSource`)."""

    def __init__(self, sock: socket.socket, max_frame: int) -> None:
        self.sock = sock
        self.max_frame = max_frame
        self._left = 0

    def recv(self, n: int, timeout: float | None) -> bytes:
        self.sock.settimeout(timeout)
        if self._left == 0:
            header = self.sock.recv(_FRAME.size)
            if not header:
                return b""
            if len(header) < _FRAME.size:
                self.sock.settimeout(timeout or 30.0)
                header += _recv_exactly(self.sock, _FRAME.size - len(header))
            (self._left,) = _FRAME.unpack(header)
            if self._left > self.max_frame:
                raise WireLimitError(f"SASL frame of {self._left} bytes exceeds the message limit")
        data = self.sock.recv(min(n, self._left))
        self._left -= len(data)
        return data


class SaslFrameWriter:
    """Output transport: each flush of a reply becomes one SASL data frame."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self._parts.append(data)

    def flush(self) -> None:
        payload = b"".join(self._parts)
        self._parts.clear()
        self.sock.sendall(_FRAME.pack(len(payload)) + payload)

    def is_open(self) -> bool:
        return True

    def close(self) -> None:
        self.sock.close()
