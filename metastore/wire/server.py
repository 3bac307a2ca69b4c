"""The Thrift server: unframed TBinaryProtocol over TCP, several worker processes, a thread per connection.

Worker processes share one listening socket (the kernel spreads connections), so all cores serve
calls; inside a worker each connection has its own thread, so a slow or idle client (Spark keeps
connections open for hours) never blocks another.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from thriftpy2.protocol.cybin import TCyBinaryProtocol
from thriftpy2.transport import TTransportException
from thriftpy2.transport.memory import TCyMemoryBuffer

from metastore.hms.service import HiveMetastore
from metastore.wire.adapter import Session, ThriftHandler
from metastore.wire.convert import check_plans
from metastore.wire.guard import ConnectionSecurity
from metastore.wire.processor import process

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 9083
    workers: int = 1
    security: ConnectionSecurity = field(default_factory=ConnectionSecurity)


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def serve_connection(metastore: HiveMetastore, conn: socket.socket, address: str,
                     security: ConnectionSecurity | None = None) -> None:
    """Answer calls on one client connection until the client goes away.

    Requests arrive through the channel's bounded reader (metastore/wire/limits.py) and are decoded
    from memory; anything malformed, oversized or stalled closes this connection only.
    """
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        channel = (security or ConnectionSecurity()).open(conn, address)
        oprot = TCyBinaryProtocol(channel.out, strict_read=False, strict_write=True)
        handler = ThriftHandler(metastore, Session(address=address))
        handler.guard = channel.guard  # type: ignore[attr-defined]  # the processor's pre-call hook
        while (message := channel.reader.next_message()) is not None:
            iprot = TCyBinaryProtocol(TCyMemoryBuffer(message), strict_read=False)
            process(handler, iprot, oprot)
    except TTransportException:
        pass  # the client closed the connection
    except (ConnectionError, OSError, EOFError) as e:
        log.debug("connection %s dropped: %s", address, e)
    except Exception as e:  # noqa: BLE001 - a bad client closes its own connection, nothing else
        log.warning("closing connection %s: %s", address, e)
    finally:
        try:
            conn.close()
        except OSError:
            pass


def run_worker(sock: socket.socket, make_metastore: Callable[[], HiveMetastore],
               security: ConnectionSecurity | None = None) -> None:
    """Accept connections forever, one thread each."""
    check_plans()
    metastore = make_metastore()
    while True:
        try:
            conn, addr = sock.accept()
        except InterruptedError:
            continue
        address = f"{addr[0]}:{addr[1]}"
        threading.Thread(target=serve_connection, args=(metastore, conn, address, security), daemon=True,
                         name=f"conn-{address}").start()


def serve(options: ServerOptions, make_metastore: Callable[[], HiveMetastore]) -> None:
    """Listen, then serve in this process (1 worker) or in N forked workers supervised here."""
    check_plans()  # parse the IDL once, before forking, so workers share it
    sock = listen(options.host, options.port)
    log.info("metahive listening on %s:%d with %d worker(s); %s", options.host, options.port, options.workers,
             options.security.describe(options.host))
    options.security.warn_if_open(options.host)
    if options.workers <= 1:
        run_worker(sock, make_metastore, options.security)
        return
    children: dict[int, int] = {}
    stopping = False

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                run_worker(sock, make_metastore, options.security)
            finally:
                os._exit(1)
        children[pid] = slot

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(options.workers):
        spawn(slot)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        slot = children.pop(pid, None)
        if slot is not None and not stopping:
            log.error("worker %d exited (status %d); starting a replacement", pid, status)
            time.sleep(0.5)
            spawn(slot)
