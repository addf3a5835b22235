"""Point the middleware's configuration at a running sandbox (demo, e2e tests, benchmarks).

The sandbox's base data fixes the ids used here: PrestaShop order states 2 = Payment
accepted, 4 = Shipped, 6 = Canceled (sandbox/README.md).
"""

from __future__ import annotations

from prestapicqer.models import PicqerAccount, PicqerStatus, Shop, StatusMapping

from .client import DEFAULT_API_KEY, DEFAULT_WS_KEY

PAYMENT_ACCEPTED, SHIPPED, CANCELED = 2, 4, 6
SANDBOX_ACCOUNT_NAME = "Sandbox"
# The shortest interval the admin's shop form accepts: the demo's shop must stay savable there.
POLL_INTERVAL_SECONDS = 10


def sandbox_configure(
    *,
    sandbox_url: str,
    public_base_url: str = "",
    prefix: str = "DEV",
    name: str = "Sandbox shop",
) -> Shop:
    """Create (or update) a Picqer account and a shop wired to the sandbox at `sandbox_url`.

    Orders are created and processed on "Payment accepted", force-cancelled on "Canceled";
    a completed Picqer order moves the shop order to "Shipped".
    """
    base = sandbox_url.rstrip("/")
    account, _ = PicqerAccount.objects.update_or_create(
        name=SANDBOX_ACCOUNT_NAME,
        defaults={
            "subdomain": "sandbox",
            "api_key": DEFAULT_API_KEY,
            "api_base_url": f"{base}/picqer/api/v1/",
            "public_base_url": public_base_url,
        },
    )
    shop, _ = Shop.objects.update_or_create(
        account=account,
        prefix=prefix,
        defaults={
            "name": name,
            "prestashop_url": f"{base}/prestashop",
            "webservice_key": DEFAULT_WS_KEY,
            "enabled": True,
            "create_state_ids": [PAYMENT_ACCEPTED],
            "processing_state_ids": [PAYMENT_ACCEPTED],
            "cancel_state_ids": [CANCELED],
            "poll_interval_seconds": POLL_INTERVAL_SECONDS,
        },
    )
    shop.status_mappings.all().delete()
    StatusMapping.objects.create(
        shop=shop, position=1, picqer_status=PicqerStatus.COMPLETED, to_state_id=SHIPPED
    )
    return shop
