"""`{% service_health as health %}`: the /health report for the admin index."""

from django import template

from sync.health import health_report

register = template.Library()


@register.simple_tag
def service_health() -> dict:
    return health_report()
