"""The activity log and process heartbeats."""

from django.db import models

from prestapicqer.models import PicqerAccount, Shop


class ActivityEntry(models.Model):
    """The guide's Logs: every action and error, per order or product, searchable in admin."""

    class Level(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    action = models.CharField(max_length=50)
    message = models.TextField()
    account = models.ForeignKey(PicqerAccount, null=True, blank=True, on_delete=models.CASCADE)
    shop = models.ForeignKey(Shop, null=True, blank=True, on_delete=models.CASCADE)
    ps_order_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    ps_reference = models.CharField(max_length=32, blank=True, db_index=True)
    picqer_orderid = models.CharField(max_length=32, blank=True, db_index=True)
    product_reference = models.CharField(max_length=64, blank=True, db_index=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activity log"

    def __str__(self) -> str:
        from prestapicqer.services.names import NameBook
        from sync.activity import action_label, activity_message_render

        message = activity_message_render(message=self.message, shop_id=self.shop_id,
                                          names=NameBook())
        return f"{action_label(self.action)}: {message[:60]}"



class Heartbeat(models.Model):
    """Last sign of life of a process kind ("worker", "beat"), shown by /health and admin."""

    name = models.CharField(max_length=20, unique=True)
    seen_at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%H:%M:%S}"
