"""The Thrift server: unframed TBinaryProtocol over TCP, several worker processes, a thread per connection.

Worker processes share one listening socket (the kernel spreads connections), so all cores serve
calls; inside a worker each connection has its own thread, so a slow or idle client (Spark keeps
connections open for hours) never blocks another.

Shutdown (SIGTERM or SIGINT): the parent forwards the signal; each worker stops accepting, shuts
idle connections for reading (their blocked read returns), lets calls in progress finish for up to
``shutdown_timeout`` seconds, closes its database pool and exits 0. Nothing is added per call but
a busy flag (set and cleared by the call bookkeeping) and one check of the stop flag.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from thriftpy2.protocol.cybin import TCyBinaryProtocol
from thriftpy2.transport import TSocket, TTransportException
from thriftpy2.transport.buffered import TCyBufferedTransport

from metastore.hms.service import HiveMetastore
from metastore.observability import calls, metrics
from metastore.wire.adapter import Session, ThriftHandler
from metastore.wire.convert import check_plans
from metastore.wire.processor import process

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 9083
    workers: int = 1
    shutdown_timeout: float = 30.0
    # TLS / SASL / max message size options (issue 8) go here.


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


class Worker:
    """One process's accept loop and connection threads, with a graceful stop."""

    def __init__(self, sock: socket.socket, make_metastore: Callable[[], HiveMetastore],
                 shutdown_timeout: float) -> None:
        self.sock = sock
        self.make_metastore = make_metastore
        self.shutdown_timeout = shutdown_timeout
        self.wake_r, self.wake_w = os.pipe()
        self.stopping = threading.Event()
        self.open: dict[threading.Thread, tuple[socket.socket, calls.Connection | None]] = {}
        self.lock = threading.Lock()

    def stop(self, _signum: int = 0, _frame: object = None) -> None:
        """Signal handler: wakes the accept loop, which does the rest outside the handler."""
        try:
            os.write(self.wake_w, b"x")
        except OSError:
            pass

    def run(self) -> None:
        check_plans()
        metastore = self.make_metastore()
        metrics.current().start_process(getattr(metastore.catalog, "engines", ()))
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        poller.register(self.wake_r, select.POLLIN)
        try:
            while True:
                events = poller.poll()
                if any(fd == self.wake_r for fd, _ in events):
                    break
                try:
                    conn, addr = self.sock.accept()
                except (BlockingIOError, InterruptedError):
                    continue  # another worker accepted it
                address = f"{addr[0]}:{addr[1]}"
                thread = threading.Thread(target=self.serve_connection, args=(metastore, conn, address),
                                          daemon=True, name=f"conn-{address}")
                with self.lock:
                    self.open[thread] = (conn, None)
                thread.start()
        finally:
            self.sock.close()  # this process's descriptor only; the others keep accepting
            self.close_idle()
            self.drain()
            metrics.current().stop_process()
            dispose = getattr(metastore.catalog, "dispose", None)
            if dispose is not None:
                dispose()

    def close_idle(self) -> None:
        """Stop reading from connections between calls; busy ones stop after their call.

        ``stopping`` is set before the scan and a connection clears ``busy`` before checking it,
        so every connection either sees the flag or is seen idle here.
        """
        self.stopping.set()
        with self.lock:
            idle = [conn for conn, state in self.open.values() if state is None or not state.busy]
            busy = len(self.open) - len(idle)
        log.info("stopping: no longer accepting; closing %d idle connection(s), %d call(s) in progress",
                 len(idle), busy)
        for conn in idle:
            try:
                conn.shutdown(socket.SHUT_RD)  # the blocked read returns: the thread ends
            except OSError:
                pass

    def drain(self) -> None:
        deadline = time.monotonic() + self.shutdown_timeout
        with self.lock:
            threads = list(self.open)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        busy = sum(thread.is_alive() for thread in threads)
        if busy:
            log.warning("stopping with %d call(s) still running after %.0f s", busy, self.shutdown_timeout)
        else:
            log.info("worker %d stopped: calls in progress finished", os.getpid())

    def serve_connection(self, metastore: HiveMetastore, conn: socket.socket, address: str) -> None:
        def registered(state: calls.Connection) -> None:
            with self.lock:
                self.open[threading.current_thread()] = (conn, state)

        try:
            serve_connection(metastore, conn, address, self.stopping, registered)
        finally:
            with self.lock:
                self.open.pop(threading.current_thread(), None)


def serve_connection(metastore: HiveMetastore, conn: socket.socket, address: str,
                     stopping: threading.Event | None = None,
                     registered: Callable[[calls.Connection], None] | None = None) -> None:
    """Answer calls on one client connection until the client goes away or ``stopping`` is set."""
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.settimeout(None)
    transport = TCyBufferedTransport(TSocket(sock=conn))
    protocol = TCyBinaryProtocol(transport, strict_read=False, strict_write=True)
    handler = ThriftHandler(metastore, Session(address=address))
    state = calls.begin_connection(address)
    if registered is not None:
        registered(state)
    stopped = stopping.is_set if stopping is not None else lambda: False
    observed = metrics.current()
    observed.connection_opened()
    try:
        while not stopped():
            process(handler, protocol, protocol)
    except TTransportException:
        pass  # the client closed the connection (or shutdown closed it for reading)
    except (ConnectionError, OSError) as e:
        log.debug("connection %s dropped: %s", address, e)
    except Exception:
        log.exception("closing connection %s after an unreadable message", address)
    finally:
        observed.connection_closed()
        try:
            conn.close()
        except OSError:
            pass


def serve(options: ServerOptions, make_metastore: Callable[[], HiveMetastore],
          in_child: Callable[[], None] | None = None) -> None:
    """Listen, then serve in this process (1 worker) or in N forked workers supervised here.

    ``in_child`` runs in each forked worker first (e.g. to close the parent's HTTP socket).
    """
    check_plans()  # parse the IDL once, before forking, so workers share it
    sock = listen(options.host, options.port)
    sock.setblocking(False)  # workers poll, then accept; another worker may have taken the connection
    log.info("metahive listening on %s:%d with %d worker(s)", options.host, options.port, options.workers)
    observed = metrics.current()
    if options.workers <= 1:
        observed.set_workers(1)
        Worker(sock, make_metastore, options.shutdown_timeout).run()
        log.info("metahive stopped")
        return
    children: dict[int, int] = {}
    stopping = False

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                if in_child is not None:
                    in_child()
                Worker(sock, make_metastore, options.shutdown_timeout).run()
                status = 0
            except BaseException:
                log.exception("worker %d failed", os.getpid())
            finally:
                logging.shutdown()
                os._exit(status)
        children[pid] = slot

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        sock.close()  # the parent never accepts, but its descriptor would keep the port queueing
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        signal.signal(signal.SIGALRM, kill_stragglers)
        signal.alarm(int(options.shutdown_timeout) + 10)

    def kill_stragglers(_signum: int, _frame: object) -> None:
        for pid in list(children):
            log.error("worker %d did not stop in time; killing it", pid)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for slot in range(options.workers):
        spawn(slot)
    observed.set_workers(len(children))
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        slot = children.pop(pid, None)
        observed.worker_exited(pid)
        if slot is not None and not stopping:
            log.error("worker %d exited (status %d); starting a replacement", pid, status)
            observed.worker_replaced()
            time.sleep(0.5)
            spawn(slot)
        observed.set_workers(len(children))
    signal.alarm(0)
    log.info("metahive stopped")
