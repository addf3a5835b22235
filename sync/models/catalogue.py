"""The catalogue match report: one row per reference, kept per report run."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from prestapicqer.models import Shop

from .stock import SyncRun


class CatalogueReport(models.Model):
    """One match report of a shop: how every reference pairs up between Picqer and the
    shop, with the counts per status at the top."""

    State = SyncRun.State  # queued, running, done, failed: a run like a full sync

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="catalogue_reports", verbose_name=_("shop")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    counts = models.JSONField(_("counts"), default=dict, blank=True)  # status -> rows
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("catalogue match report")
        verbose_name_plural = _("catalogue match reports")

    def __str__(self) -> str:
        return _("Catalogue report %(id)s of %(shop)s (%(state)s)") % {
            "id": self.pk,
            "shop": self.shop,
            "state": self.get_state_display(),
        }


class CatalogueReportRow(models.Model):
    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched")
        ONLY_IN_PRESTASHOP = "only_in_prestashop", _("Only in PrestaShop")
        ONLY_IN_PICQER = "only_in_picqer", _("Only in Picqer")
        AMBIGUOUS = "ambiguous_combinations", _("Ambiguous in PrestaShop")
        DUPLICATE = "duplicate_reference", _("Duplicate reference")
        NEAR_MISS = "near_miss", _("Near miss (case or spaces differ)")
        EMPTY_REFERENCE = "empty_reference", _("No reference")
        NOT_WRITABLE = "not_writable", _("Stock computed by PrestaShop or no stock row")

    report = models.ForeignKey(CatalogueReport, on_delete=models.CASCADE, related_name="rows")
    reference = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=24, choices=Status.choices)
    ps_id_product = models.PositiveIntegerField(null=True, blank=True)
    ps_id_product_attribute = models.PositiveIntegerField(null=True, blank=True)
    ps_name = models.CharField(max_length=255, blank=True)
    picqer_idproduct = models.PositiveIntegerField(null=True, blank=True)
    picqer_name = models.CharField(max_length=255, blank=True)
    picqer_free_stock = models.IntegerField(null=True, blank=True)
    # Units of orders PrestaShop reserved and Picqer does not count yet (subtracted).
    pending_units = models.IntegerField(null=True, blank=True)
    quantity_to_write = models.IntegerField(null=True, blank=True)
    current_quantity = models.IntegerField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["report", "status"], name="catalogue_row_status")]

    def __str__(self) -> str:
        return f"{self.reference or '-'}: {self.status}"
