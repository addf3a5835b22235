"""Is the service alive? Database, broker, worker and beat, as plain data."""

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from .models import Heartbeat

# A worker beats every HEARTBEAT_SECONDS; allow a few missed beats before calling it dead.
HEARTBEAT_SECONDS = 10
STALE_AFTER = timedelta(seconds=HEARTBEAT_SECONDS * 4)


def heartbeat_record(*, name: str, detail: str = "") -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now(), "detail": detail[:200]}
    )


def _database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 — health reports, never raises
        return {"ok": False, "error": exc.__class__.__name__}


def _broker_state() -> dict:
    from config.celery import app

    transport = settings.CELERY_BROKER_URL.split(":", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=2)  # one try: health must answer fast
        return {"ok": True, "transport": transport}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "transport": transport, "error": exc.__class__.__name__}


def _process_state(beats: dict, name: str) -> dict:
    beat = beats.get(name)
    if beat is None:
        return {"ok": False, "seen_at": None}
    age = (timezone.now() - beat.seen_at).total_seconds()
    return {"ok": age < STALE_AFTER.total_seconds(), "seen_at": beat.seen_at.isoformat(),
            "age_seconds": round(age, 1)}


def _heartbeats() -> dict:
    try:
        return {beat.name: beat for beat in Heartbeat.objects.all()}
    except DatabaseError:  # e.g. not migrated yet: report "not seen", never a 500
        return {}


def health_report() -> dict:
    """State of every component; `ok` is true only when all of them are."""
    database = _database_state()
    beats = _heartbeats() if database["ok"] else {}
    report = {
        "database": database,
        "broker": _broker_state(),
        "worker": _process_state(beats, "worker"),
        "beat": _process_state(beats, "beat"),
    }
    report["ok"] = all(part["ok"] for part in report.values())
    return report
