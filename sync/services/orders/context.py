"""The unit of work on one order: what it needs (`OrderContext`) and how it reports
(`order_log`). Its own module because the rules (rules.py), the push (push.py) and the
content (content.py) all work on it, and the rules run the other two."""

from __future__ import annotations

from dataclasses import dataclass, field

from prestapicqer.models import Shop
from sync.activity import activity_log
from sync.models.orders import OrderLink
from sync.picqer.client import PicqerClient
from sync.prestashop.client import PrestaShopClient
from sync.prestashop.records import Customer, Order


@dataclass
class OrderContext:
    """Everything one unit of work on one order needs."""

    shop: Shop
    link: OrderLink
    ps: PrestaShopClient = field(repr=False)
    picqer: PicqerClient = field(repr=False)
    # PrestaShop records read during this unit of work, so each is read once. A write is
    # never based on them: `update` reads the record itself just before its PUT.
    ps_order: Order | None = field(default=None, repr=False)
    ps_customer: Customer | None = field(default=None, repr=False)

    @classmethod
    def for_link(cls, link: OrderLink) -> OrderContext:
        shop = link.shop
        return cls(
            shop=shop,
            link=link,
            ps=PrestaShopClient.for_shop(shop),
            picqer=PicqerClient.for_account(shop.account),
        )

    def log(self, action: str, message: str, *, level: str = "info", **details) -> None:
        order_log(self.link, action, message, level=level, **details)

    def save(self, *fields: str) -> None:
        self.link.save(update_fields=[*fields, "updated_at"])


def order_log(
    link: OrderLink, action: str, message: str, *, level: str = "info", **details
) -> None:
    """Activity log entry about one order (both ids, both references)."""
    activity_log(
        action=action,
        message=message,
        level=level,
        account=link.shop.account,
        shop=link.shop,
        ps_order_id=link.ps_order_id,
        ps_reference=link.ps_reference,
        picqer_orderid=link.picqer_orderid,
        details=details,
    )
