"""The poll-now endpoint: POST /orders/poll/<shop_id>/?token=<the shop's full-sync token>."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sync.services.orders import orders_poll_now

STATUS = {"queued": 202, "not_found": 404, "forbidden": 403, "disabled": 409}


@csrf_exempt  # called by scripts and cron, authenticated by the token
@require_POST
def orders_poll_now_view(request, shop_id: int):
    outcome = orders_poll_now(shop_id=shop_id, token=request.GET.get("token", ""))
    return JsonResponse({"status": outcome}, status=STATUS[outcome])
