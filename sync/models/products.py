"""The product index: what Picqer's catalogue says about each productcode, per account.

The order push resolves its lines here instead of asking Picqer for every line. The full
stock sync fills it (it reads every product page anyway), the products.* webhooks keep it
fresh, and Picqer's "unknown product" answer invalidates what it used.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from prestapicqer.models import PicqerAccount


class ProductIndex(models.Model):
    """One Picqer account's index: its age and whether it may be trusted.

    `hooks_active` is what the hook management last saw of the products.changed webhook:
    without it a rename in Picqer would not reach the index, so the push reads Picqer
    instead. Changes made while it was off were missed, so only entries refreshed since it
    became active again (`trusted_since`) count."""

    account = models.OneToOneField(
        PicqerAccount,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="product_index",
        verbose_name=_("Picqer account"),
    )
    filled_at = models.DateTimeField(_("last filled by a full sync"), null=True, blank=True)
    changed_at = models.DateTimeField(_("last changed"), null=True, blank=True)
    hooks_active = models.BooleanField(_("products webhooks active"), default=False)
    hooks_checked_at = models.DateTimeField(_("webhooks checked"), null=True, blank=True)
    trusted_since = models.DateTimeField(_("trusted since"), null=True, blank=True)

    class Meta:
        verbose_name = _("product index")
        verbose_name_plural = _("product indexes")

    def __str__(self) -> str:
        return _("Product index of %(account)s") % {"account": self.account}


class ProductIndexEntry(models.Model):
    """productcode → Picqer product. The code is compared exactly, case included (SQLite's
    and PostgreSQL's default collations are case-sensitive)."""

    account = models.ForeignKey(
        PicqerAccount, on_delete=models.CASCADE, related_name="product_index_entries"
    )
    productcode = models.CharField(max_length=255)
    idproduct = models.PositiveIntegerField()
    idvatgroup = models.PositiveIntegerField(null=True, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    active = models.BooleanField(default=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "productcode"], name="product_index_code_unique"
            )
        ]
        indexes = [
            models.Index(fields=["account", "idproduct"]),
            models.Index(fields=["account", "refreshed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.productcode} → {self.idproduct}"
