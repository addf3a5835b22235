"""The cockpit and the alert mails in Dutch (issue 14 part 6): the page follows the browser,
the mails the site's LANGUAGE_CODE."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from sync.models import Alert, PollCursor, SyncRun
from sync.services.alerts import alert_mail, alerts_evaluate
from tests.prestapicqer import test_i18n as catalogue

pytestmark = pytest.mark.django_db

COCKPIT_TEMPLATE = "templates/admin/index.html"


def cockpit_msgids() -> dict[str, str]:
    """The cockpit template's msgids (as the .po's references name them) -> Dutch."""
    found = {}
    for block in catalogue.PO.read_text(encoding="utf-8").split("\n\n"):
        if f"{COCKPIT_TEMPLATE}:" not in block:
            continue
        (entry,) = catalogue.po_entries_from_text(block)
        found[entry["msgid"]] = entry["msgstr"]["msgstr"]
    return found


def english_fragments(msgids: dict[str, str]) -> set[str]:
    """What a reader would see of each English msgid: the text between its placeholders,
    for the msgids whose Dutch differs (a name like "Picqer" reads the same in both)."""
    fragments = set()
    for msgid, dutch in msgids.items():
        if msgid == dutch:
            continue
        for part in re.split(r"%\(\w+\)s", msgid):
            part = part.strip(" ():").strip()
            if len(part) > 2 and part not in dutch:
                fragments.add(part)
    return fragments


def visible_texts(page: str) -> list[str]:
    """The text nodes of the cockpit (the part the template writes), whitespace collapsed."""
    start = page.index('<div id="cockpit">')
    cockpit = page[start : page.index('<div class="cockpit-apps">', start)]
    cockpit = re.sub(r"<svg.*?</svg>", "", cockpit, flags=re.S)  # the chart has its own test
    texts = (html.unescape(" ".join(t.split())) for t in re.findall(r">([^<]+)<", cockpit))
    return [t for t in texts if t.strip(" —·()")]


@pytest.fixture
def busy_cockpit(shop, failed_order, pushed, now):
    """Every panel of the cockpit filled: a problem, an open alert, a failing poll, a run."""
    Alert.objects.create(
        kind="order_failed",
        subject_key=f"shop:{shop.pk}",
        subject=shop.name,
        message="1 order(s) of Dev shop failed for good",
        opened_at=now - timedelta(minutes=5),
    )
    PollCursor.objects.create(
        shop=shop, last_polled_at=now - timedelta(minutes=3), last_error="Timed out"
    )
    SyncRun.objects.create(
        shop=shop,
        state=SyncRun.State.DONE,
        started_at=now - timedelta(minutes=9),
        finished_at=now - timedelta(minutes=8),
        checked=10,
        changed=2,
    )


def cockpit_page(client, language: str) -> str:
    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_the_cockpit_in_dutch_shows_no_english_string_of_its_template(admin_client, busy_cockpit):
    fragments = english_fragments(cockpit_msgids())
    assert len(fragments) > 30, "the cockpit template's strings are in the catalogue"

    def english_in(page: str) -> set[str]:
        texts = visible_texts(page)
        return {f for f in fragments for text in texts if f == text or f"{f} " in f"{text} "}

    english = english_in(cockpit_page(admin_client, "en"))
    dutch_page = cockpit_page(admin_client, "nl")

    assert len(english) > 20, f"the check must see the English page's texts: {english}"
    assert '<html lang="nl"' in dutch_page
    assert not english_in(dutch_page), f"English on the Dutch cockpit: {english_in(dutch_page)}"
    for dutch in (
        "Status van de dienst",
        "Aandacht nodig (",
        "Openstaande waarschuwingen",
        "Vandaag verstuurd",
        "Laatste volledige synchronisatie",
    ):
        assert dutch in dutch_page


def test_the_cockpit_services_speak_dutch_too(admin_client, busy_cockpit):
    page = cockpit_page(admin_client, "nl")
    assert "Nu opnieuw proberen" in page  # the failed order's button
    assert "min geleden" in page  # age words
    assert "Orderwebhook" in page and "onbekend" in page  # hook rows and their state


def test_an_alert_mail_is_translatable(shop, now):
    alert = Alert(
        kind="order_failed", subject="Dev shop", message="…", opened_at=now, resolved_at=now
    )
    with translation.override("nl"):
        subject, body = alert_mail(alert, resolved=False)
        resolved_subject, resolved_body = alert_mail(alert, resolved=True)

    assert subject == "[PrestaPicqer] Bestellingen definitief mislukt: Dev shop"
    assert body.startswith("Sinds ") and "Het overzicht: " in body
    assert resolved_subject.startswith("[PrestaPicqer] Opgelost: ")
    assert "Wat er aan de hand was:" in resolved_body


def test_alert_mails_follow_the_site_language_not_the_worker(settings, failed_order, mailoutbox):
    settings.ALERT_EMAILS = ["ops@example.com"]
    with translation.override("nl"):  # whatever a worker happens to have active
        alerts_evaluate(now=timezone.now())
    assert [m.subject for m in mailoutbox] == [
        "[PrestaPicqer] Orders failed for good: Dev shop",
        "[PrestaPicqer] Process not running: Celery worker",
        "[PrestaPicqer] Process not running: Celery beat",
    ]
    assert "failed for good and will not be retried" in mailoutbox[0].body

    mailoutbox.clear()
    Alert.objects.all().delete()
    settings.LANGUAGE_CODE = "nl"
    alerts_evaluate(now=timezone.now())
    assert mailoutbox[0].subject == "[PrestaPicqer] Bestellingen definitief mislukt: Dev shop"
    assert "zijn definitief mislukt" in mailoutbox[0].body
