"""The sandbox's HTTP server: Django's threaded dev-server machinery on sandbox.urls."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.servers.basehttp import run
from django.core.wsgi import get_wsgi_application

from .runtime import runtime_configure


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

    The project's middleware stack (sessions, CSRF, security redirects) is dropped: the
    emulators speak machine-to-machine HTTP only, and must not touch the project database.
    """
    settings.ROOT_URLCONF = "sandbox.urls"
    settings.MIDDLEWARE = []
    settings.APPEND_SLASH = False
    settings.DEBUG = False  # plain 500s; tracebacks still go to the log
    rt = runtime_configure(state_path=state, overrides=overrides)
    if reset:
        rt.reset()
    application = get_wsgi_application()  # (re)configures logging, so quiet comes after
    if quiet:
        logging.getLogger("django.server").setLevel(logging.WARNING)
    run(host, port, application, threading=True)
