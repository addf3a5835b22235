"""A misbehaving HTTP server for tests and benchmarks of the client limits: a thread on
127.0.0.1 (a free port) that drips its answer, sends a gzip bomb or a huge body.

- /drip-headers drips its header lines; any other path with "drip" in it (/drip-body,
  /picqer-drip/tags) drips its body: one byte every `drip_interval` seconds.
- /bomb: `bomb_bytes` of zeros, gzipped (Content-Encoding: gzip).
- /huge: `huge_bytes` of plain, well-formed XML. /small-gzip: 1 MiB of zeros, gzipped.
- anything else: "ok".
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MB = 1024 * 1024


def gzip_bytes(size: int) -> bytes:
    """`size` zero bytes (whole MiB) in a gzip container: about 1/1000 of the size."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    block = b"\0" * MB
    return b"".join(packer.compress(block) for _ in range(size // MB)) + packer.flush()


@dataclass
class MisbehavingServer:
    """What the server sends, and what it saw: `requests` (paths asked, in order), `sent`
    (bytes per path), `finished` (paths whose whole answer went out)."""

    drip_bytes: int = 20
    drip_interval: float = 0.2
    bomb_bytes: int = 64 * MB
    huge_bytes: int = 64 * MB
    url: str = ""
    requests: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)

    @cached_property
    def bomb(self) -> bytes:
        return gzip_bytes(self.bomb_bytes)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    @property
    def conf(self) -> MisbehavingServer:
        return self.server.misbehaving

    def _send(self, path: str, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()
        self.conf.sent[path] = self.conf.sent.get(path, 0) + len(data)

    def _head(self, length: int, *, gzip: bool = False) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        if gzip:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        conf = self.conf
        conf.requests.append(path)
        conf.sent[path] = 0
        conf.finished.discard(path)
        pause = threading.Event()
        try:
            if path == "/drip-headers":
                self._send(path, b"HTTP/1.1 200 OK\r\n")
                for n in range(conf.drip_bytes):
                    self._send(path, f"X-Drip-{n}: 1\r\n".encode())
                    pause.wait(conf.drip_interval)
                self._send(path, b"Content-Length: 2\r\n\r\nok")
            elif "drip" in path:
                self._head(conf.drip_bytes)
                for _ in range(conf.drip_bytes):
                    self._send(path, b"x")
                    pause.wait(conf.drip_interval)
            elif path == "/bomb":
                self._head(len(conf.bomb), gzip=True)
                for start in range(0, len(conf.bomb), 16 * 1024):
                    self._send(path, conf.bomb[start : start + 16 * 1024])
            elif path == "/huge":
                head, tail = b"<?xml version='1.0'?><prestashop>", b"</prestashop>"
                block = b"<a>" + b"x" * (64 * 1024 - 7) + b"</a>"
                blocks = (conf.huge_bytes - len(head) - len(tail)) // len(block)
                self._head(len(head) + blocks * len(block) + len(tail))
                self._send(path, head)
                for _ in range(blocks):
                    self._send(path, block)
                self._send(path, tail)
            elif path == "/small-gzip":
                body = gzip_bytes(MB)
                self._head(len(body), gzip=True)
                self._send(path, body)
            else:
                self._head(2)
                self._send(path, b"ok")
            conf.finished.add(path)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up: what the limits are for


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client hanging up mid-answer is the expected case, not news


@contextmanager
def misbehaving_server(**options) -> Iterator[MisbehavingServer]:
    """Serve on a free loopback port until the block ends; options: MisbehavingServer's."""
    conf = MisbehavingServer(**options)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.misbehaving = conf
    conf.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield conf
    finally:
        server.shutdown()
        server.server_close()
