"""Issue 14 part 6: the admin and configuration in English and Dutch."""

import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from .conftest import mock_picqer_lists, mock_prestashop_lists

PO = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: flags, msgid, msgid_plural, msgstr / msgstr[n]."""
    return po_entries_from_text(path.read_text(encoding="utf-8"))


def po_entries_from_text(text: str) -> list[dict]:
    entries = []
    for block in text.split("\n\n"):
        entry: dict = {"flags": "", "msgstr": {}}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                text = _unquote(line)
                if key.startswith("msgstr"):
                    entry["msgstr"][key] += text
                else:
                    entry[key] += text
            else:
                key, _space, rest = line.partition(" ")
                if key.startswith("msgstr"):
                    entry["msgstr"][key] = _unquote(rest)
                else:
                    entry[key] = _unquote(rest)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text.strip()[1:-1])


def project_entries() -> list[dict]:
    return [e for e in po_entries(PO) if e["msgid"]]  # the header has an empty msgid


def test_the_dutch_catalogue_translates_every_project_string():
    entries = project_entries()
    assert len(entries) > 250
    empty = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not empty, f"untranslated: {empty[:5]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:5]}"


def test_the_committed_mo_is_compiled_from_the_po():
    """The .mo is committed (no gettext needed to install); it must match the .po."""
    catalogue = gettext.GNUTranslations(MO.open("rb"))
    for entry in project_entries():
        if "msgid_plural" in entry:
            for n, key in ((1, "msgstr[0]"), (2, "msgstr[1]")):
                assert (
                    catalogue.ngettext(entry["msgid"], entry["msgid_plural"], n)
                    == entry["msgstr"][key]
                ), entry["msgid"]
        else:
            assert catalogue.gettext(entry["msgid"]) == entry["msgstr"]["msgstr"], (
                f"{entry['msgid']!r}: run manage.py compilemessages"
            )


def page_texts(page: str) -> list[str]:
    """The labels, help texts and headings a person reads on an admin form."""
    found = re.findall(
        r'<label[^>]*>(.*?)</label>|<div class="help"[^>]*>(.*?)</div>|'
        r"<h2[^>]*>(.*?)</h2>",
        page,
        flags=re.S,
    )
    texts = []
    for groups in found:
        text = re.sub(r"<[^>]+>", "", "".join(groups))
        text = html.unescape(" ".join(text.split())).rstrip(":").strip()
        if text:
            texts.append(text)
    return texts


@pytest.mark.django_db
def test_the_shop_page_in_dutch_shows_no_english_project_label(admin_client, http, shop):
    mock_picqer_lists(http)
    mock_prestashop_lists(http)
    url = reverse("admin:prestapicqer_shop_change", args=[shop.pk])
    english_ids = {
        e["msgid"].rstrip(".")
        for e in project_entries()
        if e["msgstr"].get("msgstr", "").rstrip(".") != e["msgid"].rstrip(".")
    }

    english = page_texts(admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    dutch = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()

    assert '<html lang="nl"' in dutch
    assert {t.rstrip(".") for t in english} & english_ids, "the check must see English texts"
    left_english = [t for t in page_texts(dutch) if t.rstrip(".") in english_ids]
    assert not left_english, f"English on the Dutch page: {left_english}"
    assert "Voorvoegsel webwinkel" in dutch and "Bestellingen" in dutch


@pytest.mark.django_db
def test_the_language_switch_sets_dutch(admin_client):
    index = reverse("admin:index")
    page = admin_client.get(index).content.decode()
    assert f'action="{reverse("set_language")}"' in page and "Nederlands" in page

    response = admin_client.post(reverse("set_language"), {"language": "nl", "next": index})

    assert response.status_code == 302 and response["Location"] == index
    dutch = admin_client.get(index).content.decode()
    assert "<title>Overzicht | PrestaPicqer</title>" in dutch
    assert '<option value="nl" selected>' in dutch
