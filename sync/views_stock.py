"""The full stock sync URL (cron with curl, or a person in a browser) and its status page."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from prestapicqer.models import Shop
from prestapicqer.services.shops import shop_token_is_valid
from sync.http.errors import BrokerUnavailableError
from sync.models.stock import SyncRun, SyncRunItem
from sync.services.retries import retry_waiting_text
from sync.services.stock import stock_sync_refusal, stock_sync_request
from sync.services.stock.reconcile import (
    COUNTS,
    ambiguous_kinds_labelled,
    run_items_listed,
)


def _shop_for_token(request, shop_id: int) -> Shop:
    """The shop, if the `token` query parameter is its full-sync token (constant time)."""
    shop = get_object_or_404(Shop.objects.select_related("account"), pk=shop_id)
    token = request.GET.get("token", "")
    if not shop_token_is_valid(shop=shop, token=token):
        raise PermissionDenied("wrong token")
    return shop


def _token_url(request, name: str, *args) -> str:
    return request.build_absolute_uri(
        reverse(name, args=args) + f"?token={request.GET.get('token', '')}"
    )


def _run_response(request, shop: Shop, run: SyncRun, *, status: int):
    status_url = _token_url(request, "stock_sync_status", shop.pk, run.pk)
    lists = {
        kind: _token_url(request, "stock_sync_items", shop.pk, run.pk, kind)
        for kind in SyncRunItem.Kind.values
    }
    waiting = run.waiting_to_retry
    retry_text = retry_waiting_text(run.last_error, run.next_attempt_at) if waiting else ""
    if request.get_preferred_type(["application/json", "text/html"]) == "text/html":
        return render(
            request,
            "sync/stock_sync_status.html",
            {
                "shop": shop,
                "run": run,
                "status_url": status_url,
                "lists": lists,
                "kinds": ambiguous_kinds_labelled(run),
                "retry_text": retry_text,
            },
            status=status,
        )
    next_attempt_at = (
        timezone.localtime(run.next_attempt_at).isoformat(timespec="seconds") if waiting else None
    )
    return JsonResponse(
        {
            "run_id": run.pk,
            "status": run.state,
            "status_url": status_url,
            **{name: getattr(run, name) for name in COUNTS},
            "ambiguous_kinds": run.ambiguous_kinds,
            "lists": lists,
            "message": retry_text or run.message,
            "waiting_to_retry": waiting,
            "reason": run.last_error,
            "next_attempt_at": next_attempt_at,
            "attempts": run.attempts,
        },
        status=status,
    )


@never_cache
@require_GET
def stock_sync_start(request, shop_id: int):
    """Queue a full stock sync: 202 with the run id and its status URL (JSON for curl, a
    page for a browser). A sync already queued for the shop is reused, not duplicated."""
    shop = _shop_for_token(request, shop_id)
    if refusal := stock_sync_refusal(shop=shop):
        return JsonResponse({"error": refusal}, status=409)
    try:
        run = stock_sync_request(shop=shop, trigger="url")
    except BrokerUnavailableError as exc:  # the run stays queued; the next call queues it
        return JsonResponse({"error": str(exc)}, status=503)
    return _run_response(request, shop, run, status=202)


@never_cache
@require_GET
def stock_sync_status(request, shop_id: int, run_id: int):
    """State and counts of one run of this shop."""
    shop = _shop_for_token(request, shop_id)
    run = get_object_or_404(SyncRun, pk=run_id, shop=shop)
    return _run_response(request, shop, run, status=200)


@never_cache
@require_GET
def stock_sync_items(request, shop_id: int, run_id: int, kind: str):
    """The references one count of a run stands for (at most SyncRunItem.MAX_ITEMS)."""
    shop = _shop_for_token(request, shop_id)
    run = get_object_or_404(SyncRun, pk=run_id, shop=shop)
    if kind not in SyncRunItem.Kind.values:
        raise Http404("no such list")
    listed = run_items_listed(run=run, kind=kind)
    if request.get_preferred_type(["application/json", "text/html"]) == "text/html":
        return render(
            request,
            "sync/stock_sync_items.html",
            {
                "shop": shop,
                "run": run,
                "listed": listed,
                "status_url": _token_url(request, "stock_sync_status", shop.pk, run.pk),
            },
        )
    return JsonResponse(
        {
            "run_id": run.pk,
            "kind": kind,
            "more": listed.more,
            "items": [{"reference": i.reference, "detail": i.detail} for i in listed.items],
        }
    )
