"""The sandbox's HTTP server: Django's threaded dev-server machinery on sandbox.urls."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.servers.basehttp import WSGIServer, run
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse

from .runtime import runtime_configure


def content_length(get_response: Callable[[HttpRequest], HttpResponse]):
    """Middleware: every answer carries Content-Length, so the dev server keeps the
    connection open as the real APIs do; without it each call would open a new one."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if not response.streaming and not response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response

    return middleware


class _NoDelayServer(WSGIServer):
    """Answers without Nagle's delay, as nginx and Apache do on kept-alive connections:
    the dev server writes headers and body separately, and the second write would wait
    ~40 ms for the client's delayed ACK on every call."""

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, address


def sandbox_serve(
    *,
    host: str,
    port: int,
    state: str,
    overrides: dict[str, Any],
    reset: bool = False,
    quiet: bool = False,
) -> None:
    """Configure the store and serve until interrupted.

    The project's middleware stack (sessions, CSRF, security redirects) is replaced by
    `content_length` alone: the emulators speak machine-to-machine HTTP only, and must not
    touch the project database.
    """
    settings.ROOT_URLCONF = "sandbox.urls"
    settings.MIDDLEWARE = ["sandbox.server.content_length"]
    settings.APPEND_SLASH = False
    settings.DEBUG = False  # plain 500s; tracebacks still go to the log
    rt = runtime_configure(state_path=state, overrides=overrides)
    if reset:
        rt.reset()
    application = get_wsgi_application()  # (re)configures logging, so quiet comes after
    if quiet:
        logging.getLogger("django.server").setLevel(logging.WARNING)
    run(host, port, application, threading=True, server_cls=_NoDelayServer)
