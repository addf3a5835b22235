"""Picqer's order statuses, as choices (a plain module: the models and the name helpers
both use it, and neither may import the other for it)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PicqerStatus(models.TextChoices):
    """Order statuses Picqer reports (docs/sources.md#picqer-order-statuses)."""

    CONCEPT = "concept", _("Concept")
    EXPECTED = "expected", _("Expected")
    PROCESSING = "processing", _("Processing")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
