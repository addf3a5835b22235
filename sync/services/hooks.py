"""The Picqer webhooks PrestaPicqer needs: their status, creating them, keeping them alive.

Picqer hooks subscribe to one event each; address+event is unique (docs/sources.md#picqer-hooks).
We keep two per account, the two of the user guide:

- "orders": `orders.status_changed`. It fires for every status change, including completed
  and cancelled. No separate `picklists.shipments.created` hook is needed: the order status
  sync reads the shipments (tracking) from Picqer itself before it sets the shop status, and
  a shipment without a status change has nothing to change in the shop.
- "stock": `products.free_stock_changed`, the stock the shops sell from.
- "products_created", "products_changed": `products.created` and `products.changed`, which
  keep the product index (sync.services.product_index) fresh for the order push. Picqer has
  no products.deleted event: a product gone from Picqer shows as error 24 on the push.

Picqer deactivates a hook after 5 failed deliveries in 24 h; `hooks_watchdog` reactivates.
"""

import logging
from dataclasses import dataclass, replace

from prestapicqer.models import PicqerAccount
from sync.activity import activity_log
from sync.http.errors import ApiAuthError, ApiClientError, ApiError
from sync.picqer.client import PicqerClient
from sync.picqer.errors import PicqerHookExistsError
from sync.picqer.records import Hook
from sync.services.hooks_seen import hooks_seen_mark_active, hooks_seen_record
from sync.services.product_index import product_index_hooks_seen

logger = logging.getLogger("sync.hooks")


@dataclass(frozen=True)
class HookKind:
    name: str
    event: str
    id_field: str | None  # the PicqerAccount field that remembers the hook id, if any


HOOK_KINDS: dict[str, HookKind] = {
    "orders": HookKind("PrestaPicqer orders", "orders.status_changed", "orders_hook_id"),
    "stock": HookKind("PrestaPicqer stock", "products.free_stock_changed", "stock_hook_id"),
    # Matched by address + event alone (unique in Picqer), so they need no stored id.
    "products_created": HookKind("PrestaPicqer products created", "products.created", None),
    "products_changed": HookKind("PrestaPicqer products changed", "products.changed", None),
}
PRODUCT_KINDS = ("products_created", "products_changed")
# The product index may be trusted only while renames and new codes reach it.
INDEX_TRUST_KIND = "products_changed"
ACTIVE, INACTIVE, MISSING = "active", "inactive", "missing"


def _same_address(left: str, right: str) -> bool:
    return left.rstrip("/") == right.rstrip("/")


def _hook_match(*, hooks: list[Hook], account: PicqerAccount, kind: HookKind) -> Hook | None:
    """Our hook for `kind` among Picqer's: the one with the stored id, else one with our
    address and event (an active one first). A stored id whose hook now points elsewhere
    does not count: it would not deliver here."""
    ours = [
        hook
        for hook in hooks
        if hook.event == kind.event and _same_address(hook.address, account.webhook_url)
    ]
    stored_id = getattr(account, kind.id_field) if kind.id_field else None
    for hook in ours:
        if stored_id and hook.idhook == stored_id:
            return hook
    ours.sort(key=lambda hook: not hook.active)
    return ours[0] if ours else None


def _describe(hook: Hook | None, kind: HookKind) -> dict:
    if hook is None:
        return {"state": MISSING, "idhook": None, "event": kind.event}
    return {
        "state": ACTIVE if hook.active else INACTIVE,
        "idhook": hook.idhook,
        "event": kind.event,
    }


def _kind(kind: str) -> HookKind:
    try:
        return HOOK_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown hook kind {kind!r}; use one of {sorted(HOOK_KINDS)}") from None


def hooks_status(*, account: PicqerAccount) -> dict[str, dict]:
    """`{"orders": {"state": "active"|"inactive"|"missing", "idhook", "event"}, "stock": …}`
    from one read of Picqer's `GET /hooks`. Raises ApiError when Picqer cannot be read."""
    try:
        hooks = PicqerClient.for_account(account).hooks_list()
    except ApiError as exc:
        hooks_seen_record(account_id=account.pk, error=exc)
        raise
    status = {
        name: _describe(_hook_match(hooks=hooks, account=account, kind=kind), kind)
        for name, kind in HOOK_KINDS.items()
    }
    hooks_seen_record(account_id=account.pk, status=status)
    product_index_hooks_seen(
        account_id=account.pk, active=status[INDEX_TRUST_KIND]["state"] == ACTIVE
    )
    return status


def _remember(account: PicqerAccount, kind: HookKind, idhook: int) -> None:
    if kind is HOOK_KINDS[INDEX_TRUST_KIND]:
        product_index_hooks_seen(account_id=account.pk, active=True)
    if kind.id_field and getattr(account, kind.id_field) != idhook:
        # A targeted UPDATE: never overwrite what the operator saved in the meantime.
        PicqerAccount.objects.filter(pk=account.pk).update(**{kind.id_field: idhook})
        setattr(account, kind.id_field, idhook)


def _create_or_adopt(client: PicqerClient, account: PicqerAccount, kind: HookKind) -> Hook:
    try:
        return client.hook_create(
            name=kind.name,
            event=kind.event,
            address=account.webhook_url,
            secret=account.webhook_secret,
        )
    except PicqerHookExistsError:
        pass  # created meanwhile (by another click, or before we stored its id): adopt it
    hook = _hook_match(hooks=client.hooks_list(), account=account, kind=kind)
    if hook is None:
        raise ApiClientError(
            f"Picqer reports the {kind.event} hook exists but does not list it",
            status=400,
            service="Picqer",
        )
    return hook


def hook_ensure(*, account: PicqerAccount, kind: str) -> dict:
    """Make sure the `kind` (a key of HOOK_KINDS) hook exists and is active: create it
    (secret = the account's webhook secret) or reactivate it, and remember its id.
    Returns its status dict plus `"action"`: created, reactivated or unchanged."""
    hook_kind = _kind(kind)
    client = PicqerClient.for_account(account)
    try:
        if problem := account.key_problem():
            # The webhook secret goes with the key: neither may reach an address the key
            # was not saved for (nor an address with no key at all).
            raise ApiAuthError(problem, service="Picqer")
        hook = _hook_match(hooks=client.hooks_list(), account=account, kind=hook_kind)
        action = "unchanged"
        if hook is None:
            hook, action = _create_or_adopt(client, account, hook_kind), "created"
        if not hook.active:
            client.hook_reactivate(hook.idhook)
            action = "reactivated"
    except ApiError as exc:
        if not exc.retryable:
            activity_log(
                action="hook_failed",
                level="error",
                account=account,
                message=f"Could not set up the Picqer {kind} webhook: {exc}",
            )
        raise
    _remember(account, hook_kind, hook.idhook)
    hooks_seen_mark_active(account_id=account.pk, kind=kind)
    if action != "unchanged":
        activity_log(
            action=f"hook_{action}",
            account=account,
            message=f"Picqer {kind} webhook {action} (hook {hook.idhook}).",
        )
    return {**_describe(replace(hook, active=True), hook_kind), "action": action}


def _kinds_needed(account: PicqerAccount) -> list[str]:
    shops = account.shops.filter(enabled=True)
    needed = []
    if shops.filter(orders_enabled=True).exists():
        needed += ["orders", *PRODUCT_KINDS]
    if shops.filter(stock_enabled=True).exists():
        needed.append("stock")
    return needed


def hooks_watchdog() -> dict[str, int]:
    """For every account with an enabled shop: reactivate the hooks Picqer deactivated (after
    repeated failed deliveries) and tell the operator. Missing hooks are only logged: creating
    them is the operator's choice. One account's failure does not stop the others."""
    counts = {"accounts": 0, "reactivated": 0, "missing": 0, "errors": 0}
    for account in PicqerAccount.objects.filter(shops__enabled=True).distinct():
        counts["accounts"] += 1
        try:
            _watch_account(account, counts)
        except ApiError as exc:
            counts["errors"] += 1
            logger.warning("sync.hooks.watchdog_failed account=%s error=%s", account.pk, exc)
    return counts


def _watch_account(account: PicqerAccount, counts: dict[str, int]) -> None:
    needed = _kinds_needed(account)
    if not needed:
        return
    status = hooks_status(account=account)
    for kind in needed:
        if status[kind]["state"] == INACTIVE:
            activity_log(
                action="hook_deactivated",
                level="warning",
                account=account,
                message=f"Picqer had deactivated the {kind} webhook "
                f"(hook {status[kind]['idhook']}); reactivating it.",
            )
            hook_ensure(account=account, kind=kind)
            counts["reactivated"] += 1
        elif status[kind]["state"] == MISSING:
            counts["missing"] += 1
            logger.warning("sync.hooks.missing account=%s kind=%s", account.pk, kind)
