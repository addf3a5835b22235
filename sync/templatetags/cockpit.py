"""`{% cockpit as cockpit %}`: the operator cockpit's data for the admin index."""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sync.services.cockpit import Cockpit, age_words, cockpit_build

register = template.Library()

# The webhook kinds and states the cockpit shows (`hooks_seen` stores the English keys).
HOOK_LABELS = {
    "orders": gettext_lazy("Orders hook"),
    "stock": gettext_lazy("Stock hook"),
    "products": gettext_lazy("Products hook"),
}
HOOK_STATES = {
    "active": gettext_lazy("active"),
    "inactive": gettext_lazy("inactive"),
    "missing": gettext_lazy("missing"),
    "unknown": gettext_lazy("unknown"),
}


@register.simple_tag
def cockpit() -> Cockpit:
    return cockpit_build()


@register.filter
def svg(markup: str) -> str:
    """Chart markup from `hourly_chart_svg`, which escapes every text it embeds."""
    return mark_safe(markup)  # noqa: S308


@register.filter
def seconds_ago(moment, now) -> str:
    """ "42 s ago", "5 min ago", "3 h ago" between `moment` and `now`; "never" without one."""
    return age_words(moment, now)


@register.filter
def hook_label(kind: str) -> str:
    return str(HOOK_LABELS.get(kind, _("%(kind)s hook") % {"kind": kind.capitalize()}))


@register.filter
def hook_state(state: str) -> str:
    return str(HOOK_STATES.get(state, state))


@register.filter
def duration(seconds) -> str:
    if seconds is None:
        return "—"
    seconds = float(seconds)
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
