"""A small in-memory PrestaShop webservice behind `responses`, answering XML shaped like a
real shop (CDATA values, xlink:href, <associations>), with display/filter/sort/limit lists,
PATCH (8.x) and full PUT (1.7: absent fields become empty, as PrestaShop does)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import defusedxml.ElementTree as SafeET
import responses

from sandbox.prestashop.query import value_matcher

BASE = "https://shop.example.com/api/"
_PATH = re.compile(r"^/api/?([a-z_]*)/?(\d*)$")


def _cdata(value) -> str:
    return f"<![CDATA[{value}]]>"


def _field(name, value, resource_of=None) -> str:
    href = f' xlink:href="{BASE}{resource_of}/{value}"' if resource_of and value else ""
    return f"<{name}{href}>{_cdata(value)}</{name}>"


LINKS = {
    "id_order": "orders",
    "id_carrier": "carriers",
    "id_product": "products",
    "id_shop": "shops",
}


def _singular(resource: str) -> str:
    return resource[:-3] + "y" if resource.endswith("ies") else resource[:-1]


class FakePrestaShop:
    def __init__(self, rsps: responses.RequestsMock, *, version: str = "8.1.2"):
        self.version = version
        self.records: dict[str, dict[int, dict]] = {}
        self.writes: list[tuple[str, str, dict]] = []  # (method, resource, fields sent)
        self.fail_after_write: dict[str, Exception] = {}  # resource -> raise once, after saving
        self.refuse: dict[tuple[str, int], tuple[str, str]] = {}  # -> (code, message), 500
        # resource -> fields this version does not have: displaying one is refused (400)
        self.absent_fields: dict[str, set[str]] = {}
        pattern = re.compile(re.escape(BASE.rstrip("/")) + r".*")
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH"):
            rsps.add_callback(method, pattern, callback=self._handle)

    def add(self, resource: str, record: dict) -> dict:
        record = {k: str(v) for k, v in record.items()}
        self.records.setdefault(resource, {})[int(record["id"])] = record
        return record

    def get(self, resource: str, id_: int) -> dict:
        return self.records[resource][int(id_)]

    # -- rendering -------------------------------------------------------------------------

    def _record_xml(self, resource: str, record: dict, fields=None) -> str:
        names = fields or list(record)
        body = "".join(_field(n, record.get(n, ""), LINKS.get(n)) for n in names)
        return f"<{_singular(resource)}>{body}</{_singular(resource)}>"

    def _doc(self, inner: str) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<prestashop '
            f'xmlns:xlink="http://www.w3.org/1999/xlink">{inner}</prestashop>'
        )

    def _reply(self, status: int, body: str = ""):
        return (
            status,
            {"PSWS-Version": self.version, "Content-Type": "text/xml;charset=utf-8"},
            body,
        )

    # -- handling --------------------------------------------------------------------------

    def _handle(self, request):
        url = urlsplit(request.url)
        match = _PATH.match(url.path)
        resource, id_ = match.group(1), match.group(2)
        params = dict(parse_qsl(url.query))
        if not resource:
            return self._reply(200, self._doc("<api/>"))
        table = self.records.setdefault(resource, {})
        if request.method == "GET" and id_:
            if int(id_) not in table:
                return self._reply(
                    404,
                    self._doc(
                        "<errors><error><code>87</code><message>"
                        "not found</message></error></errors>"
                    ),
                )
            return self._reply(200, self._doc(self._record_xml(resource, table[int(id_)])))
        if request.method == "GET":
            shown = set(params.get("display", "").strip("[]").split(","))
            if absent := sorted(shown & self.absent_fields.get(resource, set())):
                message = (
                    f'Unable to display this field "{absent[0]}". However, these '
                    "are available: id, reference"
                )
                return self._reply(
                    400,
                    self._doc(
                        f"<errors><error><code>{_cdata(35)}</code><message>{_cdata(message)}"
                        "</message></error></errors>"
                    ),
                )
            return self._reply(200, self._doc(self._list(resource, table, params)))
        fields = self._parse_body(request.body)
        self.writes.append((request.method, resource, fields))
        if (resource, int(id_ or 0)) in self.refuse:
            code, message = self.refuse[(resource, int(id_))]
            return self._reply(
                500,
                self._doc(
                    f"<errors><error><code>{_cdata(code)}</code>"
                    f"<message>{_cdata(message)}</message></error>"
                    "</errors>"
                ),
            )
        if request.method == "POST":
            created = self._create(resource, fields)
            if resource in self.fail_after_write:  # saved, but the answer never arrives
                raise self.fail_after_write.pop(resource)
            return self._reply(201, self._doc(self._record_xml(resource, created)))
        record = table[int(id_)]
        if request.method == "PUT":  # absent fields are set to NULL, like PrestaShop
            record.update({k: "" for k in record if k not in fields})
        record.update({k: v for k, v in fields.items()})
        return self._reply(200, self._doc(self._record_xml(resource, record)))

    def _create(self, resource: str, fields: dict) -> dict:
        new_id = max(self.records[resource], default=0) + 1
        record = self.add(resource, {"id": new_id, **fields})
        if resource == "order_histories":
            self.get("orders", int(fields["id_order"]))["current_state"] = fields["id_order_state"]
        return record

    @staticmethod
    def _parse_body(body) -> dict:
        root = SafeET.fromstring(body)
        return {child.tag: child.text or "" for child in root[0]}

    def _list(self, resource: str, table: dict, params: dict) -> str:
        rows = [r for r in table.values() if self._matches(r, params)]
        rows.sort(key=lambda r: int(r["id"]))
        if "limit" in params:
            parts = [int(p) for p in params["limit"].split(",")]
            start, count = (parts[0], parts[1]) if len(parts) == 2 else (0, parts[0])
            rows = rows[start : start + count]
        display = params.get("display")
        if display is None:
            items = "".join(f'<{_singular(resource)} id="{r["id"]}"/>' for r in rows)
        else:
            names = None if display == "full" else display.strip("[]").split(",")
            items = "".join(self._record_xml(resource, r, names) for r in rows)
        return f"<{resource}>{items}</{resource}>"

    @staticmethod
    def _matches(record: dict, params: dict) -> bool:
        # Filter values are read as PrestaShop reads them (the sandbox emulator's parser,
        # docs/prestashop-filters.md), so `[`, `|` or `%` in a value behave as in a shop.
        return all(
            value_matcher(value)(record.get(key[7:-1], ""))
            for key, value in params.items()
            if key.startswith("filter[")
        )
