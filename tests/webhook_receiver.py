"""A real HTTP server on 127.0.0.1 that receives webhooks in tests.

It answers each POST with the next status of `statuses` (then `default`), and records what
it got: headers, the exact body bytes and when.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)


class Receiver:
    def __init__(
        self, statuses=(), default: int = 200, headers: dict | None = None, delay_s: float = 0
    ) -> None:
        self.delay_s = delay_s
        self.statuses = deque(statuses)
        self.default = default
        self.extra_headers = headers or {}
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                    status = receiver.statuses.popleft() if receiver.statuses else receiver.default
                time.sleep(receiver.delay_s)
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                answer = f"status {status}".encode()
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/kam"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 30.0, tick=None) -> list[Received]:
        """Wait until `count` requests arrived; call `tick()` meanwhile (a beat stand-in)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, (
                f"the receiver got {len(self.received)} of {count} requests in {timeout} s"
            )
            if tick is not None:
                tick()
            time.sleep(0.05)
        return list(self.received)
