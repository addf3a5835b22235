"""The emulated PrestaShop resources: field order, required fields, links, multilang fields.

Field lists: 8.x blank schemas (docs/sources.md#prestashop-resource-fields), trimmed to what a sync
needs; the order is the order PrestaShop prints them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Assoc:
    """An association block: `<order_rows nodeType="order_row" ...><order_row>...`."""

    node: str
    fields: tuple[str, ...]
    api: str = ""  # resource the nodes link to (xlink:href on each node); "" = virtual
    virtual: bool = False


@dataclass(frozen=True)
class Resource:
    name: str
    singular: str
    fields: tuple[str, ...]
    required: frozenset[str] = frozenset()
    links: dict[str, str] = field(default_factory=dict)
    multilang: frozenset[str] = frozenset()
    not_filterable: frozenset[str] = frozenset()
    associations: dict[str, Assoc] = field(default_factory=dict)
    forbidden: frozenset[str] = frozenset()
    description: str = ""

    @property
    def kind(self) -> str:
        return f"ps.{self.name}"

    def filterable(self, *, with_dates: bool) -> set[str]:
        """Fields usable in filter[] and sort (dates only with date=1, like PrestaShop)."""
        names = set(self.fields) - self.not_filterable
        if not with_dates:
            names -= {"date_add", "date_upd"}
        return names


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NUMERIC_PREFIXES = ("id_", "total_", "unit_price", "product_quantity", "product_price")
NUMERIC_FIELDS = frozenset(
    _split("""
    id quantity active deleted valid invoice_number delivery_number depends_on_stock out_of_stock
    private read gift recyclable weight price wholesale_price position is_guest newsletter optin
    logable shipped paid delivery invoice send_email hidden unremovable default_on
    minimal_quantity current_state conversion_rate round_mode round_type product_id
    product_attribute_id carrier_tax_rate is_module is_free shipping_handling need_range grade
    shipping_cost_tax_excl shipping_cost_tax_incl contains_states need_zip_code
""")
)


def empty_value(name: str) -> str:
    """What a field becomes when PUT leaves it out: PrestaShop stores NULL → 0 or ''."""
    if name in NUMERIC_FIELDS or name.startswith(NUMERIC_PREFIXES):
        return "0"
    if name in ("invoice_date", "delivery_date"):
        return "0000-00-00 00:00:00"
    return ""


ORDER_ROW = _split("""id product_id product_attribute_id product_quantity product_name
    product_reference product_ean13 product_isbn product_upc product_price id_customization
    unit_price_tax_incl unit_price_tax_excl""")

RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource(
            "orders",
            "order",
            _split("""id id_address_delivery id_address_invoice id_cart
        id_currency id_lang id_customer id_carrier current_state module invoice_number
        invoice_date delivery_number delivery_date valid date_add date_upd shipping_number note
        id_shop_group id_shop secure_key payment recyclable gift gift_message mobile_theme
        total_discounts total_discounts_tax_incl total_discounts_tax_excl total_paid
        total_paid_tax_incl total_paid_tax_excl total_paid_real total_products
        total_products_wt total_shipping total_shipping_tax_incl total_shipping_tax_excl
        carrier_tax_rate total_wrapping total_wrapping_tax_incl total_wrapping_tax_excl
        round_mode round_type conversion_rate reference"""),
            required=frozenset(
                _split("""id_address_delivery id_address_invoice id_cart id_currency
            id_lang id_customer id_carrier module payment total_paid total_paid_real
            total_products total_products_wt conversion_rate""")
            ),
            links={
                "id_address_delivery": "addresses",
                "id_address_invoice": "addresses",
                "id_cart": "carts",
                "id_currency": "currencies",
                "id_lang": "languages",
                "id_customer": "customers",
                "id_carrier": "carriers",
                "current_state": "order_states",
                "id_shop": "shops",
            },
            not_filterable=frozenset({"shipping_number"}),
            associations={"order_rows": Assoc("order_row", ORDER_ROW, virtual=True)},
            description="The Customers orders",
        ),
        Resource(
            "order_states",
            "order_state",
            _split("""id unremovable delivery hidden send_email
        module_name invoice color logable shipped paid pdf_delivery pdf_invoice deleted name
        template"""),
            required=frozenset({"name"}),
            multilang=frozenset({"name", "template"}),
            description="The Order statuses",
        ),
        Resource(
            "order_histories",
            "order_history",
            _split("id id_employee id_order_state id_order date_add"),
            required=frozenset({"id_order_state", "id_order"}),
            links={
                "id_employee": "employees",
                "id_order_state": "order_states",
                "id_order": "orders",
            },
            description="The Order histories",
        ),
        Resource(
            "order_carriers",
            "order_carrier",
            _split("""id id_order id_carrier id_order_invoice
        weight shipping_cost_tax_excl shipping_cost_tax_incl tracking_number date_add"""),
            required=frozenset({"id_order", "id_carrier"}),
            links={"id_order": "orders", "id_carrier": "carriers"},
            description="The Order carriers",
        ),
        Resource(
            "carriers",
            "carrier",
            _split("""id deleted is_module id_tax_rules_group
        id_reference name active is_free url shipping_handling shipping_external
        range_behavior shipping_method max_width max_height max_depth max_weight grade
        external_module_name need_range position delay"""),
            required=frozenset({"name", "delay"}),
            multilang=frozenset({"delay"}),
            description="The Carriers",
        ),
        Resource(
            "customers",
            "customer",
            _split("""id id_default_group id_lang
        newsletter_date_add ip_registration_newsletter last_passwd_gen secure_key deleted
        passwd lastname firstname email id_gender birthday newsletter optin website company
        siret ape outstanding_allow_amount show_public_prices id_risk max_payment_days active
        note is_guest id_shop id_shop_group date_add date_upd reset_password_token
        reset_password_validity"""),
            required=frozenset({"passwd", "lastname", "firstname", "email"}),
            links={
                "id_default_group": "groups",
                "id_lang": "languages",
                "id_gender": "genders",
                "id_shop": "shops",
            },
            description="The e-shop's customers",
        ),
        Resource(
            "addresses",
            "address",
            _split("""id id_customer id_manufacturer id_supplier
        id_warehouse id_country id_state alias company lastname firstname vat_number address1
        address2 postcode city other phone phone_mobile dni deleted date_add date_upd"""),
            required=frozenset(_split("id_country alias lastname firstname address1 city")),
            links={
                "id_customer": "customers",
                "id_manufacturer": "manufacturers",
                "id_supplier": "suppliers",
                "id_warehouse": "warehouses",
                "id_country": "countries",
                "id_state": "states",
            },
            description="The Customer, Brand and Customer addresses",
        ),
        Resource(
            "countries",
            "country",
            _split("""id id_zone id_currency call_prefix iso_code
        active contains_states need_identification_number need_zip_code zip_code_format
        display_tax_label name"""),
            required=frozenset({"iso_code", "name"}),
            links={"id_zone": "zones", "id_currency": "currencies"},
            multilang=frozenset({"name"}),
            description="The countries",
        ),
        Resource(
            "products",
            "product",
            _split("""id id_manufacturer id_supplier
        id_category_default new cache_default_attribute id_default_image
        id_default_combination id_tax_rules_group position_in_category manufacturer_name
        quantity type id_shop_default reference supplier_reference location width height
        depth weight quantity_discount ean13 isbn upc mpn cache_is_pack cache_has_attachments
        is_virtual state additional_delivery_times delivery_in_stock delivery_out_stock
        product_type on_sale online_only ecotax minimal_quantity low_stock_threshold
        low_stock_alert price wholesale_price unity unit_price_ratio additional_shipping_cost
        customizable text_fields uploadable_files active redirect_type id_type_redirected
        available_for_order available_date show_condition condition show_price indexed
        visibility advanced_stock_management date_add date_upd pack_stock_type
        meta_description meta_keywords meta_title link_rewrite name description
        description_short available_now available_later"""),
            required=frozenset({"price"}),
            links={
                "id_manufacturer": "manufacturers",
                "id_supplier": "suppliers",
                "id_category_default": "categories",
                "id_default_image": "images",
                "id_default_combination": "combinations",
                "id_tax_rules_group": "tax_rule_groups",
                "id_shop_default": "shops",
            },
            multilang=frozenset(
                _split("""meta_description meta_keywords meta_title link_rewrite
            name description description_short available_now available_later
            delivery_in_stock delivery_out_stock""")
            ),
            not_filterable=frozenset({"manufacturer_name", "quantity", "type"}),
            associations={
                "categories": Assoc("category", ("id",), api="categories"),
                "combinations": Assoc("combination", ("id",), api="combinations"),
                "stock_availables": Assoc(
                    "stock_available", ("id", "id_product_attribute"), api="stock_availables"
                ),
            },
            description="The products",
        ),
        Resource(
            "combinations",
            "combination",
            _split("""id id_product location ean13 isbn upc
        mpn quantity reference supplier_reference wholesale_price price ecotax weight
        unit_price_impact minimal_quantity low_stock_threshold low_stock_alert default_on
        available_date"""),
            required=frozenset({"id_product", "minimal_quantity"}),
            links={"id_product": "products"},
            not_filterable=frozenset({"quantity"}),
            associations={
                "product_option_values": Assoc(
                    "product_option_value", ("id",), api="product_option_values"
                )
            },
            description="The product combinations",
        ),
        Resource(
            "product_option_values",
            "product_option_value",
            _split("""id
        id_attribute_group color position name"""),
            required=frozenset({"id_attribute_group", "name"}),
            links={"id_attribute_group": "product_options"},
            multilang=frozenset({"name"}),
            description="The product options value",
        ),
        Resource(
            "taxes",
            "tax",
            _split("id rate active deleted name"),
            required=frozenset({"rate", "name"}),
            multilang=frozenset({"name"}),
            description="The tax rate",
        ),
        Resource(
            "tax_rules",
            "tax_rule",
            _split("""id id_tax_rules_group id_state id_country
        zipcode_from zipcode_to id_tax behavior description"""),
            required=frozenset({"id_tax_rules_group", "id_country"}),
            links={
                "id_tax_rules_group": "tax_rule_groups",
                "id_state": "states",
                "id_country": "countries",
                "id_tax": "taxes",
            },
            description="Tax rules entity",
        ),
        Resource(
            "stock_availables",
            "stock_available",
            _split("""id id_product
        id_product_attribute id_shop id_shop_group quantity depends_on_stock out_of_stock
        location"""),
            required=frozenset(
                _split("""id_product id_product_attribute quantity
        depends_on_stock out_of_stock""")
            ),
            links={
                "id_product": "products",
                "id_product_attribute": "combinations",
                "id_shop": "shops",
                "id_shop_group": "shop_groups",
            },
            forbidden=frozenset({"POST", "DELETE"}),
            description="Available quantities",
        ),
        Resource(
            "customer_threads",
            "customer_thread",
            _split("""id id_lang id_shop id_customer
        id_order id_product id_contact email token status date_add date_upd"""),
            required=frozenset({"id_lang", "id_contact", "token"}),
            links={
                "id_lang": "languages",
                "id_shop": "shops",
                "id_customer": "customers",
                "id_order": "orders",
                "id_product": "products",
                "id_contact": "contacts",
            },
            associations={
                "customer_messages": Assoc("customer_message", ("id",), api="customer_messages")
            },
            description="Customer services threads",
        ),
        Resource(
            "customer_messages",
            "customer_message",
            _split("""id id_employee
        id_customer_thread ip_address message file_name user_agent private date_add date_upd
        read"""),
            required=frozenset({"message"}),
            links={"id_employee": "employees", "id_customer_thread": "customer_threads"},
            description="Customer services messages",
        ),
        Resource(
            "messages",
            "message",
            _split("""id id_cart id_order id_customer id_employee
        message private date_add"""),
            required=frozenset({"message"}),
            links={
                "id_cart": "carts",
                "id_order": "orders",
                "id_customer": "customers",
                "id_employee": "employees",
            },
            description="The Messages",
        ),
        Resource(
            "configurations",
            "configuration",
            _split("id value name id_shop_group id_shop date_add date_upd"),
            required=frozenset({"name"}),
            description="Shop configuration",
        ),
        Resource(
            "shops",
            "shop",
            _split("id id_shop_group id_category active deleted name color theme_name"),
            required=frozenset({"name"}),
            description="Shops from multi-shop feature",
        ),
        Resource(
            "languages",
            "language",
            _split("""id name iso_code locale language_code active
        is_rtl date_format_lite date_format_full"""),
            required=frozenset({"name", "iso_code"}),
            description="Shop languages",
        ),
    )
}
