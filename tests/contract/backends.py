"""The three backends a contract case runs against.

`FixtureBackend` answers with the `responses` fixture files the client unit tests use
(tests/fixtures/...), plus tests/contract/fixtures/ for resources no unit test had a file for.
`FakeBackend` is the one fake per vendor the unit tests use (tests/fakes), seeded from the same
recorded files. `SandboxBackend` seeds the emulator through its control plane. Each `arrange_*`
method prepares one case and returns what the test body needs (a product code, an order id...).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import responses

from tests.fakes.picqer import FakePicqer
from tests.fakes.prestashop import FakePrestaShop

TESTS = Path(__file__).resolve().parent.parent
FIXTURES = TESTS / "fixtures"
CONTRACT_FIXTURES = Path(__file__).resolve().parent / "fixtures"
PICQER = "https://example.picqer.com/api/v1/"
PS = "https://shop.example.com/api/"
PS_VERSION = "1.7.8.11"
SHIPPED_STATE = 4
TRACKING = "3SDEVC931341234"


def load_json(relative: str) -> Any:
    """Parsed JSON of tests/fixtures/<relative> (or tests/contract/fixtures/ when prefixed)."""
    return json.loads(_path(relative).read_text())


def load_xml(relative: str) -> str:
    return _path(relative).read_text()


def _path(relative: str) -> Path:
    if relative.startswith("contract/"):
        return CONTRACT_FIXTURES / relative.removeprefix("contract/")
    return FIXTURES / relative


def ps_list(container: str, *documents: str) -> str:
    """A list document `<prestashop><container>…</container></prestashop>` built from
    single-record fixture documents (GET /api/x/ID answers), as a display=full list holds."""
    records = [
        re.search(r"<prestashop[^>]*>(.*)</prestashop>", d, re.S).group(1) for d in documents
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n'
        f"<{container}>{''.join(records)}</{container}>\n</prestashop>\n"
    )


def ps_set(document: str, field: str, value: str) -> str:
    """Change one field's value in a fixture document (ids, states)."""
    pattern = rf"(<{field}(?: [^>]*)?>)(?:<!\[CDATA\[[^\]]*\]\]>|[^<]*)(</{field}>)"
    return re.sub(pattern, rf"\g<1><![CDATA[{value}]]>\g<2>", document, count=1)


class FixtureBackend:
    """`responses` registered from fixture files; requests to anything else fail."""

    name = "fixtures"

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock

    def configure(self, account, shop) -> None:
        """The default account and shop already point at the fixture URLs."""

    def _xml(self, method: str, path: str, body: str, status: int = 200, **kw) -> None:
        self.mock.add(
            method,
            PS + path,
            body=body,
            status=status,
            content_type="text/xml;charset=utf-8",
            headers={"PSWS-Version": PS_VERSION, **kw.pop("headers", {})},
            **kw,
        )

    # -- Picqer ---------------------------------------------------------------------------

    def arrange_picqer_product(self) -> tuple[str, int]:
        product = load_json("picqer/product.json")
        pid = product["idproduct"]
        self.mock.get(PICQER + "products", json=[product])
        self.mock.get(PICQER + f"products/{pid}", json=product)
        self.mock.get(PICQER + f"products/{pid}/stock", json=product["stock"])
        idwarehouse = product["stock"][0]["idwarehouse"]
        self.mock.get(
            PICQER + f"warehouses/{idwarehouse}/stock",
            json=load_json("picqer/warehouse_stock.json"),
        )
        return product["productcode"], idwarehouse

    def arrange_picqer_order(self) -> str:
        order = load_json("picqer/order.json")
        line = order["products"][0]
        product = {
            **load_json("picqer/product.json"),
            "idproduct": line["idproduct"],
            "productcode": line["productcode"],
        }
        self.mock.get(PICQER + "products", json=[product])
        oid = order["idorder"]
        self.mock.post(PICQER + "orders", json=order, status=201)
        self.mock.get(PICQER + f"orders/{oid}", json=order)
        self.mock.get(PICQER + "orders", json=[order])
        self.mock.post(PICQER + f"orders/{oid}/process", json={**order, "status": "processing"})
        self.mock.delete(PICQER + f"orders/{oid}", status=204)
        tags = list(order["tags"].values())
        self.mock.get(PICQER + "tags", json=tags)
        self.mock.post(PICQER + f"orders/{oid}/tags", json=tags)
        self.mock.get(PICQER + f"orders/{oid}/tags", json=tags)
        self.mock.post(
            PICQER + f"orders/{oid}/comments",
            json=load_json("contract/picqer_comment.json"),
            status=201,
        )
        return line["productcode"]

    def arrange_picqer_shipped(self, idorder: int, idpicklist: int) -> None:
        self.mock.get(
            PICQER + f"picklists/{idpicklist}/shipments",
            json=load_json("picqer/picklist_shipments.json"),
        )

    def arrange_picqer_cancelled(self, idorder: int) -> None:
        """The order as Picqer shows it after a cancel (the emulator changes it itself)."""
        self.mock.replace(
            responses.GET,
            PICQER + f"orders/{idorder}",
            json={**load_json("picqer/order.json"), "status": "cancelled"},
        )

    def arrange_picqer_reference_data(self, client) -> None:
        self.mock.get(PICQER + "vatgroups", json=load_json("picqer/vatgroups.json"))
        self.mock.get(PICQER + "warehouses", json=load_json("contract/picqer_warehouses.json"))
        tags = list(load_json("picqer/order.json")["tags"].values())
        self.mock.get(PICQER + "tags", json=tags)

    def arrange_picqer_hooks(self) -> None:
        hook = load_json("picqer/hook.json")
        hid = hook["idhook"]
        self.mock.post(PICQER + "hooks", json=hook, status=201)
        self.mock.post(
            PICQER + "hooks", json=load_json("contract/picqer_error_hook_exists.json"), status=400
        )
        self.mock.get(PICQER + "hooks", json=[hook])
        self.mock.delete(PICQER + f"hooks/{hid}", json={**hook, "active": False})
        self.mock.post(PICQER + f"hooks/{hid}/reactivate", json=hook)

    def arrange_picqer_unknown_product(self) -> None:
        self.mock.post(
            PICQER + "orders", json=load_json("picqer/error_product_missing.json"), status=400
        )

    # -- PrestaShop -----------------------------------------------------------------------

    def arrange_ps_order(self) -> int:
        self._xml("GET", "orders/73", load_xml("orders/ps_order_73.xml"))
        return 73

    def arrange_ps_state_change(self) -> int:
        order = load_xml("orders/ps_order_73.xml")
        self._xml("GET", "orders/73", order)
        self._xml(
            "POST",
            "order_histories",
            ps_set(load_xml("prestashop/order_history_created.xml"), "id_order", "73"),
            status=201,
        )
        self._xml("GET", "orders/73", ps_set(order, "current_state", str(SHIPPED_STATE)))
        self._xml("GET", "order_histories", load_xml("prestashop/order_histories.xml"))
        return 73

    def arrange_ps_order_states_and_carriers(self) -> int:
        self._xml("GET", "order_states", load_xml("contract/ps_order_states.xml"))
        self._xml("GET", "carriers", load_xml("contract/ps_carriers.xml"))
        carrier = ps_set(load_xml("prestashop/order_carrier_2.xml"), "id_order", "73")
        self._xml("GET", "order_carriers", ps_list("order_carriers", carrier))
        return 73

    def arrange_ps_customer_data(self) -> int:
        self.arrange_ps_order()
        self._xml("GET", "addresses/10", load_xml("orders/ps_address_10.xml"))
        self._xml("GET", "countries/13", load_xml("orders/ps_country_13.xml"))
        self._xml("GET", "countries", load_xml("contract/ps_countries.xml"))
        self._xml("GET", "customers/4", load_xml("orders/ps_customer_4.xml"))
        return 73

    def arrange_ps_catalog(self) -> tuple[str, str]:
        self._xml("GET", "products", load_xml("contract/ps_products_by_reference.xml"))
        self._xml("GET", "products/1", load_xml("prestashop/product_1.xml"))
        self._xml("GET", "combinations", load_xml("contract/ps_combinations_by_reference.xml"))
        stock = load_xml("prestashop/stock_available_1.xml")
        self._xml("GET", "stock_availables", ps_list("stock_availables", stock))
        self._xml("GET", "stock_availables/1", stock)
        return "demo_1", "demo_1-S"

    def arrange_ps_messages(self) -> int:
        self.arrange_ps_order()
        self._xml("GET", "customers/4", load_xml("orders/ps_customer_4.xml"))
        self._xml("GET", "customer_threads", load_xml("prestashop/customer_threads_empty.xml"))
        thread = ps_set(load_xml("prestashop/customer_thread_created.xml"), "id_order", "73")
        self._xml("POST", "customer_threads", ps_set(thread, "id_customer", "4"), status=201)
        message = load_xml("prestashop/customer_message_created.xml")
        self._xml("POST", "customer_messages", message, status=201)
        self._xml("GET", "customer_messages", ps_list("customer_messages", message))
        self._xml("GET", "messages", load_xml("orders/ps_messages_73.xml"))
        return 73

    def arrange_ps_version(self) -> None:
        self.mock.head(PS, headers={"PSWS-Version": PS_VERSION})

    def arrange_ps_errors(self) -> None:
        self._xml("GET", "order_histories", load_xml("prestashop/error_bad_filter.xml"), status=400)
        self._xml(
            "GET",
            "orders/1",
            load_xml("prestashop/error_key_inactive.xml"),
            status=401,
            headers={"WWW-Authenticate": 'Basic realm="Welcome to PrestaShop Webservice"'},
        )


class FakeBackend:
    """The unit tests' fakes, seeded from the recorded fixture files; they keep state, so
    writes show up in later reads as on a real server."""

    name = "fake"

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.ps = FakePrestaShop(mock, version=PS_VERSION)
        self.picqer = FakePicqer(mock)

    def configure(self, account, shop) -> None:
        """The default account and shop already point at the fakes' URLs."""

    # -- Picqer ---------------------------------------------------------------------------

    def arrange_picqer_product(self) -> tuple[str, int]:
        product = load_json("picqer/product.json")
        self.picqer.add_product(
            product["productcode"], product["idproduct"], stock=product["stock"]
        )
        return product["productcode"], product["stock"][0]["idwarehouse"]

    def arrange_picqer_order(self) -> str:
        line = load_json("picqer/order.json")["products"][0]
        self.picqer.add_product(line["productcode"], line["idproduct"])
        return line["productcode"]

    def arrange_picqer_shipped(self, idorder: int, idpicklist: int) -> None:
        shipments = load_json("picqer/picklist_shipments.json")
        self.picqer.shipments = [
            {**s, "idorder": idorder, "idpicklist": idpicklist} for s in shipments
        ]

    def arrange_picqer_cancelled(self, idorder: int) -> None:
        """Nothing to arrange: the fake cancelled the order itself."""

    def arrange_picqer_reference_data(self, client) -> None:
        self.picqer.tags = list(load_json("picqer/order.json")["tags"].values())

    def arrange_picqer_hooks(self) -> None:
        """Nothing to seed: the fake starts without hooks."""

    def arrange_picqer_unknown_product(self) -> None:
        """Nothing to seed: the product id used does not exist."""

    # -- PrestaShop -----------------------------------------------------------------------

    def _load(self, resource: str, relative: str) -> None:
        self.ps.load(resource, _path(relative))

    def arrange_ps_order(self) -> int:
        self.ps.load_order_73()
        return 73

    arrange_ps_state_change = arrange_ps_order
    arrange_ps_customer_data = arrange_ps_order

    def arrange_ps_order_states_and_carriers(self) -> int:
        self._load("order_states", "contract/ps_order_states.xml")
        self._load("carriers", "contract/ps_carriers.xml")
        self._load("order_carriers", "prestashop/order_carrier_2.xml")
        self.ps.get("order_carriers", 2)["id_order"] = "73"
        return 73

    def arrange_ps_catalog(self) -> tuple[str, str]:
        # The recorded product is trimmed; its reference-list row holds the rest (ean13).
        (row,) = self.ps.load("products", _path("contract/ps_products_by_reference.xml"))
        self._load("products", "prestashop/product_1.xml")
        product = self.ps.get("products", row["id"])
        product.update({k: v for k, v in row.items() if k not in product})
        self._load("combinations", "contract/ps_combinations_by_reference.xml")
        self._load("stock_availables", "prestashop/stock_available_1.xml")
        return "demo_1", "demo_1-S"

    def arrange_ps_messages(self) -> int:
        return self.arrange_ps_order()

    def arrange_ps_version(self) -> None:
        """Nothing to arrange: the fake announces PS_VERSION."""

    def arrange_ps_errors(self) -> None:
        """Nothing to seed: the fake answers bad filters and keys itself."""


class SandboxBackend:
    """The emulators in their own process, seeded through the control plane."""

    name = "sandbox"

    def __init__(self, server) -> None:
        self.server = server

    def configure(self, account, shop) -> None:
        """Point the account and shop at the emulators (keys are already the defaults)."""
        account.api_base_url = self.server.picqer_url
        account.key_bind()
        account.save(update_fields=["api_base_url"])
        shop.prestashop_url = self.server.prestashop_url
        shop.key_bind()
        shop.save(update_fields=["prestashop_url"])

    # -- Picqer ---------------------------------------------------------------------------

    def _stocked_product(self) -> str:
        code = self.server.seed(products=1, seed=7)["references"][0]
        self.server.set_stock(productcode=code, amount=25)
        return code

    def arrange_picqer_product(self) -> tuple[str, int]:
        return self._stocked_product(), 1

    def arrange_picqer_order(self) -> str:
        return self._stocked_product()

    def arrange_picqer_shipped(self, idorder: int, idpicklist: int) -> None:
        self.server.ship_order(idorder, TRACKING)

    def arrange_picqer_cancelled(self, idorder: int) -> None:
        """Nothing to arrange: the emulator cancelled the order itself."""

    def arrange_picqer_reference_data(self, client) -> None:
        client.tag_create("TopWebshop", color="#5993be", inherit=True)

    def arrange_picqer_hooks(self) -> None:
        """Nothing to seed: the base data has no hooks."""

    def arrange_picqer_unknown_product(self) -> None:
        """Nothing to seed: the product id used does not exist."""

    # -- PrestaShop -----------------------------------------------------------------------

    def arrange_ps_order(self) -> int:
        return self.server.seed(products=2, with_combinations=1, orders=1, seed=3)["orders"][0]

    arrange_ps_state_change = arrange_ps_order
    arrange_ps_order_states_and_carriers = arrange_ps_order
    arrange_ps_customer_data = arrange_ps_order

    def arrange_ps_catalog(self) -> tuple[str, str]:
        refs = self.server.seed(products=1, with_combinations=1, seed=3)["references"]
        return refs[0].rsplit("-", 1)[0], refs[0]

    def arrange_ps_messages(self) -> int:
        refs = self.server.seed(products=1, seed=3)["references"]
        placed = self.server.place_order(
            [{"reference": refs[0], "quantity": 1}], message="Please ring twice"
        )
        return int(placed["id"])

    def arrange_ps_version(self) -> None:
        self.server.knobs(ps_version=PS_VERSION)

    def arrange_ps_errors(self) -> None:
        """Nothing to seed: the emulator answers bad filters and keys itself."""
