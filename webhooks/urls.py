from django.urls import path

from .views import picqer_webhook

urlpatterns = [
    path("webhooks/picqer/<uuid:webhook_key>/", picqer_webhook, name="picqer_webhook"),
]
