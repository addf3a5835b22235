"""Picqer: the same client calls against the fixtures and the emulator, one contract: the
answers have the researched shape (`answers`), and the client parses them into records."""

import pytest

from sync.picqer.errors import PicqerHookExistsError, PicqerUnknownProductError

from .contracts import (
    PICQER_COMMENT,
    PICQER_HOOK,
    PICQER_ORDER,
    PICQER_ORDER_PICKLIST,
    PICQER_PRODUCT,
    PICQER_SHIPMENT,
    PICQER_STOCK,
    PICQER_TAG,
    PICQER_VATGROUP,
    PICQER_WAREHOUSE,
    PICQER_WAREHOUSE_STOCK_ITEM,
)
from .shapes import ListOf, assert_contract

# Drift the fixture files have against docs/sources.md, per backend. Each entry is a precise
# problem string; fixing the file makes the test fail until the entry is removed.
KNOWN_DRIFT: dict = {}
REFERENCE = "DEV-5"


def drift(case, backend):
    return KNOWN_DRIFT.get((case, backend.name), set())


def _new_order(picqer, productcode, reference=REFERENCE):
    idproduct = picqer.products_by_productcode(productcode)[0].idproduct
    return picqer.order_create(
        {
            "reference": reference,
            "deliveryname": "Amelia van Geest",
            "deliverycountry": "NL",
            "emailaddress": "amelia@example.nl",
            "products": [{"idproduct": idproduct, "amount": 1}],
        }
    )


def test_order_create_get_and_find_by_reference(backend, picqer, answers):
    productcode = backend.arrange_picqer_order()

    created = _new_order(picqer, productcode)
    created_json = answers[-1]
    fetched = picqer.order_get(created.idorder)
    fetched_json = answers[-1]
    found = picqer.orders_find_by_reference(REFERENCE)

    assert_contract(created_json, PICQER_ORDER)
    assert created.status == "concept"
    assert_contract(fetched_json, PICQER_ORDER)
    assert fetched.idorder == created.idorder
    assert_contract(answers[-1], ListOf(PICQER_ORDER))
    assert [o.idorder for o in found] == [created.idorder]
    assert found[0].reference == REFERENCE


def test_order_process_picklists_and_shipments(backend, picqer, answers):
    productcode = backend.arrange_picqer_order()
    created = _new_order(picqer, productcode)

    processed = picqer.order_process(created.idorder)
    processed_json = answers[-1]
    picklists = picqer.order_picklists(created.idorder, order=processed)
    backend.arrange_picqer_shipped(created.idorder, picklists[0].idpicklist)
    shipments = picqer.picklist_shipments(picklists[0].idpicklist)

    assert_contract(processed_json, PICQER_ORDER)
    assert processed.status == "processing"
    assert_contract(processed_json["picklists"], ListOf(PICQER_ORDER_PICKLIST))
    assert len(picklists) == 1
    assert_contract(answers[-1], ListOf(PICQER_SHIPMENT), known=drift("shipments", backend))
    assert shipments[0].trackingcode
    assert shipments[0].cancelled is False


def test_order_force_cancel(backend, picqer, answers):
    productcode = backend.arrange_picqer_order()
    created = _new_order(picqer, productcode)

    picqer.order_cancel(created.idorder, force=True)
    answer = answers[-1]
    backend.arrange_picqer_cancelled(created.idorder)

    assert answer is None  # 204, no body
    assert picqer.order_get(created.idorder).status == "cancelled"


def test_order_tags_and_comments(backend, picqer, answers):
    productcode = backend.arrange_picqer_order()
    backend.arrange_picqer_reference_data(picqer)
    created = _new_order(picqer, productcode)
    tag = next(t for t in picqer.tags_list() if t.title == "TopWebshop")

    picqer.order_tags_add(created.idorder, [tag.idtag])
    tags = picqer.order_tags_list(created.idorder)
    tags_json = answers[-1]
    comment = picqer.order_comment_add(created.idorder, "PrestaShop order DEV-5 was paid")

    assert_contract(tags_json, ListOf(PICQER_TAG))
    assert [t.idtag for t in tags] == [tag.idtag]
    assert_contract(answers[-1], PICQER_COMMENT)
    assert comment.body == "PrestaShop order DEV-5 was paid"


def test_products_by_code_get_and_stock_with_freestock(backend, picqer, answers):
    productcode, idwarehouse = backend.arrange_picqer_product()

    found = picqer.products_by_productcode(productcode)
    found_json = answers[-1]
    product = picqer.product_get(found[0].idproduct)
    product_json = answers[-1]
    stock = picqer.product_stock(product.idproduct)
    stock_json = answers[-1]
    warehouse_stock = list(picqer.warehouse_stock_iter(idwarehouse))

    assert_contract(found_json, ListOf(PICQER_PRODUCT))
    assert [p.productcode for p in found] == [productcode]
    assert_contract(product_json, PICQER_PRODUCT)
    assert_contract(stock_json, ListOf(PICQER_STOCK))
    assert stock[0].idwarehouse == idwarehouse
    assert 0 <= stock[0].freestock <= stock[0].stock
    assert_contract(answers[-1], ListOf(PICQER_WAREHOUSE_STOCK_ITEM))
    assert product.idproduct in {item.idproduct for item in warehouse_stock}


def test_vatgroups_warehouses_and_tags(backend, picqer, answers):
    backend.arrange_picqer_reference_data(picqer)

    vatgroups = picqer.vatgroups_list()
    vatgroups_json = answers[-1]
    warehouses = picqer.warehouses_list()
    warehouses_json = answers[-1]
    tags = picqer.tags_list()

    assert_contract(vatgroups_json, ListOf(PICQER_VATGROUP))
    assert {v.percentage for v in vatgroups} >= {21, 0}
    assert_contract(warehouses_json, ListOf(PICQER_WAREHOUSE))
    assert warehouses
    assert_contract(answers[-1], ListOf(PICQER_TAG))
    assert "TopWebshop" in {t.title for t in tags}


def test_hooks_create_list_deactivate_reactivate_and_duplicate(backend, picqer, account, answers):
    backend.arrange_picqer_hooks()
    fields = {
        "name": "PrestaPicqer orders",
        "event": "orders.status_changed",
        "address": account.webhook_url,
        "secret": account.webhook_secret,
    }

    hook = picqer.hook_create(**fields)
    hook_json = answers[-1]
    listed = picqer.hooks_list()
    listed_json = answers[-1]
    picqer.hook_deactivate(hook.idhook)
    deactivated = answers[-1]
    reactivated = picqer.hook_reactivate(hook.idhook)
    reactivated_json = answers[-1]
    with pytest.raises(PicqerHookExistsError) as duplicate:
        picqer.hook_create(**fields)

    assert_contract(hook_json, PICQER_HOOK)
    assert (hook.event, hook.active) == ("orders.status_changed", True)
    assert_contract(listed_json, ListOf(PICQER_HOOK))
    assert hook.idhook in {h.idhook for h in listed}
    assert deactivated is None or deactivated["active"] is False
    assert_contract(reactivated_json, PICQER_HOOK)
    assert reactivated.active is True
    assert duplicate.value.status == 400
    assert duplicate.value.message == "Error: Hook already exists"


def test_unknown_product_is_a_typed_error_with_picqer_code(backend, picqer):
    backend.arrange_picqer_unknown_product()

    with pytest.raises(PicqerUnknownProductError) as raised:
        picqer.order_create(
            {
                "reference": REFERENCE,
                "deliveryname": "A",
                "deliverycountry": "NL",
                "products": [{"idproduct": 987654321, "amount": 1}],
            }
        )

    assert (raised.value.status, raised.value.code) == (400, 24)
    assert raised.value.retryable is False
