"""References with filter characters against the emulated PrestaShop, which reads filter
values the way PrestaShop does (docs/prestashop-filters.md)."""

import pytest

from sync.prestashop.client import PrestaShopClient

pytestmark = pytest.mark.e2e

REFERENCES = ["KIT[2]", "[BOX]", "SKU]9", "A|B", "12,5", "50%", "RED SHIRT L", "Größe-42 ü", "[]|"]


@pytest.fixture
def prestashop(sandbox_server):
    return PrestaShopClient(sandbox_server.prestashop_url, sandbox_server.ws_key)


def test_the_emulator_splits_filter_values_as_prestashop_does(sandbox_server, ps, prestashop):
    sandbox_server.seed(products=3, seed=11)
    for id_product, reference in [(1, "A[1]"), (2, "50%"), (3, "500")]:
        prestashop.update("products", id_product, {"reference": reference})

    def ids(filter_value):
        items = ps("GET", f"products?filter[reference]={filter_value}").xml().find("products")
        return [p.get("id") for p in items]

    assert ids("[A[1]]") == ["1", "2", "3"]  # split as "[A" / "1]": no condition at all
    assert ids("[50%]") == ["2"]  # a % inside the brackets is literal
    assert ids("[5_0]%") == ["3"]  # LIKE "5_0%": `_` is one character
    assert ids("%[[1]%") == ["1"]  # split as "%[" / "1" / "%": LIKE "%[1%"


@pytest.mark.parametrize("reference", REFERENCES)
def test_references_with_any_character_are_found_exactly(sandbox_server, prestashop, reference):
    sandbox_server.seed(products=4, with_combinations=1, seed=12)
    products = [int(p["id"]) for p in prestashop.list("products", display=["id"])]
    # What MySQL's `=` or a broad LIKE also returns: trailing space, case, a longer reference.
    decoys = [reference + " ", "X" + reference, reference.swapcase() + "  "]
    for id_product, value in zip(products, [*decoys, reference], strict=True):
        prestashop.update("products", id_product, {"reference": value})

    found = prestashop.products_by_reference(reference)

    assert [row.reference for row in found] == [reference]
    assert found[0].id == products[3]
