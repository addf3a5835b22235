"""The activity log and process heartbeats."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from prestapicqer.models import PicqerAccount, Shop
from prestapicqer.services.names import NameBook
from sync.mappers.activity import action_label, activity_message_render


class ActivityEntry(models.Model):
    """The guide's Logs: every action and error, per order or product, searchable in admin."""

    class Level(models.TextChoices):
        INFO = "info", _("Info")
        WARNING = "warning", _("Warning")
        ERROR = "error", _("Error")

    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.INFO)
    action = models.CharField(_("action"), max_length=50)
    message = models.TextField(_("message"))
    account = models.ForeignKey(
        PicqerAccount,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name=_("Picqer account"),
    )
    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("shop")
    )
    ps_order_id = models.PositiveIntegerField(
        _("PrestaShop order id"), null=True, blank=True, db_index=True
    )
    ps_reference = models.CharField(
        _("PrestaShop reference"), max_length=32, blank=True, db_index=True
    )
    picqer_orderid = models.CharField(
        _("Picqer order number"), max_length=32, blank=True, db_index=True
    )
    product_reference = models.CharField(
        _("product reference"), max_length=64, blank=True, db_index=True
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("activity entry")
        verbose_name_plural = _("activity log")

    def __str__(self) -> str:
        message = activity_message_render(
            message=self.message, shop_id=self.shop_id, names=NameBook()
        )
        return f"{action_label(self.action)}: {message[:60]}"


class Heartbeat(models.Model):
    """Last sign of life of a process kind ("worker", "beat"), shown by /health and admin."""

    name = models.CharField(_("name"), max_length=20, unique=True)
    seen_at = models.DateTimeField(_("last seen"))
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%H:%M:%S}"
