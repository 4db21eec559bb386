"""A real local HTTP receiver (http.server in a thread) standing in for 企业微信/钉钉 robots and an SMS gateway."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Receiver:
    fail_first: int = 0               # answer the first n requests with a failure
    failure: str = "http"             # "http" → 500; "errcode" → 200 {"errcode": 45009}
    requests: list = field(default_factory=list)    # (path, body dict) of every request
    accepted: list = field(default_factory=list)    # (path, body dict) of the accepted ones

    def __post_init__(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                owner.requests.append((self.path, body))
                if len(owner.requests) <= owner.fail_first:
                    if owner.failure == "errcode":
                        self._answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
                    else:
                        self._answer(500, {"error": "unavailable"})
                    return
                owner.accepted.append((self.path, body))
                self._answer(200, {"errcode": 0, "errmsg": "ok"})

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
