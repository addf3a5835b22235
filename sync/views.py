"""HTTP adapters of the sync engine: health, full stock sync URL, poll-now."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .health import health_report


@require_GET
def health(request):
    report = health_report()
    return JsonResponse(report, status=200 if report["ok"] else 503)
