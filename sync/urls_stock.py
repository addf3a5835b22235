"""Stock routes: the full stock sync URL and its status page."""

from django.urls import path

from . import views_stock

urlpatterns: list = [
    path("stock-sync/<int:shop_id>/", views_stock.stock_sync_start, name="stock_sync_start"),
    path(
        "stock-sync/<int:shop_id>/runs/<int:run_id>/",
        views_stock.stock_sync_status,
        name="stock_sync_status",
    ),
    path(
        "stock-sync/<int:shop_id>/runs/<int:run_id>/items/<slug:kind>/",
        views_stock.stock_sync_items,
        name="stock_sync_items",
    ),
]
