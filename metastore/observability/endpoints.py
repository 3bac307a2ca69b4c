"""The operations HTTP endpoint, served by the parent process: /metrics, /healthz, /readyz.

``/healthz`` answers 200 while the server process is alive. ``/readyz`` answers 200 only when the
catalog database answers and its schema is at this metahive's revision, else 503 with the reason,
so a load balancer stops sending clients to a server whose database is gone or being migrated.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from metastore.observability.metrics import render

log = logging.getLogger(__name__)

ReadyCheck = Callable[[], tuple[bool, dict[str, object]]]


def database_ready(db_url: str) -> ReadyCheck:
    """A check that connects (5 s timeout) and compares the schema revision with the code's."""
    import sqlalchemy as sa

    from metastore.store import migrate

    connect_args = {"connect_timeout": 5} if db_url.startswith("postgresql") else {}
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool, connect_args=connect_args)
    head = migrate.head_revision()

    def check() -> tuple[bool, dict[str, object]]:
        try:
            current = migrate.current_revision(engine)
        except Exception as e:  # noqa: BLE001 - any failure means not ready, and says why
            return False, {"status": "not ready", "reason": f"catalog database unreachable: {e}".splitlines()[0]}
        if current != head:
            return False, {"status": "not ready", "revision": current, "expected": head,
                           "reason": f"schema revision {current}, this metahive needs {head}: "
                                     "run `metahive db upgrade`"}
        return True, {"status": "ready", "revision": current}

    return check


class OpsServer:
    def __init__(self, host: str, port: int, ready: ReadyCheck) -> None:
        handler = _handler(ready)
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]

    def start(self) -> None:
        threading.Thread(target=self.httpd.serve_forever, name="ops-http", daemon=True).start()
        log.info("metrics and health on http://%s:%d (/metrics /healthz /readyz)",
                 self.httpd.server_address[0], self.port)

    def close_in_child(self) -> None:
        """A forked worker must not keep the parent's HTTP socket open."""
        self.httpd.socket.close()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(ready: ReadyCheck) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                body, content_type = render()
                self._send(200, body, content_type)
            elif path == "/healthz":
                self._send(200, b"ok\n", "text/plain; charset=utf-8")
            elif path == "/readyz":
                ok, detail = ready()
                self._send(200 if ok else 503, json.dumps(detail).encode() + b"\n", "application/json")
            else:
                self._send(404, b"not found: try /metrics, /healthz or /readyz\n", "text/plain; charset=utf-8")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            log.debug("ops http: " + format, *args)

    return Handler
