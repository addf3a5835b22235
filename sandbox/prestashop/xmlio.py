"""PrestaShop's XML dialect: CDATA values, xlink:href links, multilang and association blocks."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .schema import Resource

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n'
)
XLINK = "{http://www.w3.org/1999/xlink}href"


class PSError(Exception):
    """A webservice error: HTTP status plus PrestaShop's internal code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def document(inner: str) -> bytes:
    return (HEAD + inner + "</prestashop>\n").encode()


def errors_document(errors: list[tuple[int, str]]) -> bytes:
    items = "".join(
        f"<error>\n<code>{cdata(str(code))}</code>\n<message>{cdata(msg)}</message>\n</error>\n"
        for code, msg in errors
    )
    return document(f"<errors>\n{items}</errors>\n")


def _value_node(res: Resource, name: str, value, base: str, indent: str) -> str:
    attrs = ' notFilterable="true"' if name in res.not_filterable else ""
    if name in res.multilang:
        langs = "".join(
            f'<language id="{lang["id"]}" xlink:href={quoteattr(base + "languages/" + lang["id"])}>'
            f"{cdata(lang['value']) if lang['value'] else ''}</language>"
            for lang in value or []
        )
        return f"{indent}<{name}{attrs}>{langs}</{name}>\n"
    text = "" if value is None else str(value)
    if name in res.links and text not in ("", "0"):
        attrs += f" xlink:href={quoteattr(base + res.links[name] + '/' + text)}"
    return f"{indent}<{name}{attrs}>{cdata(text) if text else ''}</{name}>\n"


def render_record(res: Resource, doc: dict, base: str, display: list | None = None) -> str:
    """One `<order>...</order>`; `display` is None (all) or [(field, subfields|None), ...]."""
    wanted = (
        display
        if display is not None
        else ([(f, None) for f in res.fields] + [(a, None) for a in res.associations])
    )
    body, assoc = [], []
    for name, sub in wanted:
        if name in res.associations:
            assoc.append(
                _render_assoc(res, name, doc.get("associations", {}).get(name, []), base, sub)
            )
        else:
            body.append(_value_node(res, name, doc.get(name, ""), base, "\t"))
    if assoc:
        body.append("<associations>\n" + "".join(assoc) + "</associations>\n")
    return f"<{res.singular}>\n" + "".join(body) + f"</{res.singular}>\n"


def _render_assoc(res: Resource, name: str, rows: list, base: str, sub: list | None) -> str:
    spec = res.associations[name]
    fields = [f for f in spec.fields if sub is None or f in sub]
    attrs = f' nodeType="{spec.node}"' + (
        ' virtualEntity="true"' if spec.virtual else f' api="{spec.api}"'
    )
    out = [f"<{name}{attrs}>\n"]
    for row in rows:
        href = (
            f" xlink:href={quoteattr(base + spec.api + '/' + str(row.get('id')))}"
            if spec.api
            else ""
        )
        out.append(f"\t<{spec.node}{href}>\n")
        for f in fields:
            text = str(row.get(f, ""))
            out.append(f"\t<{f}>{cdata(text) if text else ''}</{f}>\n")
        out.append(f"\t</{spec.node}>\n")
    out.append(f"</{name}>\n")
    return "".join(out)


def render_list(
    res: Resource, docs: list[dict], base: str, display: list | None, minimal: bool
) -> str:
    """`<orders>` with minimal `<order id=".." xlink:href=".."/>` nodes or full records."""
    if minimal:
        items = "".join(
            f'<{res.singular} id="{d["id"]}" '
            f"xlink:href={quoteattr(base + res.name + '/' + str(d['id']))}/>\n"
            for d in docs
        )
    else:
        items = "".join(render_record(res, d, base, display) for d in docs)
    return f"<{res.name}>\n{items}</{res.name}>\n"


def parse_body(raw: bytes, res: Resource) -> dict:
    """The fields present in a write body: {field: str | [{id, value}], "associations": {...}}.

    Only fields that appear in the XML are returned, which is what PUT vs PATCH hinge on.
    """
    if not raw.strip():
        raise PSError(500, 127, "XML error : String could not be parsed as XML\nXML length : 0")
    raw = raw.strip()
    if raw.startswith(b"xml="):  # legacy form-encoded clients; PrestaShop strips it too
        raw = raw[4:]
    try:
        root = fromstring(raw)
    except (ParseError, DefusedXmlException) as exc:
        raise PSError(500, 127, "XML error : String could not be parsed as XML") from exc
    node = root.find(res.singular)
    if node is None:
        raise PSError(400, 127, f"XML error : no <{res.singular}> element found")
    fields: dict = {}
    for child in node:
        if child.tag == "associations":
            fields["associations"] = _parse_assocs(child)
        elif child.tag in res.multilang:
            fields[child.tag] = [
                {"id": lang.get("id", "1"), "value": (lang.text or "")}
                for lang in child.findall("language")
            ] or [{"id": "1", "value": (child.text or "")}]
        else:
            fields[child.tag] = child.text or ""
    return fields


def _parse_assocs(node: Element) -> dict:
    out = {}
    for block in node:
        out[block.tag] = [{f.tag: (f.text or "") for f in row} for row in block]
    return out
