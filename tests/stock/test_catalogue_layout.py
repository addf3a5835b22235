"""One rule per PrestaShop product layout (sync.mappers.catalogue), on list responses of a
PrestaShop 1.6.1 demo catalogue whose combinations carry no reference of their own."""

from pathlib import Path

import pytest

from sync.mappers.catalogue import (
    PACK_BOTH,
    PACK_DEFAULT,
    PACK_ONLY,
    PACK_PRODUCTS_ONLY,
    Problem,
    catalogue_layout,
    near_miss_key,
)
from sync.prestashop import xml as psxml
from sync.prestashop.records import Combination, Product, StockAvailable

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prestashop" / "catalogue_16"


def records(name: str) -> list[dict]:
    return psxml.list_to_dicts(psxml.parse((FIXTURES / f"{name}.xml").read_bytes()))


@pytest.fixture
def layout():
    return catalogue_layout(
        map(Product.from_xml, records("products")),
        map(Combination.from_xml, records("combinations")),
        map(StockAvailable.from_xml, records("stock_availables")),
        default_pack_stock_type=PACK_ONLY,
    )


def test_records_are_parsed_from_the_16_list_shapes():
    product = Product.from_xml(records("products")[4])
    assert product == Product(
        id=5,
        reference="demo_5",
        name="Summer Pack",
        type="pack",
        cache_is_pack=True,
        pack_stock_type=PACK_PRODUCTS_ONLY,
    )
    assert product.is_pack
    assert Combination.from_xml(records("combinations")[0]) == Combination(1, 1, "")
    row = StockAvailable.from_xml(records("stock_availables")[11])
    assert (row.id, row.id_product, row.id_product_attribute, row.quantity) == (12, 6, 0, 8)
    assert row.depends_on_stock is True


def test_a_product_without_combinations_is_its_own_row(layout):
    placement = layout.by_reference["demo_4"]
    assert placement.writable and placement.rows == ((10, 12),)
    assert (placement.id_product, placement.id_product_attribute) == (4, 0)


def test_a_combination_with_its_own_reference_is_its_row_never_the_aggregate(layout):
    assert layout.by_reference["TSHIRT-M"].rows == ((16, 4),)
    assert layout.by_reference["TSHIRT-L"].rows == ((17, 5),)
    assert layout.by_reference["TSHIRT-M"].id_product_attribute == 7


def test_a_combination_carrying_its_products_reference_is_simply_that_combination(layout):
    placement = layout.by_reference["MUG"]
    assert placement.writable and placement.rows == ((19, 2),)
    assert placement.id_product_attribute == 9


def test_a_product_whose_combinations_have_no_reference_is_ambiguous(layout):
    placement = layout.by_reference["demo_1"]
    assert placement.problem is Problem.COMBINATIONS_WITHOUT_REFERENCE
    assert placement.rows == () and not placement.quiet
    assert "ambiguous: product with 3 combinations without their own reference" in placement.label
    assert "demo_1-S" in placement.label  # what to do
    assert "1 combination without" in layout.by_reference["demo_3"].label


def test_a_parent_whose_combinations_all_have_references_is_a_quiet_label(layout):
    placement = layout.by_reference["TSHIRT"]
    assert placement.problem is Problem.PARENT_REFERENCE and placement.quiet


def test_the_same_reference_on_two_products_is_a_duplicate(layout):
    placement = layout.by_reference["demo_7"]
    assert placement.problem is Problem.DUPLICATE and placement.rows == ()
    assert "product 7, product 8" in placement.label


def test_a_reference_on_a_product_and_a_combination_elsewhere_is_a_duplicate():
    layout = catalogue_layout(
        [Product(1, "A"), Product(2, "SHIRT")],
        [Combination(5, 2, "A")],
        [StockAvailable(1, 1, 0, 3), StockAvailable(2, 2, 5, 4), StockAvailable(3, 2, 0, 4)],
    )
    assert layout.by_reference["A"].problem is Problem.DUPLICATE
    assert "combination 5 of product 2" in layout.by_reference["A"].label


def test_an_ambiguous_parent_and_a_combination_with_its_code_are_a_duplicate():
    layout = catalogue_layout(
        [Product(1, "A"), Product(2, "SHIRT")],
        [Combination(4, 1, ""), Combination(5, 2, "A")],
        [StockAvailable(1, 1, 4, 3), StockAvailable(2, 2, 5, 4)],
    )
    assert layout.by_reference["A"].problem is Problem.DUPLICATE


def test_a_quiet_parent_gives_way_to_a_combination_elsewhere_with_its_code():
    layout = catalogue_layout(
        [Product(1, "A"), Product(2, "SHIRT")],
        [Combination(4, 1, "A-S"), Combination(5, 2, "A")],
        [StockAvailable(1, 1, 4, 3), StockAvailable(2, 2, 5, 4)],
    )
    assert layout.by_reference["A"].rows == ((2, 4),)


def test_a_row_computed_by_advanced_stock_management_is_flagged(layout):
    placement = layout.by_reference["demo_6"]
    assert placement.problem is Problem.ADVANCED_STOCK_MANAGEMENT
    assert "advanced stock management" in placement.label


def test_a_product_without_a_stock_row_in_the_shop_is_flagged():
    layout = catalogue_layout([Product(1, "A")], [], [])
    assert layout.by_reference["A"].problem is Problem.NO_STOCK_ROW


@pytest.mark.parametrize(
    ("stock_type", "default", "writable"),
    [
        (PACK_ONLY, None, True),
        (None, None, True),  # PrestaShop < 1.6.1: a pack has only its own stock
        (PACK_PRODUCTS_ONLY, None, False),
        (PACK_BOTH, None, False),
        (PACK_DEFAULT, PACK_ONLY, True),
        (PACK_DEFAULT, PACK_PRODUCTS_ONLY, False),
        (PACK_DEFAULT, None, False),  # the shop default could not be read: flagged, not guessed
    ],
)
def test_a_pack_is_written_only_when_it_decrements_its_own_stock(stock_type, default, writable):
    layout = catalogue_layout(
        [Product(1, "P", type="pack", pack_stock_type=stock_type)],
        [],
        [StockAvailable(1, 1, 0, 3)],
        default_pack_stock_type=default,
    )
    placement = layout.by_reference["P"]
    assert placement.writable is writable
    if not writable:
        assert placement.problem is Problem.PACK_FROM_PRODUCTS


def test_packs_of_the_16_catalogue(layout):
    assert layout.by_reference["demo_5"].problem is Problem.PACK_FROM_PRODUCTS
    assert "only the products in it" in layout.by_reference["demo_5"].label
    assert layout.by_reference["demo_11"].rows == ((21, 6),)


def test_stock_targets_without_a_reference_are_listed_apart(layout):
    assert [p.id_product for p in layout.unreferenced] == [12]
    assert "" not in layout.by_reference


def test_references_are_compared_exactly_and_near_misses_share_a_key():
    layout = catalogue_layout(
        [Product(1, "Abc"), Product(2, "abc ")],
        [],
        [StockAvailable(1, 1, 0, 1), StockAvailable(2, 2, 0, 1)],
    )
    assert set(layout.by_reference) == {"Abc", "abc "}
    assert near_miss_key("Abc") == near_miss_key(" abc ")


def test_17_records_with_product_type_and_integer_ids():
    # 1.7.8+ adds product_type; JSON-ish ints and a multilang list must parse the same way.
    product = Product.from_xml(
        {
            "id": 19,
            "reference": "PACK-1",
            "type": "pack",
            "product_type": "pack",
            "cache_is_pack": "1",
            "pack_stock_type": "2",
            "name": [{"id": "1", "value": "Pack"}],
        }
    )
    assert (product.id, product.is_pack, product.pack_stock_type, product.name) == (
        19,
        True,
        PACK_BOTH,
        "Pack",
    )
