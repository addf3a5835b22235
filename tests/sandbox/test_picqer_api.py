"""The Picqer emulator over real HTTP: auth, paging, rate limit, orders, products, hooks."""

import re

import pytest

pytestmark = pytest.mark.e2e


def _order_body(**extra):
    body = {
        "reference": "PS-1",
        "deliveryname": "Jan Jansen",
        "deliveryaddress": "Kerkstraat 1",
        "deliveryzipcode": "1234AB",
        "deliverycity": "Amsterdam",
        "deliverycountry": "NL",
        "emailaddress": "jan@example.nl",
        "products": [{"productcode": "SB-00001", "amount": 2}],
    }
    return {**body, **extra}


def test_it_refuses_a_wrong_key_with_the_picqer_error_shape(picqer):
    answer = picqer("GET", "orders", user="wrong-key")

    assert answer.status == 401
    assert answer.json()["error"] is True
    assert set(answer.json()) == {"error", "error_code", "error_message"}
    assert "X-RateLimit-Remaining" in answer.headers


def test_lists_are_bare_arrays_paged_by_offset_in_steps_of_100(sandbox_server, picqer):
    sandbox_server.seed(products=120, seed=1)

    first = picqer("GET", "products").json()
    second = picqer("GET", "products?offset=100").json()
    third = picqer("GET", "products?offset=200").json()

    assert isinstance(first, list) and len(first) == 100
    assert len(second) == 20
    assert third == []
    assert {p["idproduct"] for p in first}.isdisjoint({p["idproduct"] for p in second})


def test_it_answers_429_with_error_code_28_over_the_per_minute_budget(sandbox_server, picqer):
    sandbox_server.knobs(picqer_rate_limit=3)

    remaining = [picqer("GET", "vatgroups").headers["X-RateLimit-Remaining"] for _ in range(3)]
    refused = picqer("GET", "vatgroups")

    assert remaining == ["2", "1", "0"]
    assert refused.status == 429
    assert refused.json()["error_code"] == 28
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_an_order_goes_from_concept_through_processing_to_force_cancelled(sandbox_server, picqer):
    sandbox_server.seed(products=2, seed=2)
    sandbox_server.set_stock(productcode="SB-00001", amount=10)

    created = picqer("POST", "orders", _order_body())
    order = created.json()
    found = picqer("GET", "orders?reference=PS-1").json()
    allocated = picqer("POST", f"orders/{order['idorder']}/allocate").json()
    stock_allocated = picqer("GET", f"products/{order['products'][0]['idproduct']}/stock")
    processed = picqer("POST", f"orders/{order['idorder']}/process").json()

    assert created.status == 201
    assert order["status"] == "concept"
    assert re.fullmatch(r"O\d{4}-\d{4}", order["orderid"])
    assert [o["idorder"] for o in found] == [order["idorder"]]
    assert allocated["status"] == "concept"
    assert stock_allocated.json()[0]["freestock"] == 8
    assert processed["status"] == "processing"
    assert processed["picklists"][0]["status"] == "new"

    again = picqer("POST", f"orders/{order['idorder']}/process")
    plain_delete = picqer("DELETE", f"orders/{order['idorder']}")
    forced = picqer("DELETE", f"orders/{order['idorder']}?force=true")
    after = picqer("GET", f"orders/{order['idorder']}").json()
    stock_after = picqer("GET", f"products/{order['products'][0]['idproduct']}/stock").json()

    assert (again.status, again.json()["error_code"]) == (400, 32)
    assert (plain_delete.status, plain_delete.json()["error_code"]) == (400, 30)
    assert forced.status == 204
    assert after["status"] == "cancelled"
    assert after["picklists"][0]["status"] == "cancelled"
    assert stock_after[0]["freestock"] == 10


def test_a_concept_order_can_be_deleted_but_not_twice(sandbox_server, picqer):
    sandbox_server.seed(products=1, seed=3)
    order = picqer("POST", "orders", _order_body()).json()

    first = picqer("DELETE", f"orders/{order['idorder']}")
    second = picqer("DELETE", f"orders/{order['idorder']}")

    assert first.status == 204
    assert (second.status, second.json()["error_code"]) == (400, 32)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"products": [{"productcode": "NOPE", "amount": 1}]}, 24),
        ({"products": [{"idproduct": 999999, "amount": 1}]}, 24),
        ({"products": [{"productcode": "SB-00001"}]}, 23),
        ({"products": []}, 13),
        ({"deliverycountry": "Netherlands"}, 9),
    ],
)
def test_order_creation_errors_use_picqer_error_codes(sandbox_server, picqer, change, code):
    sandbox_server.seed(products=1, seed=4)

    answer = picqer("POST", "orders", _order_body(**change))

    assert answer.status == 400
    assert answer.json()["error_code"] == code


def test_product_lookup_by_productcode_returns_an_array_and_ignores_case(sandbox_server, picqer):
    sandbox_server.seed(products=3, case_variants=1, seed=5)

    exact = picqer("GET", "products?productcode=SB-00001").json()
    variant = picqer("GET", "products?productcode=SB-00003").json()

    assert [p["productcode"] for p in exact] == ["SB-00001"]
    assert [p["productcode"] for p in variant] == ["sb-00003"]


def test_products_have_unique_codes_and_stock_per_warehouse(sandbox_server, picqer):
    created = picqer("POST", "products", {"productcode": "X-1", "name": "X", "price": 9.5})
    duplicate = picqer("POST", "products", {"productcode": "X-1", "name": "Y", "price": 1})
    pid = created.json()["idproduct"]
    changed = picqer("POST", f"products/{pid}/stock/1", {"amount": 7, "idlocation": None})
    warehouse = picqer("GET", "warehouses/1/stock").json()

    assert created.status == 201
    assert created.json()["images"] == []
    assert duplicate.status == 400
    assert changed.json()["freestock"] == 7
    assert warehouse == [{"idproduct": pid, "productcode": "X-1", "stock": changed.json()}]


def test_shipping_an_order_completes_it_and_exposes_tracking(sandbox_server, picqer):
    sandbox_server.seed(products=1, seed=6)
    sandbox_server.set_stock(productcode="SB-00001", amount=5)
    order = picqer("POST", "orders", _order_body()).json()
    picqer("POST", f"orders/{order['idorder']}/process")

    sandbox_server.ship_order(order["idorder"], trackingcode="3SABC123", carrier="PostNL")
    picklists = picqer("GET", f"picklists?idorder={order['idorder']}").json()
    shipments = picqer("GET", f"picklists/{picklists[0]['idpicklist']}/shipments").json()
    product = picqer("GET", f"products/{order['products'][0]['idproduct']}").json()

    assert picqer("GET", f"orders/{order['idorder']}").json()["status"] == "completed"
    assert picklists[0]["status"] == "closed"
    assert shipments[0]["trackingcode"] == "3SABC123"
    assert shipments[0]["public_providername"] == "PostNL"
    assert shipments[0]["carrier_key"] == "postnl"
    assert shipments[0]["parcels"][0]["tracking_code"] == "3SABC123"
    assert product["stock"][0]["stock"] == 3


def test_tags_and_comments_attach_to_an_order(sandbox_server, picqer):
    sandbox_server.seed(products=1, seed=7)
    order = picqer("POST", "orders", _order_body()).json()
    tag = picqer(
        "POST", "tags", {"title": "PrestaShop", "color": "#000000", "inherit": False}
    ).json()

    picqer("POST", f"orders/{order['idorder']}/tags", {"idtag": tag["idtag"]})
    comment = picqer("POST", f"orders/{order['idorder']}/comments", {"body": "Paid by iDEAL"})
    order_after = picqer("GET", f"orders/{order['idorder']}").json()
    comments = picqer("GET", f"orders/{order['idorder']}/comments").json()

    assert list(order_after["tags"]) == ["PrestaShop"]
    assert comment.status == 201
    assert [c["body"] for c in comments] == ["Paid by iDEAL"]


def test_hooks_are_unique_per_address_and_event_and_delete_only_deactivates(picqer):
    hook = {
        "name": "mw",
        "event": "orders.status_changed",
        "address": "http://127.0.0.1:9/hook",
        "secret": "s3cret",
    }

    created = picqer("POST", "hooks", hook)
    duplicate = picqer("POST", "hooks", hook)
    idhook = created.json()["idhook"]
    picqer("DELETE", f"hooks/{idhook}")
    listed = picqer("GET", "hooks").json()
    reactivated = picqer("POST", f"hooks/{idhook}/reactivate").json()

    assert created.status == 201
    assert created.json()["secret"] is True  # the value itself is never shown
    assert duplicate.status == 400
    assert duplicate.json()["error_message"] == "Error: Hook already exists"
    assert [h["active"] for h in listed] == [False]
    assert reactivated["active"] is True


def test_fault_injection_answers_500_for_the_next_calls_only(sandbox_server, picqer):
    sandbox_server.knobs(picqer_fail_next=2)

    statuses = [picqer("GET", "warehouses").status for _ in range(3)]

    assert statuses == [500, 500, 200]


def test_it_lists_shipping_providers_shaped_like_picqers(sandbox_server, picqer):
    answer = picqer("GET", "shippingproviders")

    assert answer.status == 200
    providers = answer.json()
    assert [p["name"] for p in providers] == ["PostNL", "DHL Parcel"]
    assert {"idshippingprovider", "name", "provider", "active", "profiles"} <= set(providers[0])
    assert {"idshippingprovider_profile", "name"} <= set(providers[0]["profiles"][0])


def test_a_product_takes_an_image_as_base64_and_lists_it(sandbox_server, picqer):
    created = picqer("POST", "products", {"productcode": "IMG-1", "name": "Image", "price": 1})
    idproduct = created.json()["idproduct"]

    refused = picqer("POST", f"products/{idproduct}/images", {})
    added = picqer("POST", f"products/{idproduct}/images", {"image": "/9j/4AAQSkZJRg=="})

    assert refused.status == 400
    assert added.status == 200 and len(added.json()["images"]) == 1
    assert picqer("GET", f"products/{idproduct}/images").json()[0]["idproduct_image"] == 1
