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


class ProductImportRun(models.Model):
    """Products of one match report sent to Picqer: the missing ones created (`create`), or
    chosen fields of the matched ones updated (`update`). A dry run plans and stops; a real
    run plans, then works through its items and resumes where it stopped after a crash.

    At most one real run per report and kind is unfinished (a constraint), so two clicks or
    two workers never send the same products twice."""

    State = SyncRun.State

    class Kind(models.TextChoices):
        CREATE = "create", "Create the products only in PrestaShop"
        UPDATE = "update", "Update matched products"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="product_imports")
    report = models.ForeignKey(
        CatalogueReport, on_delete=models.CASCADE, related_name="product_imports"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CREATE)
    dry_run = models.BooleanField(default=True)
    fields = models.JSONField(default=list, blank=True)  # update: name, price, barcode
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    planned = models.PositiveIntegerField(null=True, blank=True)  # None: not planned yet
    created = models.PositiveIntegerField(default=0)
    adopted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)  # items finished (progress)
    message = models.TextField(blank=True)
    requested_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The worker's last sign of life: a running run without one for long is resumed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "kind"],
                condition=models.Q(dry_run=False, state__in=["queued", "running"]),
                name="one_unfinished_product_import_per_report",
            )
        ]

    def __str__(self) -> str:
        what = "dry run" if self.dry_run else "run"
        return f"Product import {what} {self.pk} ({self.get_kind_display()}, {self.state})"

    @property
    def progress(self) -> str:
        return f"{self.processed} / {self.planned}" if self.planned is not None else "planning"


class ProductImportItem(models.Model):
    """One reference of an import run: what is (or would be) sent to Picqer, and what
    happened. `body` is the mapped product (create) or {field: [old, new]} (update)."""

    class State(models.TextChoices):
        PENDING = "pending", "To do"
        CREATED = "created", "Created in Picqer"
        ADOPTED = "adopted", "Already in Picqer (taken over)"
        UPDATED = "updated", "Updated in Picqer"
        UNCHANGED = "unchanged", "Already equal"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    class Image(models.TextChoices):
        NONE = "", "No image"
        TO_SEND = "to_send", "To send"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(ProductImportRun, on_delete=models.CASCADE, related_name="items")
    reference = models.CharField(max_length=128)
    ps_id_product = models.PositiveIntegerField(null=True, blank=True)
    ps_id_product_attribute = models.PositiveIntegerField(null=True, blank=True)
    ps_id_image = models.PositiveIntegerField(null=True, blank=True)
    picqer_idproduct = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    image = models.CharField(max_length=10, choices=Image.choices, blank=True, default="")
    body = models.JSONField(default=dict, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "state"], name="product_import_item_state")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.state}"
