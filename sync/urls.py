from django.urls import include, path

urlpatterns = [
    path("", include("sync.urls_orders")),
    path("", include("sync.urls_stock")),
]
