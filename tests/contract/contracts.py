"""The expected shapes, taken from docs/sources.md (not from the fixtures or the emulator).

Picqer: docs/sources.md#picqer-order-shape, #picqer-product-create, #picqer-free-stock,
#picqer-vat-groups, #picqer-tags, #picqer-hooks, #picqer-shipment-tracking.
PrestaShop: #prestashop-resource-fields. Only fields a source confirms are required;
fields it marks UNCONFIRMED (e.g. the embedded order `picklists` beyond three keys) are not.
"""

from .shapes import (
    BOOL,
    INT,
    NUM,
    OPT_INT,
    OPT_NUM,
    OPT_STR,
    STR,
    DictOf,
    ListOf,
    ps_record,
)

# -- Picqer -------------------------------------------------------------------------------

PICQER_TAG = {"idtag": INT, "title": STR, "color": STR, "inherit": BOOL, "textColor": STR}

PICQER_ORDER_LINE = {
    "idorder_product": INT,
    "idproduct": INT,
    "idvatgroup": INT,
    "productcode": STR,
    "name": STR,
    "remarks": OPT_STR,
    "price": NUM,
    "amount": INT,
    "amount_cancelled": INT,
    "weight": OPT_NUM,
    "partof_idorder_product": OPT_INT,
    "has_parts": BOOL,
}

_ADDRESS = ("name", "contactname", "address", "address2", "zipcode", "city", "region")
PICQER_ORDER = {
    "idorder": INT,
    "idcustomer": OPT_INT,
    "idtemplate": OPT_INT,
    "orderid": STR,
    **{f"delivery{part}": OPT_STR for part in _ADDRESS},
    "deliverycountry": STR,
    **{f"invoice{part}": OPT_STR for part in _ADDRESS},
    "invoicecountry": STR,
    "full_delivery_address": STR,
    "full_invoice_address": STR,
    "telephone": OPT_STR,
    "emailaddress": OPT_STR,
    "reference": OPT_STR,
    "customer_remarks": OPT_STR,
    "partialdelivery": BOOL,
    "discount": NUM,
    "calculatevat": BOOL,
    "language": OPT_STR,
    "status": STR,
    "created": STR,
    "updated": STR,
    "warehouses": ListOf(INT),
    "products": ListOf(PICQER_ORDER_LINE),
    "tags": DictOf(PICQER_TAG),
    "orderfields": ListOf(dict(idorderfield=INT, title=STR, value=OPT_STR)),
}
# docs/sources.md#picqer-order-picklists: "picklists" on the order is UNCONFIRMED beyond these keys.
PICQER_ORDER_PICKLIST = {"idpicklist": INT, "picklistid": STR, "status": STR}

PICQER_STOCK = {
    "idwarehouse": INT,
    "stock": INT,
    "reserved": INT,
    "reservedbackorders": INT,
    "reservedpicklists": INT,
    "freestock": INT,
}
PICQER_PRODUCT = {
    "idproduct": INT,
    "idvatgroup": INT,
    "idsupplier": OPT_INT,
    "productcode": STR,
    "name": STR,
    "price": NUM,
    "fixedstockprice": NUM,
    "barcode": OPT_STR,
    "type": STR,
    "unlimitedstock": BOOL,
    "weight": OPT_NUM,
    "active": BOOL,
    "tags": DictOf(PICQER_TAG),
    "productfields": ListOf(dict),
    "images": ListOf(STR),
    "stock": ListOf({**PICQER_STOCK, "freepickablestock": INT}),
}
PICQER_WAREHOUSE_STOCK_ITEM = {"idproduct": INT, "productcode": STR, "stock": PICQER_STOCK}
PICQER_VATGROUP = {"idvatgroup": INT, "name": STR, "percentage": NUM}
PICQER_WAREHOUSE = {
    "idwarehouse": INT,
    "name": STR,
    "accept_orders": BOOL,
    "counts_for_general_stock": BOOL,
    "priority": INT,
    "active": BOOL,
}
# Pinelab type: secret is bool|string.
PICQER_HOOK = {
    "idhook": INT,
    "name": STR,
    "event": STR,
    "address": STR,
    "active": BOOL,
    "secret": (bool, str),
}
PICQER_COMMENT = {"body": STR}
PICQER_PARCEL = {
    "idparcel": INT,
    "idpackaging": OPT_INT,
    "weight": OPT_NUM,
    "tracking_code": OPT_STR,
    "tracking_url": OPT_STR,
    "documents": ListOf(dict),
}
PICQER_SHIPMENT = {
    "idshipment": INT,
    "idpicklist": INT,
    "idorder": INT,
    "idreturn": OPT_INT,
    "provider": STR,
    "providername": STR,
    "public_providername": STR,
    "profile_name": OPT_STR,
    "carrier_key": OPT_STR,
    "trackingcode": OPT_STR,
    "trackingurl": OPT_STR,
    "tracktraceurl": OPT_STR,
    "weight": OPT_NUM,
    "cancelled": BOOL,
    "created": STR,
    "updated": STR,
    "parcels": ListOf(PICQER_PARCEL),
}

# -- PrestaShop ---------------------------------------------------------------------------

PS_ORDER_ROW = ps_record(
    "id",
    "product_id",
    "product_attribute_id",
    "product_quantity",
    "product_name",
    "product_reference",
    "product_ean13",
    "product_isbn",
    "product_upc",
    "product_price",
    "id_customization",
    "unit_price_tax_incl",
    "unit_price_tax_excl",
)
PS_ORDER = ps_record(
    "id",
    "reference",
    "current_state",
    "id_carrier",
    "id_customer",
    "id_address_delivery",
    "id_address_invoice",
    "id_cart",
    "id_currency",
    "id_lang",
    "id_shop",
    "id_shop_group",
    "module",
    "payment",
    "total_paid",
    "total_paid_tax_incl",
    "total_paid_tax_excl",
    "total_paid_real",
    "total_products",
    "total_products_wt",
    "total_shipping_tax_incl",
    "total_shipping_tax_excl",
    "total_discounts_tax_incl",
    "total_discounts_tax_excl",
    "carrier_tax_rate",
    "valid",
    "invoice_number",
    "delivery_number",
    "date_add",
    "date_upd",
    "gift",
    "gift_message",
    "note",
    "shipping_number",
    associations={"order_rows": ListOf(PS_ORDER_ROW)},
)
PS_ORDER_STATE = ps_record(
    "id",
    "unremovable",
    "delivery",
    "hidden",
    "send_email",
    "invoice",
    "logable",
    "shipped",
    "paid",
    "pdf_delivery",
    "pdf_invoice",
    "deleted",
    "module_name",
    "color",
    "name",
    "template",
)
PS_ORDER_HISTORY = ps_record("id", "id_employee", "id_order_state", "id_order", "date_add")
PS_ORDER_CARRIER = ps_record(
    "id",
    "id_order",
    "id_carrier",
    "id_order_invoice",
    "weight",
    "shipping_cost_tax_excl",
    "shipping_cost_tax_incl",
    "tracking_number",
    "date_add",
)
PS_CARRIER = ps_record(
    "id",
    "name",
    "delay",
    "url",
    "active",
    "deleted",
    "is_module",
    "external_module_name",
    "id_reference",
)
PS_ADDRESS = ps_record(
    "id",
    "id_customer",
    "id_country",
    "id_state",
    "alias",
    "company",
    "lastname",
    "firstname",
    "vat_number",
    "address1",
    "address2",
    "postcode",
    "city",
    "other",
    "phone",
    "phone_mobile",
    "dni",
    "deleted",
    "date_add",
    "date_upd",
)
PS_COUNTRY_ROW = ps_record("id", "iso_code")  # countries?display=[id,iso_code]
PS_COUNTRY = ps_record("id", "iso_code", "name", "id_zone", "contains_states", "active")
PS_CUSTOMER = ps_record(
    "id",
    "email",
    "firstname",
    "lastname",
    "company",
    "id_lang",
    "is_guest",
    "note",
    "date_add",
    "date_upd",
)
PS_PRODUCT_REF_ROW = ps_record("id", "reference", "ean13", "active")
PS_PRODUCT = ps_record(
    "id",
    "reference",
    "active",
    "name",
    "quantity",
    "type",
    associations={
        "combinations": ListOf(ps_record("id")),
        "stock_availables": ListOf(ps_record("id", "id_product_attribute")),
    },
)
PS_COMBINATION_REF_ROW = ps_record("id", "id_product", "reference")
PS_STOCK_ROW = ps_record(
    "id",
    "id_product",
    "id_product_attribute",
    "id_shop",
    "id_shop_group",
    "quantity",
    "depends_on_stock",
    "out_of_stock",
)
PS_STOCK_AVAILABLE = {**PS_STOCK_ROW, **ps_record("location")}  # location: 1.7.5.0+
PS_CUSTOMER_THREAD = ps_record(
    "id",
    "id_lang",
    "id_shop",
    "id_customer",
    "id_order",
    "id_product",
    "id_contact",
    "email",
    "token",
    "status",
    "date_add",
    "date_upd",
)
PS_CUSTOMER_MESSAGE = ps_record(
    "id",
    "id_employee",
    "id_customer_thread",
    "ip_address",
    "message",
    "file_name",
    "user_agent",
    "private",
    "date_add",
    "date_upd",
    "read",
)
PS_MESSAGE = ps_record(
    "id",
    "id_cart",
    "id_order",
    "id_customer",
    "id_employee",
    "message",
    "private",
    "date_add",
)
