"""The PrestaShop webservice of https://shop.example.com for unit tests, behind `responses`.

Records live in memory and change as the code under test writes, so a test can assert on the
shop's end state and on every write sent. Answers are shaped like a real shop's (and like the
sandbox emulator's; tests/contract runs the same cases against this fake, the recorded
fixtures and the sandbox): every value in CDATA, `xlink:href` on links, nested
<associations>, `PSWS-Version` on every answer; lists honour display/filter/sort/limit, PATCH
exists from 8.0 and a full PUT empties the fields it does not send, as PrestaShop does.
"""

from __future__ import annotations

import base64
import copy
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

import requests
import responses

from sandbox.prestashop.query import value_matcher
from sync.prestashop import xml as psxml

BASE = "https://shop.example.com/api/"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEFAULT_VERSION = "8.1.5"
KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456"  # tests/conftest.py `shop`
REALM = 'Basic realm="Welcome to PrestaShop Webservice"'
DATE_FIELDS = ("date_add", "date_upd")
_PATH = re.compile(r"^/api/?([a-z_]*)/?(\d*)$")
_IMAGE = re.compile(re.escape(BASE) + r"images/products/\d+/\d+")
# Fields PrestaShop renders with an xlink:href to the record they name.
LINKS = {
    "id_order": "orders",
    "id_carrier": "carriers",
    "id_product": "products",
    "id_shop": "shops",
}
# Orders answer in the shop context the request names (multistore,
# docs/sources.md#prestashop-order-shop-context).
SHOP_SCOPED = ("orders",)
# Fields a shop fills itself when a record is created without them (dates: now).
CREATE_DEFAULTS = {
    "order_histories": {"id_employee": "0"},
    "customer_messages": {
        "id_employee": "0",
        "ip_address": "",
        "file_name": "",
        "user_agent": "",
        "read": "0",
        "date_upd": "",
    },
    "customer_threads": {"date_upd": ""},
}
# What tests/fixtures/orders holds of order 73: its addresses, customer, countries, state and
# checkout messages.
ORDER_73_FILES = [
    ("orders", "ps_order_73"),
    ("addresses", "ps_address_10"),
    ("addresses", "ps_address_11"),
    ("customers", "ps_customer_4"),
    ("countries", "ps_country_13"),
    ("countries", "ps_country_21"),
    ("states", "ps_state_9"),
]


def _cdata(value) -> str:
    return f"<![CDATA[{value}]]>"


def render_record(tag: str, record: dict, display: list | None = None) -> str:
    """One record as the webservice writes it: values in CDATA, links, associations nested;
    `display` ([(field, None) or (association, [fields])]) keeps only what it names."""
    shown = dict(display) if display is not None else None
    parts = [f"<{tag}>"]
    for key in record if shown is None else [k for k in shown if k in record or k == "id"]:
        value = record.get(key, "")
        if key == "associations":
            parts.append(_associations(value))
            continue
        link = LINKS.get(key)
        href = f' xlink:href="{BASE}{link}/{value}"' if link and value not in ("", "0") else ""
        parts.append(f"<{key}{href}>{_cdata(value)}</{key}>")
    if shown is not None:
        wanted = {k: v for k, v in record.get("associations", {}).items() if k in shown}
        if wanted:
            parts.append(_associations(wanted, shown))
    parts.append(f"</{tag}>")
    return "".join(parts)


def _associations(associations: dict, shown: dict | None = None) -> str:
    parts = ["<associations>"]
    for name, items in associations.items():
        item = psxml.singular(name)
        fields = (shown or {}).get(name)
        parts.append(f'<{name} nodeType="{item}" api="{name}">')
        parts += [render_record(item, row, fields and [(f, None) for f in fields]) for row in items]
        parts.append(f"</{name}>")
    parts.append("</associations>")
    return "".join(parts)


def display_parse(value: str) -> list[tuple[str, list[str] | None]]:
    """`[id,order_rows[a,b]]` → [("id", None), ("order_rows", ["a", "b"])]."""
    inner = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    spec = []
    for name, sub in re.findall(r"([a-z_0-9]+)(?:\[([^\]]*)\])?", inner):
        spec.append((name, sub.split(",") if sub else None))
    return spec


def ps_document(inner: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<prestashop '
        f'xmlns:xlink="http://www.w3.org/1999/xlink">\n{inner}\n</prestashop>'
    ).encode()


def ps_error(status: int, code: int | str, message: str) -> tuple[int, dict, bytes]:
    """A `responses` answer carrying PrestaShop's <errors> document."""
    body = ps_document(
        f"<errors><error><code>{_cdata(code)}</code>"
        f"<message>{_cdata(escape(message))}</message></error></errors>"
    )
    return status, {"Content-Type": "text/xml;charset=utf-8"}, body


def _sort_key(field: str):
    return lambda r: int(r[field]) if field == "id" else r.get(field, "")


class FakePrestaShop:
    """The shop, empty until a test adds records (`add`, or `load_order_73` for the orders
    fixtures). Knobs for what a real shop sometimes does are plain attributes."""

    def __init__(self, rsps: responses.RequestsMock, *, version: str = DEFAULT_VERSION):
        self.version = version
        self.keeps_note = True  # False: PATCH/PUT silently ignore `note` (PrestaShop#37255)
        # (METHOD, resource) -> the answer to give instead (an error, a hand-made page)
        self.errors: dict[tuple[str, str], tuple] = {}
        # (resource, id) -> (code, message): the write is sent, the shop answers 500
        self.refuse: dict[tuple[str, int], tuple[str, str]] = {}
        # resource -> raised once after a POST was saved (the answer never arrives)
        self.fail_after_write: dict[str, Exception] = {}
        # resource -> fields this version does not have: displaying one is refused (400)
        self.absent_fields: dict[str, set[str]] = {}
        self.records: dict[str, dict[str, dict]] = defaultdict(dict)
        self.writes: list[tuple[str, str, dict]] = []  # (method, resource, fields sent)
        rsps.add(
            responses.GET, _IMAGE, body=b"\xff\xd8\xff\xe0fake-jpeg", content_type="image/jpeg"
        )
        pattern = re.compile(re.escape(BASE.rstrip("/")) + r"(/[a-z_]*(/\d+)?)?/?(\?.*)?$")
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH"):
            rsps.add_callback(method, pattern, callback=self._handle)

    # -- set-up ----------------------------------------------------------------------------

    def add(self, resource: str, record: dict) -> dict:
        """Store a record (values as the shop sends them: strings; associations as given)."""
        record = {k: v if k == "associations" else str(v) for k, v in record.items()}
        self.records[resource][record["id"]] = record
        return record

    def get(self, resource: str, id_: int | str) -> dict:
        return self.records[resource][str(id_)]

    def load(self, resource: str, path: Path) -> list[dict]:
        """Add the records of a recorded answer (one record or a list) to `resource`."""
        root = psxml.parse(path.read_bytes())
        if root[0].tag == resource:
            return [self.add(resource, record) for record in psxml.list_to_dicts(root)]
        return [self.add(resource, psxml.record_to_dict(psxml.record_element(root)))]

    def load_order_73(self) -> FakePrestaShop:
        """Order 73 with its addresses, customer, countries, state and checkout messages, as
        recorded in tests/fixtures/orders."""
        for resource, name in [*ORDER_73_FILES, ("messages", "ps_messages_73")]:
            self.load(resource, FIXTURES / "orders" / f"{name}.xml")
        return self

    @property
    def order(self) -> dict:
        return self.records["orders"]["73"]

    def add_order(self, id_order: int, **changes) -> dict:
        """A copy of order 73 under another id (split carts, multistore)."""
        return self.add("orders", {**copy.deepcopy(self.order), **changes, "id": id_order})

    def add_history(self, id_history: int, id_order: int, state: int) -> None:
        """A status change of an order, as the back office writes it."""
        self.add(
            "order_histories",
            {
                "id": id_history,
                "id_employee": 0,
                "id_order_state": state,
                "id_order": id_order,
                "date_add": "2026-03-02 10:15:41",
            },
        )
        if str(id_order) in self.records["orders"]:
            self.records["orders"][str(id_order)]["current_state"] = str(state)

    def private_messages(self, id_order: int = 73) -> list[str]:
        threads = {
            t["id"]
            for t in self.records["customer_threads"].values()
            if t["id_order"] == str(id_order)
        }
        return [
            m["message"]
            for m in self.records["customer_messages"].values()
            if m["id_customer_thread"] in threads and m["private"] == "1"
        ]

    # -- the webservice --------------------------------------------------------------------

    def _reply(self, status: int, body: bytes = b"") -> tuple[int, dict, bytes]:
        return (
            status,
            {"PSWS-Version": self.version, "Content-Type": "text/xml;charset=utf-8"},
            body,
        )

    def _handle(self, request: requests.PreparedRequest):
        url = urlsplit(request.url)
        resource, id_ = _PATH.match(url.path).groups()
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if (request.method, resource) in self.errors:
            return self.errors[(request.method, resource)]
        if self._key(request) != KEY:
            status, headers, body = self._error(401, 20, "Authentification key is not active")
            return status, {**headers, "WWW-Authenticate": REALM}, body
        if not resource:
            return self._reply(200, b"" if request.method == "HEAD" else ps_document("<api/>"))
        if request.method == "GET":
            return self._get(resource, id_, params) if id_ else self._list(resource, params)
        if request.method == "PATCH" and int(self.version.split(".")[0]) < 8:
            return self._error(405, 23, "Method PATCH is not valid")
        fields = psxml.record_to_dict(psxml.record_element(psxml.parse(request.body)))
        self.writes.append((request.method, resource, fields))
        if (resource, int(id_ or 0)) in self.refuse:
            return self._error(500, *self.refuse[(resource, int(id_))])
        if request.method == "POST":
            created = self._create(resource, fields)
            if resource in self.fail_after_write:
                raise self.fail_after_write.pop(resource)
            return self._reply(201, ps_document(render_record(psxml.singular(resource), created)))
        return self._update(request.method, resource, id_, fields)

    @staticmethod
    def _key(request: requests.PreparedRequest) -> str:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return ""
        return base64.b64decode(encoded).decode().partition(":")[0]

    def _error(self, status: int, code: int | str, message: str):
        return self._reply(status, ps_error(status, code, message)[2])

    def _visible(self, resource: str, record: dict, params: dict) -> bool:
        return (
            resource not in SHOP_SCOPED
            or "id_shop" not in params
            or record.get("id_shop") == params["id_shop"]
        )

    def _get(self, resource: str, id_: str, params: dict):
        record = self.records[resource].get(id_)
        if record is None or not self._visible(resource, record, params):
            return self._reply(404)  # a missing single record: a bare 404, as the shop answers
        return self._reply(200, ps_document(render_record(psxml.singular(resource), record)))

    def _list(self, resource: str, params: dict):
        display = params.get("display")
        shown = None if display in (None, "full") else display_parse(display)
        names = {name for name, _ in shown or []}
        if absent := sorted(names & self.absent_fields.get(resource, set())):
            return self._error(
                400,
                35,
                f'Unable to display this field "{absent[0]}". However, these are available: '
                "id, reference",
            )
        rows = [r for r in self.records[resource].values() if self._visible(resource, r, params)]
        for key, expression in params.items():
            if not key.startswith("filter["):
                continue
            field = key[7:-1]
            if field in DATE_FIELDS and params.get("date") != "1":
                return self._error(
                    400, 32, f'The field "{field}" is a date: add date=1 to filter on it'
                )
            matches = value_matcher(expression)
            rows = [r for r in rows if matches(str(r.get(field, "")))]
        field, _, direction = (
            params.get("sort", "[id_ASC]").strip("[]").split(",")[-1].rpartition("_")
        )
        rows.sort(key=_sort_key(field), reverse=direction == "DESC")
        if "limit" in params:
            offset, _, count = params["limit"].rpartition(",")
            rows = rows[int(offset or 0) : int(offset or 0) + int(count)]
        tag = psxml.singular(resource)
        if display is None:
            inner = "".join(
                f'<{tag} id="{r["id"]}" xlink:href="{BASE}{resource}/{r["id"]}"/>' for r in rows
            )
        else:
            inner = "".join(render_record(tag, r, shown) for r in rows)
        return self._reply(200, ps_document(f"<{resource}>{inner}</{resource}>"))

    def _create(self, resource: str, fields: dict) -> dict:
        new_id = max((int(i) for i in self.records[resource]), default=0) + 1
        now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        record = self.add(
            resource,
            {
                **{
                    k: now if k in DATE_FIELDS else v
                    for k, v in CREATE_DEFAULTS.get(resource, {}).items()
                },
                "date_add": now,
                **fields,
                "id": new_id,
            },
        )
        if resource == "order_histories" and fields["id_order"] in self.records["orders"]:
            self.records["orders"][fields["id_order"]]["current_state"] = fields["id_order_state"]
        return record

    def _update(self, method: str, resource: str, id_: str, fields: dict):
        record = self.records[resource].get(id_)
        if record is None:
            return self._error(404, 87, f"Id(s) not exists: {id_}")
        kept = {"associations"}  # written through their own resources
        if resource == "orders" and not self.keeps_note:
            kept.add("note")
        if method == "PUT":  # absent fields are set to NULL, like PrestaShop
            record.update({k: "" for k in record if k not in fields and k not in kept})
        record.update({k: v for k, v in fields.items() if k not in kept})
        return self._reply(200, ps_document(render_record(psxml.singular(resource), record)))
