"""The inbox keeps the delivery body as bytes instead of jsonb (see webhooks/payloads.py).

Existing rows keep their payload: it is re-encoded as JSON into `body` (the original bytes
were never kept, so formatting may differ; the dedupe keys are unchanged, they hash the
canonical payload). Reversible: going back parses `body` into `payload` again, with an
empty object for a body jsonb cannot hold.
"""

import json

from django.db import migrations, models

BATCH = 500


def payload_to_body(apps, schema_editor):
    WebhookEvent = apps.get_model("webhooks", "WebhookEvent")
    batch = []
    for event in WebhookEvent.objects.only("pk", "payload").iterator(chunk_size=BATCH):
        event.body = json.dumps(event.payload, ensure_ascii=False).encode("utf-8")
        batch.append(event)
        if len(batch) == BATCH:
            WebhookEvent.objects.bulk_update(batch, ["body"])
            batch = []
    WebhookEvent.objects.bulk_update(batch, ["body"])


def _jsonb_storable(body: bytes) -> dict:
    """The parsed body, or {} when jsonb would refuse it (NaN, NUL, lone surrogates)."""
    try:
        payload = json.loads(body)
        text = json.dumps(payload, allow_nan=False, ensure_ascii=False)
        text.encode("utf-8")
    except (ValueError, RecursionError, UnicodeError):
        return {}
    return payload if isinstance(payload, dict) and "\\u0000" not in text else {}


def body_to_payload(apps, schema_editor):
    WebhookEvent = apps.get_model("webhooks", "WebhookEvent")
    batch = []
    for event in WebhookEvent.objects.only("pk", "body").iterator(chunk_size=BATCH):
        event.payload = _jsonb_storable(bytes(event.body))
        batch.append(event)
        if len(batch) == BATCH:
            WebhookEvent.objects.bulk_update(batch, ["payload"])
            batch = []
    WebhookEvent.objects.bulk_update(batch, ["payload"])


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookevent",
            name="body",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="webhookevent",
            name="payload",
            field=models.JSONField(null=True),
        ),
        migrations.RunPython(payload_to_body, body_to_payload),
        migrations.RemoveField(model_name="webhookevent", name="payload"),
    ]
