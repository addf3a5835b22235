"""Remote choice lists for the admin (Picqer tags, warehouses, VAT groups, shipping
providers; PrestaShop order states, carriers), cached in RemoteChoices so the configuration
screen opens without a round trip each time and still opens when a remote is down or slow
(each fetch waits at most ADMIN_REMOTE_DEADLINE, see remote_wait.py).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from prestapicqer.models import PicqerAccount, RemoteChoices, Shop
from sync.picqer.client import PicqerClient
from sync.picqer.records import ShippingProvider, Tag, VatGroup, Warehouse
from sync.prestashop.client import PrestaShopClient

from .connection import (
    PICQER,
    PRESTASHOP,
    error_explain,
    picqer_host,
    prestashop_host,
    text_in_active_language,
    texts_in_site_languages,
)
from .masking import secrets_scrub
from .names import choices_key
from .remote_wait import admin_remote_wait, picqer_remote, prestashop_remote, remote_wait_forget

logger = logging.getLogger(__name__)

FRESH_FOR = timedelta(minutes=10)
RETRY_AFTER_FAILURE = timedelta(minutes=1)
_FAILED = "prestapicqer:choices-failed:"
PICQER_KINDS = ("tags", "warehouses", "vatgroups", "shipping_providers")
PRESTASHOP_KINDS = ("order_states", "carriers")
# The lists' names in the warnings the configuration page shows.
KIND_LABELS = {
    "tags": gettext_lazy("tags"),
    "warehouses": gettext_lazy("warehouses"),
    "vatgroups": gettext_lazy("VAT groups"),
    "shipping_providers": gettext_lazy("shipping providers"),
    "order_states": gettext_lazy("order states"),
    "carriers": gettext_lazy("carriers"),
}

# The warning of a list that could not be fetched, per system.
UNAVAILABLE = {
    PICQER: gettext_noop("Picqer %(list)s could not be loaded: %(error)s"),
    PRESTASHOP: gettext_noop("PrestaShop %(list)s could not be loaded: %(error)s"),
}

Items = list[tuple[int, str]]


class ListUnavailable(LookupError):
    """A list that could not be fetched, its warning written in each of the site's
    languages: the warning is replayed to every viewer for RETRY_AFTER_FAILURE, and each
    reads it in their own."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        super().__init__(text_in_active_language(texts))


def _list_unavailable(
    exc: Exception, *, system: str, host: str, secret: str, kind: str
) -> ListUnavailable:
    def warning() -> str:
        error = secrets_scrub(
            text=error_explain(exc=exc, system=system, host=host), secrets=[secret]
        )
        label = KIND_LABELS.get(kind, kind)
        return gettext(UNAVAILABLE[system]) % {"list": label, "error": error}

    return ListUnavailable(texts_in_site_languages(warning))


@dataclass(frozen=True)
class ChoiceList:
    """A list of (id, label); `warning` says why it may be old or missing."""

    items: Items = field(default_factory=list)
    warning: str = ""


def choices_get(
    *, key: str, fetch: Callable[[], Items], max_age: timedelta = FRESH_FOR
) -> ChoiceList:
    """The list stored under `key` if younger than `max_age`, else `fetch()` and store it.

    If fetching fails the stored list is returned however old, with a warning; with nothing
    stored the list is empty and the warning says why. Never raises.
    """
    cached = RemoteChoices.objects.filter(key=key).first()
    if cached is not None and timezone.now() - cached.fetched_at < max_age:
        return ChoiceList(items=_pairs(cached.items))
    # A remote that just failed is not asked again on every page view: each try can cost a
    # full connect timeout. An explicit refresh (max_age 0) always asks.
    # (Replaying it must not restart its timer, or a page viewed every minute never asks.)
    failed = cache.get(_FAILED + key) if max_age else None
    warning = text_in_active_language(failed) if failed else ""
    if not warning:
        try:
            items = fetch()
        except Exception as exc:  # noqa: BLE001 - an unreachable remote must not break the admin
            texts = exc.texts if isinstance(exc, ListUnavailable) else str(exc)
            warning = text_in_active_language(texts)
            cache.set(_FAILED + key, texts, RETRY_AFTER_FAILURE.total_seconds())
            logger.warning("choices %s unavailable: %s", key, type(exc).__name__)
        else:
            cache.delete(_FAILED + key)
            RemoteChoices.objects.update_or_create(
                key=key, defaults={"items": [list(i) for i in items]}
            )
            return ChoiceList(items=items)
    if cached is not None:
        when = timezone.localtime(cached.fetched_at).strftime("%Y-%m-%d %H:%M")
        showing = gettext("Showing the list of %(when)s.") % {"when": when}
        return ChoiceList(_pairs(cached.items), f"{warning} {showing}")
    return ChoiceList([], warning)


def choices_refresh(*, account: PicqerAccount | None = None, shop: Shop | None = None) -> list[str]:
    """Fetch every list of the account and/or shop now; return the warnings (empty = all ok)."""
    lists: list[ChoiceList] = []
    if shop is not None:
        account = account or shop.account
        remote_wait_forget(remote=prestashop_remote(shop=shop))
        lists += [
            prestashop_choices(shop=shop, kind=k, max_age=timedelta(0)) for k in PRESTASHOP_KINDS
        ]
    if account is not None:
        remote_wait_forget(remote=picqer_remote(account=account))
        lists += [
            picqer_choices(account=account, kind=k, max_age=timedelta(0)) for k in PICQER_KINDS
        ]
    return [lst.warning for lst in lists if lst.warning]


def picqer_choices(
    *, account: PicqerAccount, kind: str, max_age: timedelta = FRESH_FOR
) -> ChoiceList:
    """Picqer `kind` ("tags", "warehouses", "vatgroups", "shipping_providers") of the account
    as (id, label)."""
    return choices_get(
        key=choices_key(system="picqer", owner_id=account.pk, kind=kind),
        fetch=lambda: _fetch_picqer(account, kind),
        max_age=max_age,
    )


def prestashop_choices(*, shop: Shop, kind: str, max_age: timedelta = FRESH_FOR) -> ChoiceList:
    """PrestaShop `kind` ("order_states", "carriers") of the shop as (id, label)."""
    return choices_get(
        key=choices_key(system="prestashop", owner_id=shop.pk, kind=kind),
        fetch=lambda: _fetch_prestashop(shop, kind),
        max_age=max_age,
    )


def choices_forget(*, account: PicqerAccount | None = None, shop: Shop | None = None) -> None:
    """Drop the cached lists, e.g. after the credentials or addresses changed."""
    if account is not None:
        RemoteChoices.objects.filter(key__startswith=f"picqer:{account.pk}:").delete()
    if shop is not None:
        RemoteChoices.objects.filter(key__startswith=f"prestashop:{shop.pk}:").delete()


def _fetch_picqer(account: PicqerAccount, kind: str) -> Items:
    try:
        with admin_remote_wait(remote=picqer_remote(account=account)):
            rows = getattr(PicqerClient.for_account(account), f"{kind}_list")()
            if kind == "shipping_providers":
                rows = [row for row in rows if row.active]
    except Exception as exc:
        raise _list_unavailable(
            exc,
            system=PICQER,
            host=picqer_host(account=account),
            secret=account.api_key,
            kind=kind,
        ) from exc
    return sorted((_picqer_item(row) for row in rows), key=lambda item: item[1].lower())


def _fetch_prestashop(shop: Shop, kind: str) -> Items:
    try:
        with admin_remote_wait(remote=prestashop_remote(shop=shop)):
            rows = getattr(PrestaShopClient.for_shop(shop), kind)()
    except Exception as exc:
        raise _list_unavailable(
            exc,
            system=PRESTASHOP,
            host=prestashop_host(shop=shop),
            secret=shop.webservice_key,
            kind=kind,
        ) from exc
    items = [(row.id, row.name or f"#{row.id}") for row in rows if not row.deleted]
    return sorted(items, key=lambda item: item[0])


def _picqer_item(row: Tag | Warehouse | ShippingProvider | VatGroup) -> tuple[int, str]:
    if isinstance(row, Tag):
        return row.idtag, row.title or f"{row.idtag}"
    if isinstance(row, Warehouse):
        label = row.name or f"{row.idwarehouse}"
        return row.idwarehouse, label if row.active else f"{label} (inactive)"
    if isinstance(row, ShippingProvider):
        # The name the merchant gave the provider: what shipments carry as `providername`.
        return row.idshippingprovider, row.name or f"{row.idshippingprovider}"
    return row.idvatgroup, f"{row.name} ({row.percentage}%)"


def _pairs(items: list) -> Items:
    return [(int(item[0]), str(item[1])) for item in items]


def shop_choice_lists(*, shop: Shop) -> dict[str, ChoiceList]:
    """The lists the shop's configuration page needs: Picqer tags, warehouses and shipping
    providers of its account, PrestaShop order states and carriers of the shop."""
    return {
        "tags": picqer_choices(account=shop.account, kind="tags"),
        "warehouses": picqer_choices(account=shop.account, kind="warehouses"),
        "shipping_providers": picqer_choices(account=shop.account, kind="shipping_providers"),
        "order_states": prestashop_choices(shop=shop, kind="order_states"),
        "carriers": prestashop_choices(shop=shop, kind="carriers"),
    }


def carrier_provider_match(
    *, carriers: ChoiceList, providers: ChoiceList
) -> tuple[list[str], list[str], list[str]]:
    """PrestaShop carrier names that equal a Picqer shipping provider's name exactly (the
    guide's rule: case-sensitive; sync.services.tracking writes tracking codes only to those),
    the carriers that match none, and the providers no carrier matches: their tracking codes
    will never reach PrestaShop."""
    carrier_names = list(dict.fromkeys(name for _, name in carriers.items))
    provider_names = list(dict.fromkeys(name for _, name in providers.items))
    matched = [name for name in carrier_names if name in provider_names]
    return (
        matched,
        [n for n in carrier_names if n not in matched],
        [n for n in provider_names if n not in matched],
    )
