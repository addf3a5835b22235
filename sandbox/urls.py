"""URLconf of the sandbox process (`manage.py sandbox` sets ROOT_URLCONF to this module)."""

from django.urls import path, re_path

from . import control
from .picqer.views import picqer_api
from .prestashop.views import prestashop_api

urlpatterns = [
    re_path(r"^picqer/api/v1/(?P<path>.*)$", picqer_api),
    re_path(r"^prestashop/api/?(?P<path>.*)$", prestashop_api),
    path("sandbox/health", control.health),
    path("sandbox/reset", control.reset),
    path("sandbox/seed", control.seed),
    path("sandbox/knobs", control.knobs),
    path("sandbox/state", control.state),
    path("sandbox/state/<str:kind>", control.state),
    path("sandbox/picqer/orders/<int:idorder>/ship", control.picqer_ship),
    path("sandbox/picqer/stock", control.picqer_stock),
    path("sandbox/prestashop/orders", control.ps_order),
    path("sandbox/prestashop/orders/<int:id_order>/state", control.ps_order_state),
]
