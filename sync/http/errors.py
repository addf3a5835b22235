"""Every failure a caller of the Picqer or PrestaShop client can see.

Callers (services, tasks) catch these, never `requests` exceptions. An error that may pass
(no answer, 5xx, 429) is also a `RetryableError`, the one mark every retrying caller goes by:
the sync tasks autoretry for it (sync/tasks/base.py), the webhook inbox puts its event back.
Every other `ApiError` is permanent: retrying cannot fix it, the operator is told. Messages
are written for the operator and never contain API keys, webservice keys or Authorization
headers (the clients scrub them before raising).
"""

from __future__ import annotations


class RetryableError(Exception):
    """Work that failed for a reason that may pass: a later try can succeed. `retry_after`
    is the wait the failure itself asks for (a 429's Retry-After, a busy order), else None
    and the retrying caller's backoff decides."""

    retry_after: float | None = None


class ApiError(Exception):
    """Base class. `status` is the HTTP status (None when no response arrived), `code` the
    API's own error code (Picqer `error_code`, PrestaShop `<code>`), `message` plain text."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | str | None = None,
        service: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.service = service

    @property
    def retryable(self) -> bool:
        """Whether a later try may succeed: the error is a RetryableError."""
        return isinstance(self, RetryableError)

    def __str__(self) -> str:
        parts = [f"{self.service}: {self.message}" if self.service else self.message]
        details = []
        if self.status is not None and f"HTTP {self.status}" not in self.message:
            details.append(f"HTTP {self.status}")
        if self.code not in (None, ""):
            details.append(f"error code {self.code}")
        if details:
            parts.append(f"({', '.join(details)})")
        return " ".join(parts)


class ApiTransportError(ApiError, RetryableError):
    """The request did not get an answer: DNS failure, refused connection, TLS problem."""


class ApiTimeoutError(ApiTransportError):
    """Connect or read timeout, or the call's total deadline passed (a server that drips its
    answer). For a write the outcome is unknown: re-read before retrying."""


class ApiAuthError(ApiError):
    """401/403 (and PrestaShop 405 code 25 "method not granted to this key"): wrong key, key
    without rights, key not associated with the shop. Retrying will not help until the
    operator acts."""


class ApiNotFoundError(ApiError):
    """404: the record does not exist (or is not visible in this shop context)."""


class ApiRateLimitedError(ApiError, RetryableError):
    """429 or our own shared budget exhausted. Retry after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float = 20.0, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = float(retry_after)


class ApiServerError(ApiError, RetryableError):
    """5xx: the remote side failed. For writes the outcome is unknown (PrestaShop saves
    before it reports PHP notices as 500), so re-read remote state before retrying."""


class ApiClientError(ApiError):
    """Other 4xx: validation errors and the like. Fix the data, do not retry blindly."""


class ApiRedirectError(ApiClientError):
    """3xx: the configured base URL is not the canonical one (http→https, www, subfolder).
    Writes must never follow redirects (PrestaShop turns a redirected PUT into a GET)."""


class ApiResponseError(ApiError):
    """2xx whose body is not the JSON/XML promised: an HTML login or maintenance page,
    garbage, or XML with entity declarations (refused for safety)."""


class ApiResponseTooLargeError(ApiResponseError):
    """The body (after decompression) passed HTTP_MAX_RESPONSE_BYTES; reading stopped there.
    Not retryable: the same request gets the same body, and each try costs the cap in memory
    and bandwidth. The operator raises the limit or the caller asks for smaller pages."""

    def __init__(self, message: str, *, limit: int = 0, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


class ApiWrongServiceError(ApiResponseError):
    """2xx JSON of another shape: the address answers, but it is not the API we expect."""


class ApiAuthHeaderMissingError(ApiAuthError):
    """The server answered as if no credentials were sent, although they were: something in
    front of the application (PHP as CGI/FPM, a proxy) drops the Authorization header."""


class ApiPermissionError(ApiAuthError):
    """The key is valid but may not do this (PrestaShop codes 21, 25, 26, 132; Picqer 403)."""


class BrokerUnavailableError(ApiError, RetryableError):
    """A task could not be handed to the Celery broker. Retryable: the caller's own retry
    (the webhook inbox's backoff) publishes it again once the broker is back."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"could not queue {what}: the task broker is unavailable", service="broker"
        )
