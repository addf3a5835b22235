"""The control plane (/sandbox/...): seed, knobs, state inspection, reset, warehouse actions.

No auth: the sandbox is a local test tool and is never installed in production settings.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .knobs import knobs_get, knobs_update
from .picqer.http import PicqerError
from .picqer.shipping import order_ship, product_stock_set
from .prestashop.shop import ps_order_place, ps_order_state_set
from .runtime import runtime
from .seed import sandbox_seed, sandbox_seed_stock
from .util import json_response, parse_json

SECRET_FIELDS = ("_secret",)


def control_view(methods: tuple[str, ...]) -> Callable:
    """JSON in, JSON out; ValueError/TypeError → 400, Picqer errors keep their status."""

    def wrap(fn: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(fn)
        def view(request: HttpRequest, **kwargs) -> HttpResponse:
            if request.method not in methods:
                return json_response({"error": "method not allowed"}, status=405)
            try:
                body = parse_json(request.body) if request.method == "POST" else {}
                return json_response(fn(request, body, **kwargs))
            except PicqerError as exc:
                return json_response(exc.payload(), status=exc.status)
            except (ValueError, TypeError, KeyError, json.JSONDecodeError) as exc:
                return json_response({"error": str(exc)}, status=400)

        return view

    return wrap


@control_view(("GET",))
def health(request, body):
    return {"ok": True}


@control_view(("POST",))
def reset(request, body):
    runtime().reset()
    return {"ok": True}


@control_view(("POST",))
def seed(request, body):
    """`{"skus": N, ...}` asks for the bulk stock catalogue (`sandbox_seed_stock`)."""
    generate = sandbox_seed_stock if "skus" in body else sandbox_seed
    with runtime().store.tx() as tx:
        return generate(tx, **body)


@control_view(("GET", "POST"))
def knobs(request, body):
    with runtime().store.tx() as tx:
        return knobs_update(tx, changes=body) if request.method == "POST" else knobs_get(tx)


@control_view(("GET",))
def state(request, body, kind=None):
    """`/sandbox/state` → counts per kind; `/sandbox/state/<kind>` → the documents."""
    kind = (kind or "").replace("prestashop.", "ps.")
    with runtime().store.tx() as tx:
        if not kind:
            rows = tx._conn.execute("SELECT kind, COUNT(*) FROM docs GROUP BY kind")
            return dict(rows.fetchall())
        return [{k: v for k, v in doc.items() if k not in SECRET_FIELDS} for doc in tx.all(kind)]


@control_view(("POST",))
def picqer_ship(request, body, idorder):
    with runtime().store.tx() as tx:
        return order_ship(
            tx,
            idorder=int(idorder),
            trackingcode=body.get("trackingcode"),
            carrier=body.get("carrier", "PostNL"),
        )


@control_view(("POST",))
def picqer_stock(request, body):
    with runtime().store.tx() as tx:
        return product_stock_set(tx, knobs=knobs_get(tx), **body)


@control_view(("POST",))
def ps_order(request, body):
    with runtime().store.tx() as tx:
        return ps_order_place(tx, **body)


@control_view(("POST",))
def ps_order_state(request, body, id_order):
    with runtime().store.tx() as tx:
        return ps_order_state_set(tx, id_order=int(id_order), state=int(body["state"]))
