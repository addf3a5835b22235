"""Error reports to Sentry (SENTRY_DSN): off by default, and scrubbed like alert mails."""

import json
import os
import subprocess
import sys

from config.sentry import sentry_event_scrub


def test_every_string_of_an_event_is_scrubbed():
    event = {
        "exception": {
            "values": [
                {
                    "type": "ApiAuthError",
                    "value": "GET https://shop.example.com/api/orders?ws_key=QWERTY123456",
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": "Authorization: Basic QUJDREVGR0hJSjEy"}]},
        "extra": {"secret": "django-secret-key-value", "count": 3},
    }
    scrubbed = json.dumps(sentry_event_scrub(event, None, secrets=("django-secret-key-value",)))
    for leak in ("QWERTY123456", "QUJDREVGR0hJSjEy", "django-secret-key-value"):
        assert leak not in scrubbed
    assert '"count": 3' in scrubbed and "ApiAuthError" in scrubbed


def probe(env: dict) -> dict:
    """The Sentry client options a fresh process configures from the environment."""
    code = (
        "import django, json, sentry_sdk; django.setup(); o = sentry_sdk.get_client().options;"
        " print(json.dumps({'dsn': o.get('dsn'), 'locals': o.get('include_local_variables'),"
        " 'pii': o.get('send_default_pii'), 'scrub': o.get('before_send') is not None}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_sentry_is_off_without_a_dsn_and_scrubbing_when_set():
    assert probe({"SENTRY_DSN": ""})["dsn"] is None
    options = probe({"SENTRY_DSN": "https://public@o0.ingest.example.invalid/1"})
    assert options == {
        "dsn": "https://public@o0.ingest.example.invalid/1",
        "locals": False,
        "pii": False,
        "scrub": True,
    }
