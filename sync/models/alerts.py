"""Alerts: one row per (condition kind, subject) while the condition holds, then resolved."""

from django.db import models
from django.db.models import Q

from prestapicqer.models import PicqerAccount


class Alert(models.Model):
    """A condition that needs the operator, e.g. "order PS #5 failed for good".

    `alerts_evaluate` opens a row when a condition appears, mails at most once an hour while
    it is open and closes it (`resolved_at`, one "resolved" mail) when the condition clears.
    At most one open row per kind and subject."""

    kind = models.CharField(max_length=30)
    # Stable identity of what the alert is about, e.g. "orderlink:12" or "shop:3".
    subject_key = models.CharField(max_length=64)
    subject = models.CharField(max_length=200)
    message = models.TextField()
    account = models.ForeignKey(PicqerAccount, null=True, blank=True, on_delete=models.CASCADE)
    opened_at = models.DateTimeField()
    last_mailed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_key"],
                condition=Q(resolved_at__isnull=True),
                name="alert_one_open_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}"
