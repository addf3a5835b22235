"""HttpClient: the one place where HTTP happens.

One `requests.Session` per client instance, `(connect, read)` timeouts on every call, no
redirects on writes, one log line per call, and translation of every failure into the typed
errors of `errors.py`. Subclasses parse their own error bodies (`_parse_error_body`) and may
refine `_raise_for_response`.

Two limits bound every call, because a per-read timeout does not: a server sending one byte
every 10 s never trips a 30 s read timeout, and a small gzip body can unpack to gigabytes.

- A total deadline (HTTP_TOTAL_DEADLINE, or a shorter `http_deadline` around the call):
  a watchdog shuts the call's socket when it passes, which wakes a read blocked anywhere
  (headers or body), and the call raises ApiTimeoutError (retryable).
- A size cap on the body after decompression (HTTP_MAX_RESPONSE_BYTES): the body is
  streamed and counted; past the cap the call stops reading and raises
  ApiResponseTooLargeError (not retryable: the same request gets the same body).
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import functools
import heapq
import itertools
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from . import errors

logger = logging.getLogger("sync.http")
T = TypeVar("T")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Query parameters whose value is a credential; redacted in logs even if a caller adds them.
SECRET_PARAMS = frozenset({"ws_key", "key", "api_key", "token", "secret"})
REDACTED = "***"
# Decompressed bytes per read: urllib3 unpacks at most this much at a time, so a gzip bomb
# costs one chunk of memory before the size cap stops it.
BODY_CHUNK_BYTES = 64 * 1024
_SECRET_IN_QUERY = re.compile(r"(?i)\b(" + "|".join(sorted(SECRET_PARAMS)) + r")=[^&\s\"']+")


class _SecretQueryFilter(logging.Filter):
    """urllib3 logs every URL with its query string at DEBUG; redact credentials in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg, record.args = record.getMessage(), None
        record.msg = _SECRET_IN_QUERY.sub(rf"\1={REDACTED}", str(record.msg))
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_SecretQueryFilter())

# (monotonic deadline, its length in seconds) of the innermost `http_deadline`.
_budget: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "http_deadline", default=None
)


@contextmanager
def http_deadline(seconds: float) -> Iterator[None]:
    """Every call inside shares one budget of `seconds` (connect to last byte, pages of a
    list included), capped by HTTP_TOTAL_DEADLINE per call. For callers that must not wait
    long, e.g. admin pages. An outer, tighter budget still wins."""
    until = time.monotonic() + seconds
    outer = _budget.get()
    token = _budget.set(outer if outer is not None and outer[0] <= until else (until, seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def submit_under_deadline(pool: Executor, fn: Callable[..., T], *args: Any) -> Future[T]:
    """`pool.submit(fn, *args)`, run in a copy of the caller's context: a surrounding
    `http_deadline` then holds on the helper thread too."""
    return pool.submit(contextvars.copy_context().run, fn, *args)


def deadline_remaining() -> float | None:
    """Seconds left of the surrounding `http_deadline` (may be <= 0); None outside one."""
    current = _budget.get()
    return None if current is None else current[0] - time.monotonic()


class _Watchdog:
    """Shuts down the sockets of one call when its deadline passes. A blocked read then
    returns at once, whatever the server drips; the caller sees `fired` and reports a
    timeout. The socket is shut, not closed: the reading thread still owns it."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self.due = time.monotonic() + seconds
        self.ended = False  # set when the call is over: firing then does nothing
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._token: contextvars.Token | None = None

    def __enter__(self) -> _Watchdog:
        self._token = _current_watchdog.set(self)
        _ALARMS.add(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        _current_watchdog.reset(self._token)
        with self._lock:
            self.ended = True
            self._connections.clear()

    def watch(self, connection: Any) -> None:
        with self._lock:
            self._connections.append(connection)
            fired = self.fired
        if fired:
            self._shut(connection)

    def fire(self) -> None:
        with self._lock:
            if self.ended:
                return
            self.fired = True
            connections = list(self._connections)
        for connection in connections:
            self._shut(connection)

    @staticmethod
    def _shut(connection: Any) -> None:
        sock = getattr(connection, "sock", None)
        if sock is None:
            return  # still connecting: the connect timeout (capped by the deadline) applies
        # socket.socket's own shutdown, also for an SSLSocket, whose override would drop its
        # SSL state under the thread that is reading.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _AlarmClock:
    """One thread per process fires the watchdogs whose deadline passes. A timer thread
    per call would start and stop a thread for every API call: ~6 % of a 100,000-SKU full
    sync's samples in a profile (docs/benchmarks.md, "Stock: 100,000 SKUs")."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a forked worker has no thread

    def _reset(self) -> None:
        self._wake = threading.Condition()
        self._due: list[tuple[float, int, _Watchdog]] = []  # a heap, soonest first
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, watchdog: _Watchdog) -> None:
        with self._wake:
            heapq.heappush(self._due, (watchdog.due, next(self._order), watchdog))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="http-deadlines", daemon=True
                )
                self._thread.start()
            if self._due[0][2] is watchdog:  # sooner than what the thread waits for
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                watchdog = self._next_due()
            watchdog.fire()

    def _next_due(self) -> _Watchdog:
        """Wait for the soonest deadline of a call still running (ended calls are
        dropped as they come up) and take it off the heap."""
        while True:
            while self._due and self._due[0][2].ended:
                heapq.heappop(self._due)
            if not self._due:
                self._wake.wait()
                continue
            left = self._due[0][0] - time.monotonic()
            if left <= 0:
                return heapq.heappop(self._due)[2]
            self._wake.wait(left)


_ALARMS = _AlarmClock()


_current_watchdog: contextvars.ContextVar[_Watchdog | None] = contextvars.ContextVar(
    "http_watchdog", default=None
)


class _DeadlinePassed(Exception):
    """The watchdog fired, yet the read ended without an error of its own."""


class _WatchedPool:
    """Mixed into urllib3's connection pools: hands each connection a call takes to that
    call's watchdog."""

    def _get_conn(self, *args: Any, **kwargs: Any) -> Any:
        connection = super()._get_conn(*args, **kwargs)
        watchdog = _current_watchdog.get()
        if watchdog is not None:
            watchdog.watch(connection)
        return connection


@functools.cache
def _watched_pool_class(pool_class: type) -> type:
    return type(f"Watched{pool_class.__name__}", (_WatchedPool, pool_class), {})


def _watch_pools(manager: Any) -> Any:
    manager.pool_classes_by_scheme = {
        scheme: _watched_pool_class(cls) for scheme, cls in manager.pool_classes_by_scheme.items()
    }
    return manager


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections (direct or through a proxy) a watchdog can shut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        known = proxy in self.proxy_manager
        manager = super().proxy_manager_for(proxy, **kwargs)
        return manager if known else _watch_pools(manager)


def looks_like_html(response: requests.Response) -> bool:
    """True when the body is an HTML page (login, maintenance, hosting error page)."""
    content_type = response.headers.get("Content-Type", "").lower()
    if "html" in content_type:
        return True
    head = response.content[:200].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


class HttpClient:
    """Base client. `base_url` ends with "/"; paths are relative to it ("orders/5")."""

    service_name = "API"

    def __init__(
        self,
        base_url: str,
        *,
        auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        refusal: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        # Why no request may be sent at all (e.g. the key belongs to another address):
        # every call then fails before anything leaves the process.
        self.refusal = refusal
        self.session = requests.Session()
        for prefix in ("https://", "http://"):
            self.session.mount(prefix, _DeadlineAdapter())
        self.session.auth = auth
        if headers:
            self.session.headers.update(headers)
        self.timeout = (settings.HTTP_CONNECT_TIMEOUT, settings.HTTP_READ_TIMEOUT)
        self._secrets = self._secret_variants([s for s in secrets if s], auth)

    # -- public ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        allow_redirects: bool | None = None,
    ) -> requests.Response:
        """Send one request and return the 2xx response, body read, or raise a typed
        `ApiError`.

        `params` is never mutated, so re-sending the same arguments sends the identical
        request (picqer-php PR #52). Redirects are followed for reads only, unless
        `allow_redirects` says otherwise. The whole call, connect to last byte, ends within
        the deadline (see the module docstring), and reads at most HTTP_MAX_RESPONSE_BYTES."""
        if self.refusal:
            raise errors.ApiAuthError(self.refusal, service=self.service_name)
        method = method.upper()
        url = self.build_url(path)
        started = time.monotonic()
        seconds, limit_name = self._deadline()
        if seconds <= 0:
            self._log(method, url, params, None, started)
            raise self._deadline_error(url, limit_name)
        if allow_redirects is None:
            allow_redirects = method not in WRITE_METHODS
        connect_timeout, read_timeout = self.timeout
        response = None
        with _Watchdog(seconds) as watchdog:
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    headers=headers,
                    timeout=(min(connect_timeout, seconds), min(read_timeout, seconds)),
                    allow_redirects=allow_redirects,
                    stream=True,
                )
                self._read_body(response, url)
                if watchdog.fired:
                    # A shut socket can also look like a short answer (headers cut off, an
                    # EOF-delimited body): whatever came, it is not the whole answer.
                    raise _DeadlinePassed
            except errors.ApiResponseTooLargeError:
                self._log(method, url, params, response.status_code, started, response)
                raise
            except Exception as exc:
                # A shut socket surfaces as whatever the read was doing (connection reset,
                # incomplete chunk, SSL EOF): when the watchdog fired it was the deadline.
                if response is not None:
                    response.close()
                if not watchdog.fired and not isinstance(exc, requests.RequestException):
                    raise
                self._log(method, url, params, None, started)
                if watchdog.fired:
                    raise self._deadline_error(url, limit_name) from None
                raise self._transport_error(exc, url) from None
        self._log(method, url, params, response.status_code, started, response)
        self._raise_for_response(response)
        return response

    def _deadline(self) -> tuple[float, str]:
        """Seconds this call may take and the setting that says so: HTTP_TOTAL_DEADLINE,
        or what is left of a shorter surrounding `http_deadline`."""
        seconds = float(settings.HTTP_TOTAL_DEADLINE)
        left = deadline_remaining()
        if left is not None and left < seconds:
            return left, f"the {_budget.get()[1]:g} s this page waits for {self.service_name}"
        return seconds, f"HTTP_TOTAL_DEADLINE={seconds:g} s"

    def _deadline_error(self, url: str, limit_name: str) -> errors.ApiError:
        host = urlsplit(url).netloc
        return self._error(
            errors.ApiTimeoutError, f"no complete answer from {host} within {limit_name}"
        )

    def _read_body(self, response: requests.Response, url: str) -> None:
        """Read the (decompressed) body in chunks into `response.content`; stop reading and
        raise ApiResponseTooLargeError once it passes HTTP_MAX_RESPONSE_BYTES."""
        limit = int(settings.HTTP_MAX_RESPONSE_BYTES)
        body = bytearray()
        for chunk in response.iter_content(BODY_CHUNK_BYTES):
            body += chunk
            if len(body) > limit:
                response.close()
                raise self._error(
                    errors.ApiResponseTooLargeError,
                    f"answer to {urlsplit(url).path} is larger than {limit:,} bytes "
                    "(HTTP_MAX_RESPONSE_BYTES) and was not read further. Ask for smaller "
                    "pages, or raise the limit if such answers are legitimate",
                    status=response.status_code,
                    limit=limit,
                )
        # requests keeps a read body here; `content`, `text` and `json()` use it.
        response._content = bytes(body)

    def build_url(self, path: str) -> str:
        """Absolute URL for a path relative to the base URL."""
        return self.base_url + path.lstrip("/")

    # -- hooks for subclasses -------------------------------------------------------------

    def _parse_error_body(self, response: requests.Response) -> tuple[Any, str]:
        """Return (api error code, message) from an error body; subclasses override."""
        return None, ""

    def _raise_for_response(self, response: requests.Response) -> None:
        """Raise the typed error for a non-2xx response; return quietly on 2xx."""
        status = response.status_code
        if 200 <= status < 300:
            return
        if 300 <= status < 400:
            location = urlsplit(response.headers.get("Location", ""))
            target = (
                f"{location.scheme}://{location.netloc}{location.path}"
                if location.netloc
                else location.path or "another address"
            )
            raise self._error(
                errors.ApiRedirectError,
                f"redirected to {target}; use that address as the base URL",
                status=status,
            )
        code, message = self._parse_error_body(response)
        if not message:
            message = self._default_message(response)
        raise self._error(
            self._error_class(status, code),
            message,
            status=status,
            code=code,
            retry_after=self._retry_after(response) if status == 429 else None,
        )

    # -- helpers --------------------------------------------------------------------------

    def _error_class(self, status: int, code: Any = None) -> type[errors.ApiError]:
        """The error type for a non-2xx status; subclasses refine it by API error code."""
        if status in (401, 403):
            return errors.ApiAuthError
        if status == 404:
            return errors.ApiNotFoundError
        if status == 429:
            return errors.ApiRateLimitedError
        if status >= 500:
            return errors.ApiServerError
        return errors.ApiClientError

    def _default_message(self, response: requests.Response) -> str:
        if looks_like_html(response):
            return f"answered HTTP {response.status_code} with an HTML page"
        reason = response.reason or "error"
        return f"answered HTTP {response.status_code} {reason}"

    @staticmethod
    def _retry_after(response: requests.Response, default: float = 20.0) -> float:
        """Seconds from a numeric Retry-After header, else `default` (Picqer's own client
        sleeps 20 s; Retry-After is unconfirmed for Picqer, docs/sources.md#picqer-retry-after)."""
        try:
            value = float(response.headers.get("Retry-After", ""))
        except ValueError:
            return default
        return value if value >= 0 else default

    def _error(
        self,
        cls: type[errors.ApiError],
        message: str,
        *,
        retry_after: float | None = None,
        **kwargs,
    ) -> errors.ApiError:
        """Build an error with secrets scrubbed from the message."""
        if issubclass(cls, errors.ApiRateLimitedError) and retry_after is not None:
            kwargs["retry_after"] = retry_after
        return cls(self.scrub(message), service=self.service_name, **kwargs)

    def _transport_error(self, exc: requests.RequestException, url: str) -> errors.ApiError:
        host = urlsplit(url).netloc
        if isinstance(exc, requests.Timeout):
            return self._error(errors.ApiTimeoutError, f"no answer from {host} in time")
        if isinstance(exc, requests.exceptions.SSLError):
            return self._error(
                errors.ApiTransportError, f"TLS/certificate problem connecting to {host}"
            )
        if isinstance(exc, requests.ConnectionError):
            return self._error(errors.ApiTransportError, f"could not connect to {host}")
        return self._error(
            errors.ApiTransportError, f"request to {host} failed ({type(exc).__name__})"
        )

    def scrub(self, text: str) -> str:
        """Replace every known secret (and its Basic-auth encoding) with ***."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    @staticmethod
    def _secret_variants(secrets: list[str], auth: tuple[str, str] | None) -> list[str]:
        values = list(secrets)
        if auth and auth[0]:
            values.append(auth[0])
            values.append(base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
        # Longest first so a secret containing another is replaced whole.
        return sorted({v for v in values if v}, key=len, reverse=True)

    def _log(self, method, url, params, status, started, response=None) -> None:
        elapsed_ms = int((time.monotonic() - started) * 1000)
        path = urlsplit(url).path
        if params:
            safe = {
                k: (REDACTED if str(k).lower() in SECRET_PARAMS else v) for k, v in params.items()
            }
            path = f"{path}?{urlencode(safe, doseq=True, safe='[]|,>< :*')}"
        extra = ""
        if response is not None and "X-RateLimit-Remaining" in response.headers:
            extra = f" remaining={response.headers['X-RateLimit-Remaining']}"
        logger.info(
            "%s %s %s -> %s in %d ms%s",
            self.service_name,
            method,
            self.scrub(path),
            status if status is not None else "no response",
            elapsed_ms,
            extra,
        )
