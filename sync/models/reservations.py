"""Units PrestaShop has taken for orders Picqer does not count yet (stock that does not
oversell, docs/catalogue.md "Orders not in Picqer yet")."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from prestapicqer.models import Shop


class PendingOrder(models.Model):
    """One PrestaShop order the order poll saw placed, and whether its units still count.

    Kept after it stops counting (`state` says why), so a later status change of the order
    never records it a second time."""

    class State(models.TextChoices):
        RESERVED = "reserved", _("Reserved in PrestaShop, not in Picqer yet")
        CANCELLED = "cancelled", _("Cancelled in PrestaShop")
        IN_PICQER = "in_picqer", _("Counted by Picqer")

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="pending_orders", verbose_name=_("shop")
    )
    ps_order_id = models.PositiveIntegerField(_("PrestaShop order id"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.RESERVED
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "ps_order_id"], name="pending_order_unique"),
        ]
        indexes = [models.Index(fields=["state"])]
        verbose_name = _("order not in Picqer yet")
        verbose_name_plural = _("orders not in Picqer yet")

    def __str__(self) -> str:
        return f"{self.shop_id} #{self.ps_order_id}: {self.state}"


class PendingOrderLine(models.Model):
    """The units of one reference in a PendingOrder (lines of one reference summed)."""

    order = models.ForeignKey(
        PendingOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    reference = models.CharField(_("reference"), max_length=128)
    units = models.PositiveIntegerField(_("units"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order", "reference"], name="pending_order_line_unique"
            ),
        ]
        indexes = [models.Index(fields=["reference"])]
        verbose_name = _("order line not in Picqer yet")
        verbose_name_plural = _("order lines not in Picqer yet")

    def __str__(self) -> str:
        return f"{self.reference} × {self.units}"
