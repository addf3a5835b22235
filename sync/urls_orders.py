"""Order routes: the authenticated poll-now endpoint."""

from django.urls import path

from .views_orders import orders_poll_now_view

urlpatterns = [
    path("orders/poll/<int:shop_id>/", orders_poll_now_view, name="orders_poll_now"),
]
