"""HttpClient: the one place where HTTP happens.

One `requests.Session` per client instance, `(connect, read)` timeouts on every call, no
redirects on writes, one log line per call, and translation of every failure into the typed
errors of `errors.py`. Subclasses parse their own error bodies (`_parse_error_body`) and may
refine `_raise_for_response`.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings

from . import errors

logger = logging.getLogger("sync.clients")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Query parameters whose value is a credential; redacted in logs even if a caller adds them.
SECRET_PARAMS = frozenset({"ws_key", "key", "api_key", "token", "secret"})
REDACTED = "***"


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
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.session = requests.Session()
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
    ) -> requests.Response:
        """Send one request and return the 2xx response, or raise a typed `ApiError`.

        `params` is never mutated, so re-sending the same arguments sends the identical
        request (picqer-php PR #52). Redirects are followed for reads only."""
        method = method.upper()
        url = self.build_url(path)
        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, params=params, json=json, data=data, headers=headers,
                timeout=self.timeout, allow_redirects=method not in WRITE_METHODS,
            )
        except requests.RequestException as exc:
            self._log(method, url, params, None, started)
            raise self._transport_error(exc, url) from None
        self._log(method, url, params, response.status_code, started, response)
        self._raise_for_response(response)
        return response

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
            target = f"{location.scheme}://{location.netloc}{location.path}" if location.netloc \
                else location.path or "another address"
            raise self._error(
                errors.ApiRedirectError,
                f"redirected to {target}; use that address as the base URL",
                status=status,
            )
        code, message = self._parse_error_body(response)
        if not message:
            message = self._default_message(response)
        raise self._error(self._error_class(status, code), message, status=status, code=code,
                          retry_after=self._retry_after(response) if status == 429 else None)

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
        sleeps 20 s; Retry-After is unconfirmed for Picqer, picqer-api.md §2)."""
        try:
            value = float(response.headers.get("Retry-After", ""))
        except ValueError:
            return default
        return value if value >= 0 else default

    def _error(
        self, cls: type[errors.ApiError], message: str, *, retry_after: float | None = None,
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
            safe = {k: (REDACTED if str(k).lower() in SECRET_PARAMS else v)
                    for k, v in params.items()}
            path = f"{path}?{urlencode(safe, doseq=True, safe='[]|,>< :')}"
        extra = ""
        if response is not None and "X-RateLimit-Remaining" in response.headers:
            extra = f" remaining={response.headers['X-RateLimit-Remaining']}"
        logger.info(
            "%s %s %s -> %s in %d ms%s", self.service_name, method, self.scrub(path),
            status if status is not None else "no response", elapsed_ms, extra,
        )
