"""Is the service alive? Database, broker, worker and beat, as plain data."""

import json
from datetime import timedelta

from celery import current_app as app
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from .models import Heartbeat

# A worker beats every HEARTBEAT_SECONDS; allow a few missed beats before calling it dead.
HEARTBEAT_SECONDS = 10
STALE_AFTER = timedelta(seconds=HEARTBEAT_SECONDS * 4)
# The worker process's own sign of life (sync.worker_liveness), recorded from a thread
# whatever the queue holds.
WORKER_LIVENESS = "worker-process"


def heartbeat_record(*, name: str, detail: str = "") -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now(), "detail": detail[:200]}
    )


def worker_liveness_record(*, active: int, reserved: int) -> None:
    """The worker process lives, running `active` tasks with `reserved` more taken."""
    heartbeat_record(
        name=WORKER_LIVENESS, detail=json.dumps({"active": active, "reserved": reserved})
    )


def _database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 — health reports, never raises
        return {"ok": False, "error": exc.__class__.__name__}


def _broker_state() -> dict:
    transport = settings.CELERY_BROKER_URL.split(":", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=2)  # one try: health must answer fast
        return {"ok": True, "transport": transport}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "transport": transport, "error": exc.__class__.__name__}


def _age(beat: Heartbeat) -> float:
    return (timezone.now() - beat.seen_at).total_seconds()


def _process_state(beats: dict, name: str) -> dict:
    beat = beats.get(name)
    if beat is None:
        return {"ok": False, "seen_at": None, "detail": "never seen"}
    age = _age(beat)
    return {
        "ok": age < STALE_AFTER.total_seconds(),
        "seen_at": beat.seen_at.isoformat(),
        "age_seconds": round(age, 1),
        "detail": f"heartbeat {age:.0f} s ago",
    }


def _worker_state(beats: dict, *, beat_ok: bool) -> dict:
    """Alive when its heartbeat task ran lately, or, when that task waits in a long queue,
    when the worker process itself lives and is busy: queue latency is not death. An idle
    worker that runs no heartbeat task is not taking tasks (or beat is not sending them)."""
    state = _process_state(beats, "worker")
    if state["ok"]:
        return state
    last_task = (
        "it never ran a heartbeat task"
        if state["seen_at"] is None
        else f"its last heartbeat task ran {state['age_seconds']:.0f} s ago"
    )
    process = beats.get(WORKER_LIVENESS)
    if process is None or _age(process) >= STALE_AFTER.total_seconds():
        state["detail"] = f"{last_task}, and its process gives no sign of life"
        return state
    age = _age(process)
    state["alive_seconds_ago"] = round(age, 1)
    try:
        load = json.loads(process.detail)
        active, reserved = int(load["active"]), int(load["reserved"])
    except (ValueError, KeyError, TypeError):
        active = reserved = 0
    alive = f"alive {age:.0f} s ago per its own liveness signal"
    if active:
        state.update(
            ok=True,
            busy=True,
            detail=(
                f"busy; {alive} ({active} running, {reserved} waiting in the worker); {last_task}"
            ),
        )
    elif not beat_ok:  # beat sends the heartbeat tasks: whether it takes tasks is unknown
        state["detail"] = f"idle; {alive}, but {last_task} and beat, which sends it, is down"
    else:
        state["detail"] = f"not taking tasks: {alive} and idle, but {last_task}; restart the worker"
    return state


def _heartbeats() -> dict:
    try:
        return {beat.name: beat for beat in Heartbeat.objects.all()}
    except DatabaseError:  # e.g. not migrated yet: report "not seen", never a 500
        return {}


def health_report() -> dict:
    """State of every component; `ok` is true only when all of them are."""
    database = _database_state()
    beats = _heartbeats() if database["ok"] else {}
    beat = _process_state(beats, "beat")
    report = {
        "database": database,
        "broker": _broker_state(),
        "worker": _worker_state(beats, beat_ok=beat["ok"]),
        "beat": beat,
    }
    report["ok"] = all(part["ok"] for part in report.values())
    return report
