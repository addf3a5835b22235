"""How long an admin page waits on a remote (Picqer account, PrestaShop shop).

Calls inside `admin_remote_wait` share ADMIN_REMOTE_DEADLINE seconds, connect to last byte,
pages of a list included, so a slow or dripping remote costs a page a few seconds, never
gunicorn's 30 s worker timeout. A remote that timed out is not asked again for a minute by
any admin read (the other lists, the webhook status): each try would cost the whole wait
again. Buttons call `remote_wait_forget` first, so an explicit action always asks.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

from prestapicqer.models import PicqerAccount, Shop
from sync.http.base import http_deadline
from sync.http.errors import ApiTimeoutError

TIMED_OUT_FOR_SECONDS = 60
_TIMED_OUT = "prestapicqer:remote-timed-out:"


def picqer_remote(*, account: PicqerAccount) -> str:
    """The name of the account's Picqer as one remote."""
    return f"picqer:{account.pk}"


def prestashop_remote(*, shop: Shop) -> str:
    """The name of the shop's webservice as one remote."""
    return f"prestashop:{shop.pk}"


@contextmanager
def admin_remote_wait(*, remote: str) -> Iterator[None]:
    """Run remote calls with the admin's short deadline. Raises ApiTimeoutError at once,
    without a call, while `remote` is remembered as timed out."""
    remembered = cache.get(_TIMED_OUT + remote)
    if remembered:
        raise ApiTimeoutError(remembered)
    try:
        with http_deadline(settings.ADMIN_REMOTE_DEADLINE):
            yield
    except ApiTimeoutError as exc:
        # (Replaying the timeout above does not come here, so its minute does not restart.)
        cache.set(_TIMED_OUT + remote, exc.message, TIMED_OUT_FOR_SECONDS)
        raise


def remote_wait_forget(*, remote: str) -> None:
    """Forget that `remote` timed out: the next admin read asks it again."""
    cache.delete(_TIMED_OUT + remote)
