"""Picqer hooks: the /hooks resource and the events that fan out to active hooks."""

from __future__ import annotations

import json

from ..store import Tx
from ..util import now_local
from .http import PicqerError, Req, bad_request, not_found, page

KIND = "picqer.hooks"


def hook_view(hook: dict) -> dict:
    """A hook as the API shows it: the secret only as a flag, never its value."""
    return {
        "idhook": hook["idhook"],
        "name": hook["name"],
        "event": hook["event"],
        "address": hook["address"],
        "active": hook["active"],
        "secret": bool(hook["_secret"]),
    }


def hooks_list(tx: Tx, req: Req) -> tuple[int, list]:
    return 200, page([hook_view(h) for h in tx.all(KIND)], req)


def hook_get(tx: Tx, req: Req, idhook: str) -> tuple[int, dict]:
    return 200, hook_view(_hook(tx, idhook))


def hook_create(tx: Tx, req: Req) -> tuple[int, dict]:
    body = req.json()
    missing = [f for f in ("name", "event", "address") if not body.get(f)]
    if missing:
        raise bad_request(5, f"Missing parameters with POST or PUT: {', '.join(missing)}")
    for other in tx.where(KIND, "address", body["address"]):
        # Picqer refuses a second hook for the same address + event, active or not.
        if other["event"] == body["event"]:
            raise bad_request(5, "Error: Hook already exists")
    hook = tx.insert(
        KIND,
        {
            "idhook": None,
            "name": body["name"],
            "event": body["event"],
            "address": body["address"],
            "active": True,
            "_secret": body.get("secret") or "",
            "_failures": [],
        },
        id_field="idhook",
        start=301,
    )
    return 201, hook_view(hook)


def hook_deactivate(tx: Tx, req: Req, idhook: str) -> tuple[int, dict]:
    """DELETE only deactivates (the hook stays listed with active=false)."""
    hook = _hook(tx, idhook)
    hook["active"] = False
    tx.put(KIND, hook["idhook"], hook)
    return 200, hook_view(hook)


def hook_reactivate(tx: Tx, req: Req, idhook: str) -> tuple[int, dict]:
    hook = _hook(tx, idhook)
    hook["active"], hook["_failures"] = True, []
    tx.put(KIND, hook["idhook"], hook)
    return 200, hook_view(hook)


def event_emit(tx: Tx, *, event: str, data: dict) -> None:
    """Queue a webhook to every active hook of `event`, sent after the transaction commits."""
    from ..runtime import runtime

    deliverer = runtime().deliverer()
    triggered = now_local()
    for hook in tx.where(KIND, "event", event):
        if not hook["active"]:
            continue
        body = json.dumps(
            {
                "idhook": hook["idhook"],
                "name": hook["name"],
                "event": event,
                "event_triggered_at": triggered,
                "data": data,
            }
        ).encode()
        job = {
            "idhook": hook["idhook"],
            "event": event,
            "address": hook["address"],
            "secret": hook["_secret"],
            "body": body,
        }
        tx.on_commit(lambda job=job: deliverer.enqueue(job))


def _hook(tx: Tx, idhook: str) -> dict:
    hook = tx.get(KIND, idhook)
    if hook is None:
        raise not_found("Hook")
    return hook


__all__ = ["PicqerError", "event_emit"]
