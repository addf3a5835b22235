"""Connection tests for the admin: call the remote once and explain the outcome in plain words.

The clients (sync/http/, sync/picqer/, sync/prestashop/) translate every HTTP failure into one
exception class; this module turns each class into the sentence an operator needs: which
setting to check, and where.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from prestapicqer.models import PicqerAccount, Shop
from sync.http import errors
from sync.picqer.client import PicqerClient
from sync.prestashop.client import PrestaShopClient

from .masking import secrets_scrub
from .remote_wait import admin_remote_wait, picqer_remote, prestashop_remote, remote_wait_forget

PICQER = "Picqer"
PRESTASHOP = "PrestaShop"

# Text that requests/urllib3/socket put in a name-resolution failure, on Linux, macOS, Windows.
_DNS_MARKERS = (
    "nameresolutionerror",
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "temporary failure in name resolution",
    "failed to resolve",
    "no address associated with hostname",
)
_SUBDOMAIN_HINT = gettext_lazy(
    "Check the Picqer subdomain: for yourcompany.picqer.com enter yourcompany."
)
_PS_URL_HINT = gettext_lazy(
    "Check the PrestaShop URL, that the webservice is enabled (Advanced Parameters > Webservice) "
    "and that the /api/ address works (URL rewriting)."
)
_API_URL_HINT = gettext_lazy("Check the subdomain and the API base URL.")
_PS_KEY_PLACE = "Advanced Parameters > Webservice"


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str


def account_connection_test(*, account: PicqerAccount) -> ConnectionResult:
    """Call Picqer once with the account's key and say whether it works, or what to fix."""
    if problem := account.key_problem():  # the key cannot go to this address: call no one
        return ConnectionResult(False, problem)
    host = picqer_host(account=account)
    remote = picqer_remote(account=account)
    remote_wait_forget(remote=remote)
    try:
        with admin_remote_wait(remote=remote):
            PicqerClient.for_account(account).ping()
    except Exception as exc:  # noqa: BLE001 - every failure becomes an explanation, never a 500
        text = error_explain(exc=exc, system=PICQER, host=host)
        return ConnectionResult(False, secrets_scrub(text=text, secrets=_account_secrets(account)))
    return ConnectionResult(
        True, _("Connected to Picqer at %(host)s: the API key works.") % {"host": host}
    )


def shop_connection_test(*, shop: Shop) -> ConnectionResult:
    """Call the shop's webservice once with its key and say whether it works, or what to fix."""
    if problem := shop.key_problem():  # the key cannot go to this address: call no one
        return ConnectionResult(False, problem)
    host = prestashop_host(shop=shop)
    remote = prestashop_remote(shop=shop)
    remote_wait_forget(remote=remote)
    try:
        client = PrestaShopClient.for_shop(shop)
        with admin_remote_wait(remote=remote):
            try:
                client.ping()
            except errors.ApiAuthHeaderMissingError as exc:
                exc.key_in_address_error = client.ping_with_key_in_address()
                raise
            # The key may read order statuses, which the configuration needs (code 26 if not).
            states = client.order_states()
        version = client.version
    except Exception as exc:  # noqa: BLE001 - every failure becomes an explanation, never a 500
        text = error_explain(exc=exc, system=PRESTASHOP, host=host)
        return ConnectionResult(False, secrets_scrub(text=text, secrets=_shop_secrets(shop)))
    suffix = f" (PrestaShop {version})" if version else ""
    return ConnectionResult(
        True,
        _(
            "Connected to the webservice at %(host)s%(version)s: the key works, "
            "%(n)d order statuses found."
        )
        % {"host": host, "version": suffix, "n": len(states)},
    )


def picqer_host(*, account: PicqerAccount) -> str:
    """The host name the account's API calls go to, for messages."""
    return urlparse(account.api_url).netloc


def prestashop_host(*, shop: Shop) -> str:
    """The host name of the shop's webservice, for messages."""
    return urlparse(shop.prestashop_url).netloc


def texts_in_site_languages(render: Callable[[], str]) -> dict[str, str]:
    """{language code: render()} for each language of the site: for a message that is kept
    a while (a failure replayed for a minute) and read meanwhile in other languages."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = str(render())
    return texts


def text_in_active_language(texts: dict[str, str] | str) -> str:
    """The active language's text of `texts_in_site_languages` (else the site's default);
    a plain string is a message kept before messages were kept per language."""
    if isinstance(texts, str):
        return texts
    return (
        texts.get(translation.get_language())
        or texts.get(settings.LANGUAGE_CODE)
        or next(iter(texts.values()), "")
    )


def error_explain(*, exc: Exception, system: str, host: str) -> str:
    """One plain-language sentence (or two) for a failed call to `system` at `host`."""

    status = getattr(exc, "status", None)
    if isinstance(exc, errors.ApiAuthError):
        return _auth_text(exc, system, host)
    if isinstance(exc, errors.ApiNotFoundError):
        hint = _SUBDOMAIN_HINT if system == PICQER else _PS_URL_HINT
        return _('%(host)s answered "not found" (HTTP 404). %(hint)s') % {
            "host": host,
            "hint": hint,
        }
    if isinstance(exc, errors.ApiTimeoutError):
        return _(
            "%(host)s did not answer in time (%(detail)s). Check that this server can "
            "reach %(system)s (firewall, proxy) and try again."
        ) % {"host": host, "detail": _exc_message(exc), "system": system}
    if isinstance(exc, errors.ApiTransportError):
        return _transport_text(exc, system, host)
    if isinstance(exc, errors.ApiRedirectError):
        return f"{host} {_exc_message(exc)}."
    if isinstance(exc, errors.ApiResponseTooLargeError):
        return _(
            "%(host)s sent an answer larger than %(limit)s bytes, more than any real "
            "%(system)s page; reading stopped there. Check the address; if it is right, "
            "raise HTTP_MAX_RESPONSE_BYTES."
        ) % {"host": host, "limit": f"{exc.limit:,}", "system": system}
    if isinstance(exc, errors.ApiWrongServiceError):
        hint = _API_URL_HINT if system == PICQER else _PS_URL_HINT
        return _(
            "%(host)s answers, but not as %(system)s does (%(detail)s): the address "
            "belongs to another service. %(hint)s"
        ) % {"host": host, "system": system, "detail": _exc_message(exc), "hint": hint}
    if isinstance(exc, errors.ApiResponseError):
        what = _("the Picqer API") if system == PICQER else _("the PrestaShop webservice")
        hint = _API_URL_HINT if system == PICQER else _PS_URL_HINT
        return _(
            "%(host)s answered with a web page or other non-API content instead of "
            "%(what)s. %(hint)s"
        ) % {"host": host, "what": what, "hint": hint}
    if isinstance(exc, errors.ApiRateLimitedError):
        return _("%(system)s asks to slow down (HTTP 429). Try again in %(seconds)s seconds.") % {
            "system": system,
            "seconds": exc.retry_after,
        }
    if isinstance(exc, errors.ApiServerError):
        if system == PRESTASHOP and status == 503:
            return _("The PrestaShop webservice is switched off (HTTP 503). %(hint)s") % {
                "hint": _PS_URL_HINT
            }
        return _(
            "%(system)s had an internal error (HTTP %(status)s). Try again later; if it "
            "persists, look at the %(system)s logs."
        ) % {"system": system, "status": status}
    if isinstance(exc, errors.ApiError):
        return _("%(system)s refused the request (HTTP %(status)s): %(detail)s") % {
            "system": system,
            "status": status,
            "detail": _exc_message(exc),
        }
    return _("Unexpected error while calling %(system)s (%(kind)s): %(error)s") % {
        "system": system,
        "kind": type(exc).__name__,
        "error": exc,
    }


def _auth_text(exc: Exception, system: str, host: str) -> str:

    status = getattr(exc, "status", None)
    detail = _exc_message(exc)
    if status is None:  # refused before anything was sent: the refusal says why and what to do
        return detail
    if system == PICQER:
        if status == 403:
            return _(
                "Picqer knows the API key but refuses access (HTTP 403). Give the key's "
                "user the needed rights, or create a new key with write permission."
            )
        return _(
            "Picqer refused the API key (HTTP 401). Copy the key again from Picqer: "
            "Settings > API keys."
        )
    if isinstance(exc, errors.ApiAuthHeaderMissingError):
        return _header_missing_text(exc)
    if isinstance(exc, errors.ApiPermissionError):
        if status == 403:
            return _(
                "PrestaShop knows the key but not for this shop (HTTP 403). On a "
                "multistore install, allow this shop in the webservice key's shop "
                "association and check the multistore shop id."
            )
        return _(
            "PrestaShop accepts the webservice key, but the key lacks rights "
            "(HTTP %(status)s): %(detail)s. In %(place)s, edit the key and tick the "
            "resources PrestaPicqer reads and writes (see the user guide)."
        ) % {"status": status, "detail": detail, "place": _PS_KEY_PLACE}
    if status == 401 and getattr(exc, "code", None) is None:
        return f"{host} {detail}."  # no PrestaShop reason: the client's own sentence
    return _(
        "PrestaShop does not accept this webservice key (HTTP %(status)s): %(detail)s. "
        "Copy the key again from %(place)s and check that it is enabled."
    ) % {"status": status, "detail": detail, "place": _PS_KEY_PLACE}


def _header_missing_text(exc: Exception) -> str:
    text = _(
        'PrestaShop %(detail)s. (Alternatives: "CGIPassAuth On" in Apache, or a '
        "RewriteRule setting HTTP_AUTHORIZATION.)"
    ) % {"detail": _exc_message(exc)}
    probe = getattr(exc, "key_in_address_error", False)
    if probe is None:
        return (
            text + " " + _("Confirmed: the same key is accepted when sent in the address instead.")
        )
    if getattr(probe, "code", None) in ("18", "19", "20"):
        return (
            text
            + " "
            + _("The key itself is refused too (%(detail)s): copy it again from %(place)s.")
            % {"detail": _exc_message(probe), "place": _PS_KEY_PLACE}
        )
    return text


def _transport_text(exc: Exception, system: str, host: str) -> str:
    if _looks_like_dns_failure(exc):
        hint = _SUBDOMAIN_HINT if system == PICQER else _("Check the PrestaShop URL.")
        return _("The address %(host)s does not exist (name lookup failed). %(hint)s") % {
            "host": host,
            "hint": hint,
        }
    return _(
        "Could not connect to %(host)s: the connection was refused or the network is "
        "unreachable. Check the address and that this server can reach %(system)s."
    ) % {"host": host, "system": system}


def _looks_like_dns_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = f"{type(current).__name__} {current}".lower()
        if any(marker in text for marker in _DNS_MARKERS):
            return True
        current = current.__cause__ or current.__context__
    return False


def _exc_message(exc: Exception) -> str:
    return str(getattr(exc, "message", "") or "").strip()


def _account_secrets(account: PicqerAccount) -> list[str]:
    return [account.api_key, account.webhook_secret]


def _shop_secrets(shop: Shop) -> list[str]:
    return [shop.webservice_key, shop.full_sync_token]
