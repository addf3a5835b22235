"""The admin's view of the two Picqer webhooks (user guide: "Picqer orders/stock Webhook
status"). The hooks themselves are managed by sync.services.hooks; this module only words
their state for the configuration screen and never lets a failure break the page.

Configuration does not import the sync engine: sync hands its two hook calls in when it
starts (`account_hook_calls_register`, from sync/apps.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from prestapicqer.models import PicqerAccount

from .connection import (
    PICQER,
    ConnectionResult,
    error_explain,
    picqer_host,
    text_in_active_language,
    texts_in_site_languages,
)
from .masking import secrets_scrub
from .remote_wait import admin_remote_wait, picqer_remote, remote_wait_forget

_FAILED_KEY = "prestapicqer:hooks-status-failed:{}"
HOOK_LABELS = {
    "orders": gettext_lazy("Picqer orders webhook"),
    "stock": gettext_lazy("Picqer stock webhook"),
    "products_created": gettext_lazy("Picqer products created webhook"),
    "products_changed": gettext_lazy("Picqer products changed webhook"),
}
_STATE_WORDS = {
    "active": gettext_lazy("Active"),
    "inactive": gettext_lazy(
        "Inactive: Picqer deactivated it (repeated failed deliveries). "
        "Use the button to reactivate it."
    ),
    "missing": gettext_lazy("Inactive: no webhook yet. Use the button to create it."),
}


@dataclass(frozen=True)
class HookCalls:
    """The engine's hook calls: `status(account=)` → {kind: state}, `ensure(account=, kind=)`
    → {"action": …, "idhook": …}."""

    status: Callable[..., Any]
    ensure: Callable[..., Any]


_hook_calls: list[HookCalls] = []


def account_hook_calls_register(*, status: Callable[..., Any], ensure: Callable[..., Any]) -> None:
    """Hand in the engine's hook calls (once per process, at start-up)."""
    _hook_calls[:] = [HookCalls(status=status, ensure=ensure)]


def _calls() -> HookCalls:
    if not _hook_calls:
        raise LookupError("no hook calls registered")
    return _hook_calls[0]


def account_hooks_status(*, account: PicqerAccount) -> dict[str, str]:
    """{"orders": "Active", "stock": "Inactive: …"}; "Unknown: <why>" when Picqer can't say."""
    # After a failure Picqer is not asked again for a minute: every page view would wait for
    # the full connect timeout. The buttons always ask.
    # (Replaying the failure must not restart its minute.)
    # (Kept in every language: the next viewer may read another.)
    failed = cache.get(_FAILED_KEY.format(account.pk))
    why = account.key_problem() or (text_in_active_language(failed) if failed else "")
    if not why:
        try:
            hooks_status = _calls().status
            with admin_remote_wait(remote=picqer_remote(account=account)):
                raw = hooks_status(account=account)
        except Exception as exc:  # noqa: BLE001 - the status line explains; the page opens
            texts = texts_in_site_languages(partial(_explain, exc, account))
            cache.set(_FAILED_KEY.format(account.pk), texts, 60)
            why = text_in_active_language(texts)
        else:
            return {
                kind: _state_words(raw.get(kind) if isinstance(raw, dict) else None)
                for kind in HOOK_LABELS
            }
    return {kind: _("Unknown: %(why)s") % {"why": why} for kind in HOOK_LABELS}


def account_hook_ensure(*, account: PicqerAccount, kind: str) -> ConnectionResult:
    """Create or reactivate the `kind` ("orders"/"stock") webhook; the outcome in words."""
    label = HOOK_LABELS.get(kind)
    cache.delete(_FAILED_KEY.format(account.pk))
    if label is None:
        return ConnectionResult(False, _("Unknown webhook kind %(kind)r.") % {"kind": kind})
    if problem := account.key_problem():  # creating a hook sends the webhook secret too
        return ConnectionResult(
            False,
            _("The %(label)s could not be set up: %(problem)s")
            % {"label": label, "problem": problem},
        )
    try:
        hook_ensure = _calls().ensure
        remote_wait_forget(remote=picqer_remote(account=account))
        with admin_remote_wait(remote=picqer_remote(account=account)):
            result = hook_ensure(account=account, kind=kind)
    except Exception as exc:  # noqa: BLE001 - shown to the operator instead of a 500
        return ConnectionResult(
            False,
            _("The %(label)s could not be set up: %(problem)s")
            % {"label": label, "problem": _explain(exc, account)},
        )
    action = result.get("action", "checked") if isinstance(result, dict) else "checked"
    idhook = result.get("idhook") if isinstance(result, dict) else None
    suffix = " " + _("(hook %(id)s)") % {"id": idhook} if idhook else ""
    return ConnectionResult(
        True,
        _("The %(label)s is active%(hook)s: %(action)s.")
        % {"label": label, "hook": suffix, "action": action},
    )


def _state_words(value: object) -> str:
    state = value.get("state") if isinstance(value, dict) else value
    if isinstance(state, bool):
        state = "active" if state else "inactive"
    return str(_STATE_WORDS.get(str(state), _("Unknown (%(state)s)") % {"state": state}))


def _explain(exc: Exception, account: PicqerAccount) -> str:
    if isinstance(exc, LookupError):
        text = _("the webhook service is not available in this installation.")
    else:
        text = error_explain(exc=exc, system=PICQER, host=picqer_host(account=account))
    return secrets_scrub(text=text, secrets=[account.api_key, account.webhook_secret])
