"""Per-connection security and limits: TLS, SASL PLAIN, bounded reads, authorisation of each call.

``ConnectionSecurity`` is built once from the ``serve`` options; ``open`` turns an accepted socket
into a :class:`Channel` (validated request bytes in, reply transport out, the authenticated user),
and the channel's ``guard`` is the hook the processor runs before every call.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any

from thriftpy2.transport import TSocket
from thriftpy2.transport.buffered import TCyBufferedTransport

from metastore.security.authz import authorize
from metastore.security.locations import LocationPolicy
from metastore.security.users import User, UsersFile
from metastore.wire import sasl
from metastore.wire.limits import MessageReader, SocketSource, WireLimits

log = logging.getLogger("metahive.security")

AUTH_MODES = ("none", "sasl")


@dataclass
class ConnectionSecurity:
    limits: WireLimits = field(default_factory=WireLimits)
    tls: ssl.SSLContext | None = None
    users: UsersFile | None = None  # set: SASL PLAIN required, calls authorised by role
    locations: LocationPolicy | None = None

    def open(self, conn: socket.socket, address: str) -> Channel:
        """Handshake TLS and SASL (each bounded by the read timeout) and return the channel."""
        sock: socket.socket = conn
        if self.tls is not None:
            conn.settimeout(self.limits.read_timeout)
            sock = self.tls.wrap_socket(conn, server_side=True)
        user = None
        if self.users is not None:
            name = sasl.negotiate_plain(sock, self.users.verify, self.limits.read_timeout)
            user = self.users.users[name]
            source: Any = sasl.SaslFrameSource(sock, self.limits.max_message_size)
            out: Any = TCyBufferedTransport(sasl.SaslFrameWriter(sock))
        else:
            source = SocketSource(sock)
            out = TCyBufferedTransport(TSocket(sock=sock))
        return Channel(sock, MessageReader(source, self.limits), out, user, address, self.locations)

    def describe(self, host: str) -> str:
        parts = ["TLS" if self.tls else "plaintext",
                 "SASL PLAIN with roles" if self.users else "no authentication",
                 f"max message {self.limits.max_message_size} bytes"]
        if self.locations is not None and self.locations.active:
            parts.append(f"location roots {', '.join(self.locations.roots)}")
        return ", ".join(parts)

    def warn_if_open(self, host: str) -> None:
        """Unauthenticated mode is for local development: say so loudly on a non-loopback address."""
        if self.users is None and not _is_loopback(host):
            log.warning("!" * 78)
            log.warning("UNAUTHENTICATED metastore bound to %s: anyone who can reach this port can read, change "
                        "and drop every table. Use --auth sasl --users-file FILE (and --tls-cert/--tls-key).", host)
            log.warning("!" * 78)


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Channel:
    sock: socket.socket
    reader: MessageReader
    out: Any  # a Thrift transport for replies
    user: User | None
    address: str
    locations: LocationPolicy | None

    def guard(self, method: str, args: Any) -> None:
        """The processor's pre-call hook: authorisation, then location roots for writes."""
        if self.user is not None:
            authorize(self.user, method, args, self.address)
        if self.locations is not None:
            self.locations.check_args(args)


class SecurityConfigError(ValueError):
    """Inconsistent security options; the message says which flag to fix."""


def build_security(*, warehouse: str, tls_cert: str | None = None, tls_key: str | None = None,
                   auth: str = "none", users_file: str | None = None,
                   max_message_size: int = WireLimits.max_message_size,
                   read_timeout: float = WireLimits.read_timeout,
                   location_roots: tuple[str, ...] = ()) -> ConnectionSecurity:
    """``ConnectionSecurity`` from ``metahive serve`` options, validated up front."""
    from metastore.wire.tls import server_context

    if bool(tls_cert) != bool(tls_key):
        raise SecurityConfigError("TLS needs both --tls-cert and --tls-key")
    if auth not in AUTH_MODES:
        raise SecurityConfigError(f"unknown --auth {auth!r}: use one of {', '.join(AUTH_MODES)}")
    if auth == "sasl" and not users_file:
        raise SecurityConfigError("--auth sasl needs --users-file (create it with `metahive user add`)")
    if max_message_size < 1024:
        raise SecurityConfigError(f"--max-message-size {max_message_size} is too small (at least 1024 bytes)")
    users = None
    if auth == "sasl":
        users = UsersFile(users_file or "")
        if not users.users:
            raise SecurityConfigError(f"users file {users_file} has no users: add one with `metahive user add`")
    return ConnectionSecurity(
        limits=WireLimits(max_message_size=max_message_size, read_timeout=read_timeout),
        tls=server_context(tls_cert, tls_key) if tls_cert and tls_key else None,
        users=users,
        locations=LocationPolicy(location_roots, warehouse) if location_roots else None,
    )
