"""Connection tests for the admin: call the remote once and explain the outcome in plain words.

The clients (sync/clients/) translate every HTTP failure into one exception class; this module
turns each class into the sentence an operator needs: which setting to check, and where.
"""

from dataclasses import dataclass
from urllib.parse import urlparse

from prestapicqer.models import PicqerAccount, Shop

from .masking import secrets_scrub

PICQER = "Picqer"
PRESTASHOP = "PrestaShop"

# Text that requests/urllib3/socket put in a name-resolution failure, on Linux, macOS, Windows.
_DNS_MARKERS = (
    "nameresolutionerror", "name or service not known", "nodename nor servname",
    "getaddrinfo failed", "temporary failure in name resolution", "failed to resolve",
    "no address associated with hostname",
)
_SUBDOMAIN_HINT = "Check the Picqer subdomain: for yourcompany.picqer.com enter yourcompany."
_PS_URL_HINT = (
    "Check the PrestaShop URL, that the webservice is enabled (Advanced Parameters > Webservice) "
    "and that the /api/ address works (URL rewriting)."
)
_PS_AUTH_HEADER_HINT = (
    "If the key is right, the web server may strip the Authorization header (Apache with "
    "PHP-FPM/CGI): switch on \"Enable CGI mode for PHP\" in Advanced Parameters > Webservice."
)


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str


def account_connection_test(*, account: PicqerAccount) -> ConnectionResult:
    """Call Picqer once with the account's key and say whether it works, or what to fix."""
    if problem := account.key_problem():  # the key cannot go to this address: call no one
        return ConnectionResult(False, problem)
    host = picqer_host(account=account)
    try:
        from sync.clients.picqer import PicqerClient

        PicqerClient.for_account(account).ping()
    except Exception as exc:  # noqa: BLE001 - every failure becomes an explanation, never a 500
        text = error_explain(exc=exc, system=PICQER, host=host)
        return ConnectionResult(False, secrets_scrub(text=text, secrets=_account_secrets(account)))
    return ConnectionResult(True, f"Connected to Picqer at {host}: the API key works.")


def shop_connection_test(*, shop: Shop) -> ConnectionResult:
    """Call the shop's webservice once with its key and say whether it works, or what to fix."""
    if problem := shop.key_problem():  # the key cannot go to this address: call no one
        return ConnectionResult(False, problem)
    host = prestashop_host(shop=shop)
    try:
        from sync.clients.prestashop import PrestaShopClient

        client = PrestaShopClient.for_shop(shop)
        client.ping()
        # HEAD /api/ cannot tell the webservice from a web page answering 200; a real read can,
        # and proves the key may read order statuses, which the configuration needs.
        states = client.order_states()
        version = client.version
    except Exception as exc:  # noqa: BLE001 - every failure becomes an explanation, never a 500
        text = error_explain(exc=exc, system=PRESTASHOP, host=host)
        return ConnectionResult(False, secrets_scrub(text=text, secrets=_shop_secrets(shop)))
    suffix = f" (PrestaShop {version})" if version else ""
    return ConnectionResult(
        True, f"Connected to the webservice at {host}{suffix}: the key works, "
              f"{len(states)} order statuses found.",
    )


def picqer_host(*, account: PicqerAccount) -> str:
    """The host name the account's API calls go to, for messages."""
    return urlparse(account.api_url).netloc


def prestashop_host(*, shop: Shop) -> str:
    """The host name of the shop's webservice, for messages."""
    return urlparse(shop.prestashop_url).netloc


def error_explain(*, exc: Exception, system: str, host: str) -> str:
    """One plain-language sentence (or two) for a failed call to `system` at `host`."""
    from sync.clients import errors

    status = getattr(exc, "status", None)
    if isinstance(exc, errors.ApiAuthError):
        return _auth_text(exc, system)
    if isinstance(exc, errors.ApiNotFoundError):
        hint = _SUBDOMAIN_HINT if system == PICQER else _PS_URL_HINT
        return f"{host} answered \"not found\" (HTTP 404). {hint}"
    if isinstance(exc, errors.ApiTimeoutError):
        return (f"{host} did not answer in time. Check that this server can reach {system} "
                "(firewall, proxy) and try again.")
    if isinstance(exc, errors.ApiTransportError):
        return _transport_text(exc, system, host)
    if isinstance(exc, errors.ApiRedirectError):
        return f"{host} {_exc_message(exc)}."
    if isinstance(exc, errors.ApiResponseError):
        what = "the Picqer API" if system == PICQER else "the PrestaShop webservice"
        hint = "Check the subdomain and the API base URL." if system == PICQER else _PS_URL_HINT
        return f"{host} answered with a web page or other non-API content instead of {what}. {hint}"
    if isinstance(exc, errors.ApiRateLimitedError):
        return f"{system} asks to slow down (HTTP 429). Try again in {exc.retry_after} seconds."
    if isinstance(exc, errors.ApiServerError):
        if system == PRESTASHOP and status == 503:
            return "The PrestaShop webservice is switched off (HTTP 503). " + _PS_URL_HINT
        return (f"{system} had an internal error (HTTP {status}). Try again later; if it "
                f"persists, look at the {system} logs.")
    if isinstance(exc, errors.ApiError):
        return f"{system} refused the request (HTTP {status}): {_exc_message(exc)}"
    return f"Unexpected error while calling {system} ({type(exc).__name__}): {exc}"


def _auth_text(exc: Exception, system: str) -> str:
    status = getattr(exc, "status", None)
    if system == PICQER:
        if status == 403:
            return ("Picqer knows the API key but refuses access (HTTP 403). Give the key's user "
                    "the needed rights, or create a new key with write permission.")
        return ("Picqer refused the API key (HTTP 401). Copy the key again from Picqer: "
                "Settings > API keys.")
    if status == 403:
        return ("PrestaShop refused access (HTTP 403). On a multistore install, allow this shop "
                "in the webservice key's shop association and check the multistore shop id.")
    text = ("PrestaShop refused the webservice key (HTTP 401). Check in Advanced Parameters > "
            "Webservice that the key is active and allowed the resources PrestaPicqer uses.")
    detail = _exc_message(exc)
    if detail:
        text += f" {detail}"
    if "authorization" not in detail.lower():
        text += f" {_PS_AUTH_HEADER_HINT}"
    return text


def _transport_text(exc: Exception, system: str, host: str) -> str:
    if _looks_like_dns_failure(exc):
        hint = _SUBDOMAIN_HINT if system == PICQER else "Check the PrestaShop URL."
        return f"The address {host} does not exist (name lookup failed). {hint}"
    return (f"Could not connect to {host}: the connection was refused or the network is "
            f"unreachable. Check the address and that this server can reach {system}.")


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
