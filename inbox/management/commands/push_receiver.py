"""A local stand-in for the 企业微信/钉钉 robot and SMS gateway endpoints: prints what the portal pushes.

    manage.py push_receiver --port 8765      # then enable the demo 推送渠道配置 in admin
"""
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "本地推送接收端（演示用）：打印收到的企业微信/钉钉/短信推送"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)

    def handle(self, *args, port, **options):
        out = self.stdout

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                out.write(f"{self.path}\n{json.dumps(json.loads(body or b'{}'), ensure_ascii=False, indent=2)}\n")
                data = b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        out.write(f"listening on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
