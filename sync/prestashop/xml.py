"""PrestaShop webservice XML <-> plain dicts. Pure functions, no HTTP.

Reading refuses DTDs and entity declarations (billion laughs, XXE) through defusedxml; a
document without a DOCTYPE cannot declare any and goes to the C parser. Records become
`{"id": "5", "reference": "X", "associations": {"order_rows": [...]}}` with string values
exactly as PrestaShop sends them; multilingual fields collapse to the first language
(docs/sources.md#prestashop-xml-reading). Writes are compact XML, no whitespace in tags
(whitespace in a value "can break your resource", docs/sources.md#prestashop-xml-writing).
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET  # parses only documents without a DTD (see `parse`)
from collections.abc import Iterable, Mapping
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET

from sync.http.errors import ApiResponseError

XLINK_NS = "http://www.w3.org/1999/xlink"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
# Characters XML 1.0 forbids; PrestaShop passes them through from product texts (prestapyt #59).
_ILLEGAL_CHARS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FEED_SLICE = 32 * 1024  # bytes parsed per hold of the GIL (see `parse`)
# Plural -> singular where the usual English rules give the wrong element name.
IRREGULAR_SINGULARS = {
    "taxes": "tax",
    "accessories": "product",
    "product_bundle": "product",
}


def singular(name: str) -> str:
    """Element name of one item of a resource or association: orders -> order,
    order_histories -> order_history, addresses -> address."""
    if name in IRREGULAR_SINGULARS:
        return IRREGULAR_SINGULARS[name]
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("sses"):
        return name[:-2]
    if name.endswith("s"):
        return name[:-1]
    return name


# -- reading ------------------------------------------------------------------------------


def parse(body: bytes) -> ET.Element:
    """Parse a webservice response into its `<prestashop>` root element.

    Tolerates a BOM or stray module output before `<?xml` and illegal control characters;
    raises ApiResponseError for anything that is not safe, well-formed XML."""
    if not body or not body.strip():
        raise ApiResponseError("answered with an empty body instead of XML", service="PrestaShop")
    start = body.find(b"<?xml")
    if start > 0:
        body = body[start:]
    body = _ILLEGAL_CHARS.sub(b"", body.lstrip(b"\xef\xbb\xbf \t\r\n"))
    if body[:200].lower().startswith((b"<!doctype html", b"<html")):
        raise ApiResponseError(
            "answered with an HTML page, not the PrestaShop webservice", service="PrestaShop"
        )
    try:
        if b"<!DOCTYPE" in body:
            return SafeET.fromstring(body, forbid_dtd=True)  # refuses it (below)
        # No DTD, so no entity can be declared: nothing for defusedxml to defuse, and C's
        # tree builder parses a 1,000-record page about 3 times faster than defusedxml's
        # Python one. UTF-8 is forced, so no declared encoding can hide a DOCTYPE from the
        # check above.
        parser = ET.XMLParser(encoding="utf-8")  # noqa: S314 - no DTD, see above
        # In slices: one feed holds the GIL throughout (7-30 ms a 1,000-record page, by machine),
        # which would stall the other threads of a full sync waiting on their sockets.
        for offset in range(0, len(body), FEED_SLICE):
            parser.feed(body[offset : offset + FEED_SLICE])
        return parser.close()
    except defusedxml.DefusedXmlException:
        raise ApiResponseError(
            "answered with XML containing a DTD or entity declarations; refused for safety",
            service="PrestaShop",
        ) from None
    except ET.ParseError:
        raise ApiResponseError("answered with malformed XML", service="PrestaShop") from None


def errors_of(root: ET.Element) -> list[tuple[str, str]]:
    """(code, message) pairs of a `<prestashop><errors>` body; [] when there are none."""
    return [
        ((error.findtext("code") or "").strip(), (error.findtext("message") or "").strip())
        for error in root.iter("error")
    ]


def _text(element: ET.Element) -> str:
    return element.text or ""


def record_to_dict(element: ET.Element) -> dict[str, Any]:
    """One record element (`<order>`) as a dict of strings, `xlink:href` ignored.

    `<associations>` children become lists of dicts; `<name><language id="1">` becomes the
    first language's text; a minimal list entry `<order id="5"/>` becomes {"id": "5"}."""
    record: dict[str, Any] = {}
    for child in element:
        if child.tag == "associations":
            record["associations"] = {
                assoc.tag: [record_to_dict(item) for item in assoc] for assoc in child
            }
        else:
            record[child.tag] = _value(child)
    if "id" in element.attrib and "id" not in record:
        record["id"] = element.attrib["id"]
    return record


def _value(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return _text(element)
    if all(child.tag == "language" for child in children):
        return _text(children[0])
    return record_to_dict(element)


def record_element(root: ET.Element) -> ET.Element:
    """The single record inside `<prestashop>` (e.g. `<order>` of GET /api/orders/5)."""
    for child in root:
        return child
    raise ApiResponseError("answered with an empty <prestashop> document", service="PrestaShop")


def list_to_dicts(root: ET.Element) -> list[dict[str, Any]]:
    """Records of a list response `<prestashop><orders><order/>…</orders></prestashop>`."""
    for container in root:
        return [record_to_dict(item) for item in container]
    return []


# -- writing ------------------------------------------------------------------------------


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    """Set `element`'s content from a scalar, a dict, a list, or {lang_id: text}."""
    for child in list(element):
        element.remove(child)
    element.text = None
    if isinstance(value, Mapping) and value and all(isinstance(k, int) for k in value):
        for lang_id, text in value.items():
            ET.SubElement(element, "language", id=str(lang_id)).text = _as_text(text)
    elif isinstance(value, Mapping):
        for key, sub in value.items():
            _fill(ET.SubElement(element, key), sub)
    elif isinstance(value, list | tuple):
        for item in value:
            _fill(ET.SubElement(element, singular(element.tag)), item)
    else:
        element.text = _as_text(value)


def _document(record: ET.Element) -> bytes:
    root = ET.Element("prestashop")
    root.set("xmlns:xlink", XLINK_NS)
    root.append(record)
    return XML_DECLARATION + ET.tostring(root, encoding="unicode").encode("utf-8")


def dict_to_xml(resource_singular: str, fields: Mapping[str, Any]) -> bytes:
    """Body for POST/PATCH/PUT: `<prestashop xmlns:xlink=…><order_history><id_order>5
    </id_order>…</order_history></prestashop>` with no whitespace inside tags.

    Values: None → empty element, bool → 1/0, dict → nested elements, list → repeated
    singular children (`{"order_rows": [{...}]}`), {1: "a", 2: "b"} → `<language id=..>`."""
    record = ET.Element(resource_singular)
    _fill(record, dict(fields))
    return _document(record)


def _compact(element: ET.Element) -> None:
    """Drop output-only attributes (xlink:href, notFilterable, nodeType…) and indentation."""
    for node in element.iter():
        if node.tag != "language":
            node.attrib.clear()
        else:
            node.attrib = {"id": node.attrib.get("id", "")}
        node.tail = None
        if len(node) and node.text is not None and not node.text.strip():
            node.text = None


def merge_record(
    record: ET.Element, fields: Mapping[str, Any], *, drop: Iterable[str] = ()
) -> bytes:
    """Body for a full PUT: the freshly read `record` with `fields` replaced (or added) and
    read-only `drop` fields removed. Every other field — multilingual texts, associations —
    goes back as is: PUT sets absent fields to NULL (docs/sources.md#prestashop-put-replaces)."""
    merged = copy.deepcopy(record)
    _compact(merged)
    for name in drop:
        for child in merged.findall(name):
            merged.remove(child)
    for name, value in fields.items():
        child = merged.find(name)
        if child is None:
            child = ET.SubElement(merged, name)
        _fill(child, value)
    return _document(merged)
