"""The Picqer webhook endpoint: guards, store, acknowledge. All logic is in the receiver."""

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .receiver import webhook_receive


@csrf_exempt  # Picqer cannot send a CSRF token; the HMAC signature authenticates instead
@require_POST
def picqer_webhook(request: HttpRequest, webhook_key: UUID) -> HttpResponse:
    receipt = webhook_receive(
        webhook_key=webhook_key,
        content_length=request.META.get("CONTENT_LENGTH"),
        read_body=request.read,
        signature=request.headers.get("X-Picqer-Signature"),
    )
    return HttpResponse(receipt.outcome, status=receipt.status, content_type="text/plain")
