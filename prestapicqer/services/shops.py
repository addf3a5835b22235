"""Rules for a shop's identity in Picqer: its prefix and its Picqer account."""

import hmac
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from prestapicqer.models import PREFIX_VALIDATOR, PicqerAccount, Shop

RUNNING_PREFIX_RULE = gettext_lazy(
    "Do not change the shop prefix on a running system; if changed, existing orders will no "
    "longer be updated."
)


def shop_prefix_problems(
    *, shop: Shop | None, account: PicqerAccount | None, prefix: str
) -> list[str]:
    """Why `prefix` cannot be saved for `shop` (None = a new shop) on `account`; [] if it can.

    Picqer orders carry "PREFIX #id / reference": the prefix must be 1-3 letters or digits,
    unique per Picqer account (case-insensitively, references are searched that way), and
    fixed once orders were synced, or their status updates would no longer find them.
    """
    try:
        PREFIX_VALIDATOR(prefix)
    except ValidationError as exc:
        return list(exc.messages)
    if shop is not None and shop.pk and prefix != shop.prefix and shop_has_synced_orders(shop=shop):
        return [
            f"{RUNNING_PREFIX_RULE} "
            + _(
                "This shop already sent orders to Picqer with the "
                "prefix %(prefix)s, so it cannot be changed."
            )
            % {"prefix": shop.prefix}
        ]
    if account is not None:
        others = Shop.objects.filter(account=account, prefix__iexact=prefix)
        if shop is not None and shop.pk:
            others = others.exclude(pk=shop.pk)
        clash = others.first()
        if clash is not None:
            return [
                _(
                    'The prefix %(prefix)s is already used by the shop "%(shop)s" on this '
                    "Picqer account. Each shop needs its own prefix."
                )
                % {"prefix": prefix, "shop": clash.name}
            ]
    return []


def shop_account_change_problem(*, shop: Shop, account: PicqerAccount | None) -> str:
    """Why the shop cannot move to `account` (its synced orders live in the old one), or ""."""
    if account is None or not shop.pk or shop.account_id == account.pk:
        return ""
    if shop_has_synced_orders(shop=shop):
        return _(
            "This shop already sent orders to its Picqer account; moving it to another "
            "account would stop their status updates."
        )
    return ""


def shop_has_synced_orders(*, shop: Shop) -> bool:
    """True when the sync engine has linked at least one order of this shop."""
    # Reverse relation from sync.OrderLink: avoids importing the engine into the config app.
    return shop.order_links.exists()


def shop_deletion_blockers(*, shops: Iterable[Shop]) -> list[str]:
    """Why these shops cannot be deleted, one line per shop that has linked orders ([] = they
    can). The order links protect their shop (sync.OrderLink): they are what proves that a
    Picqer order belongs to this shop, so a shop re-created with the same prefix never
    receives the old orders' status updates."""
    counted = (
        Shop.objects.filter(pk__in=[shop.pk for shop in shops])
        .annotate(linked=Count("order_links"))
        .filter(linked__gt=0)
        .order_by("name")
    )
    return [
        _(
            "%(shop)s (prefix %(prefix)s): %(n)d order(s) sent to Picqer are linked to it, "
            "and the links keep the Picqer updates of those orders away from any other "
            'shop. Switch the shop off (untick "Enabled") instead of deleting it.'
        )
        % {"shop": shop.name, "prefix": shop.prefix, "n": shop.linked}
        for shop in counted
    ]


def status_mappings_renumber(*, shop: Shop, ordered_ids: list[int]) -> None:
    """Store the table order as `position` (the first matching row wins): rows in
    `ordered_ids` first, in that order, then any others by their current position."""
    rank = {pk: index for index, pk in enumerate(ordered_ids)}
    rows = sorted(
        shop.status_mappings.all(), key=lambda m: (rank.get(m.pk, len(rank)), m.position, m.pk)
    )
    for position, mapping in enumerate(rows):
        if mapping.position != position:
            mapping.position = position
            mapping.save(update_fields=["position"])


def shop_token_is_valid(*, shop: Shop, token: str) -> bool:
    """Whether `token` is the shop's secret URL token (full-sync and poll-now URLs), compared
    in constant time so the answer's timing gives nothing away."""
    return hmac.compare_digest(token.encode(), str(shop.full_sync_token).encode())
