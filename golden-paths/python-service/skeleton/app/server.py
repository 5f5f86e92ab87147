"""The ${{ values.name }} HTTP service, on Python's standard library alone."""

import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

SERVICE_NAME = "${{ values.name }}"
DEFAULT_PORT = ${{ values.port }}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/":
            self.send_json(200, {"service": SERVICE_NAME, "message": f"Hello from {SERVICE_NAME}!"})
        elif path == "/healthz":
            self.send_json(200, {"status": "ok"})
        else:
            self.send_json(404, {"error": "not_found", "message": f"No route for GET {path}"})

    def send_json(self, status, body):
        payload = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def create_server(port=DEFAULT_PORT, host="0.0.0.0"):
    """The service's HTTP server, bound but not yet serving; port 0 picks a free port."""
    return ThreadingHTTPServer((host, port), Handler)


def main():
    port = int(os.environ.get("PORT", DEFAULT_PORT))
    server = create_server(port)
    # As a container's first process Python gets no default SIGTERM handler, so without this
    # `docker stop` would wait for its timeout and then kill the service.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"{SERVICE_NAME} listening on port {port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
