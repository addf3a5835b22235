"""E-mail alerts: conditions computed from the database, each opened once, mailed at most
hourly while open, and closed with one "resolved" mail.

`alerts_evaluate` (beat, every minute) is the only writer of Alert rows. Conditions are
grouped per shop, account or process (one alert for "3 orders failed", not three), so a bad
hour sends a handful of mails, not one per order. Mails never contain a credential: every
text passes `credentials_scrub` with all stored secrets.

Alert texts and mails are written in the site's LANGUAGE_CODE (English by default), whatever
language the worker that evaluates them happens to have active: a mail has no browser to
follow, and the stored alert text must not depend on which process wrote it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from prestapicqer.models import PicqerAccount, Shop
from sync.models import ActivityEntry, Alert, Heartbeat, OrderLink, PollCursor, SyncRun
from sync.scrub import credentials_scrub
from sync.services.cockpit import (
    key_refused,
    orders_failed,
    orders_stuck,
    poll_failing_since,
    sync_runs_latest,
)
from sync.services.hooks_seen import hooks_seen

logger = logging.getLogger("sync.alerts")

MAIL_EVERY = timedelta(hours=1)
ORDER_STUCK_AFTER = timedelta(minutes=15)
POLL_FAILING_AFTER = timedelta(minutes=10)
HEARTBEAT_MISSING_AFTER = timedelta(minutes=5)
# A deactivation the watchdog repaired stays an open alert this long (longer than the
# watchdog's 10-minute period), so it is mailed once and then resolved.
HOOK_DEACTIVATION_WINDOW = timedelta(minutes=15)
LISTED_PER_ALERT = 10

KIND_TITLES = {
    "hook_deactivated": gettext_lazy("Picqer webhook deactivated"),
    "order_failed": gettext_lazy("Orders failed for good"),
    "order_stuck": gettext_lazy("Orders stuck"),
    "poll_failing": gettext_lazy("Order polling failing"),
    "full_sync_failed": gettext_lazy("Full stock sync failed"),
    "heartbeat_missing": gettext_lazy("Process not running"),
    "key_refused": gettext_lazy("API key refused"),
}


@dataclass(frozen=True)
class Condition:
    kind: str
    subject_key: str
    subject: str
    message: str
    since: datetime
    account_id: int | None = None


def _stored_secrets() -> list[str]:
    secrets = []
    for account in PicqerAccount.objects.all():
        secrets += [account.api_key, account.webhook_secret]
    for shop in Shop.objects.all():
        secrets += [shop.webservice_key, shop.full_sync_token]
    # Longest first: a secret containing another must be replaced whole.
    return sorted((s for s in secrets if s), key=len, reverse=True)


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"


def _orders_listed(links: list[OrderLink], describe) -> str:
    lines = [
        f"- {link.shop.prefix} #{link.ps_order_id} / {link.ps_reference}: {describe(link)}"
        for link in links[:LISTED_PER_ALERT]
    ]
    if len(links) > LISTED_PER_ALERT:
        lines.append(
            _("- … and %(n)d more (see the cockpit)") % {"n": len(links) - LISTED_PER_ALERT}
        )
    return "\n".join(lines)


def _per_shop(links: Iterable[OrderLink]) -> dict[int, list[OrderLink]]:
    grouped: dict[int, list[OrderLink]] = {}
    for link in links:
        grouped.setdefault(link.shop_id, []).append(link)
    return grouped


def _order_conditions(now: datetime) -> list[Condition]:
    conditions = []
    for links in _per_shop(orders_failed(limit=200)).values():
        shop = links[0].shop
        conditions.append(
            Condition(
                "order_failed",
                f"shop:{shop.pk}",
                shop.name,
                _(
                    "%(n)d order(s) of %(shop)s failed for good and will not be retried by "
                    "themselves:"
                )
                % {"n": len(links), "shop": shop.name}
                + f"\n{_orders_listed(links, lambda link: link.last_error)}",
                min(link.updated_at for link in links),
                shop.account_id,
            )
        )
    stuck = orders_stuck(older_than=now - ORDER_STUCK_AFTER, now=now, limit=200)
    for links in _per_shop(stuck).values():
        shop = links[0].shop
        conditions.append(
            Condition(
                "order_stuck",
                f"shop:{shop.pk}",
                shop.name,
                _(
                    "%(n)d order(s) of %(shop)s have been waiting or in progress for more "
                    "than %(minutes)d minutes:"
                )
                % {
                    "n": len(links),
                    "shop": shop.name,
                    "minutes": int(ORDER_STUCK_AFTER.total_seconds() // 60),
                }
                + "\n"
                + _orders_listed(
                    links,
                    lambda link: (
                        _("%(state)s since %(time)s")
                        % {"state": link.get_state_display(), "time": _local(link.updated_at)}
                        + (f"; {link.last_error}" if link.last_error else "")
                    ),
                ),
                min(link.updated_at for link in links),
                shop.account_id,
            )
        )
    return conditions


def _shop_conditions(now: datetime) -> list[Condition]:
    shops = {shop.pk: shop for shop in Shop.objects.filter(enabled=True)}
    conditions = []
    cursors = [c for c in PollCursor.objects.filter(shop_id__in=list(shops)) if c.last_error]
    for shop_id, since in poll_failing_since(cursors=cursors).items():
        shop = shops[shop_id]
        error = next(c.last_error for c in cursors if c.shop_id == shop_id)
        if key_refused(error):
            conditions.append(
                Condition(
                    "key_refused",
                    f"shop:{shop_id}",
                    f"PrestaShop {shop.name}",
                    _(
                        "PrestaShop refused the webservice key of %(shop)s: %(error)s\nCheck "
                        "the key and its permissions in PrestaShop (Advanced Parameters > "
                        "Webservice)."
                    )
                    % {"shop": shop.name, "error": error},
                    since,
                    shop.account_id,
                )
            )
        elif now - since > POLL_FAILING_AFTER:
            conditions.append(
                Condition(
                    "poll_failing",
                    f"shop:{shop_id}",
                    shop.name,
                    _(
                        "Polling %(shop)s for orders has failed since %(time)s: %(error)s\n"
                        "New orders are not sent to Picqer until it works again."
                    )
                    % {"shop": shop.name, "time": _local(since), "error": error},
                    since,
                    shop.account_id,
                )
            )
    for shop_id, run in sync_runs_latest(shop_ids=list(shops)).items():
        if run.state == SyncRun.State.FAILED:
            shop = shops[shop_id]
            conditions.append(
                Condition(
                    "full_sync_failed",
                    f"shop:{shop_id}",
                    shop.name,
                    _("Full stock sync %(run)s of %(shop)s failed: %(reason)s")
                    % {"run": run.pk, "shop": shop.name, "reason": run.message},
                    run.finished_at or run.created_at,
                    shop.account_id,
                )
            )
    return conditions


def _account_conditions(now: datetime) -> list[Condition]:
    accounts = {a.pk: a for a in PicqerAccount.objects.filter(shops__enabled=True).distinct()}
    conditions = []
    seen = hooks_seen(account_ids=list(accounts))
    for account_id, record in seen.items():
        if record.key_refused:
            conditions.append(
                Condition(
                    "key_refused",
                    f"account:{account_id}",
                    f"Picqer {accounts[account_id].name}",
                    _(
                        "Picqer refused the API key of %(account)s: %(error)s\n"
                        "Check the key in Picqer (Settings > API keys)."
                    )
                    % {"account": accounts[account_id].name, "error": record.error},
                    record.checked_at,
                    account_id,
                )
            )
    hook_entries: dict[int, list[ActivityEntry]] = {}
    for entry in ActivityEntry.objects.filter(
        action__in=["hook_deactivated", "hook_reactivated"],
        account_id__in=list(accounts),
        created_at__gte=now - HOOK_DEACTIVATION_WINDOW,
    ).order_by("created_at", "id"):
        hook_entries.setdefault(entry.account_id, []).append(entry)
    for account_id, account in accounts.items():
        record = seen.get(account_id)
        inactive = [k for k, s in (record.states if record else {}).items() if s == "inactive"]
        entries = hook_entries.get(account_id, [])
        deactivations = [e for e in entries if e.action == "hook_deactivated"]
        if not (inactive or deactivations):
            continue
        lines = [f"{_local(e.created_at)}: {e.message}" for e in entries]
        lines += [
            _("Picqer reports the %(kind)s webhook inactive.") % {"kind": kind} for kind in inactive
        ]
        conditions.append(
            Condition(
                "hook_deactivated",
                f"account:{account_id}",
                account.name,
                _("Picqer deactivated a webhook of %(account)s after failed deliveries:")
                % {"account": account.name}
                + "\n"
                + "\n".join(lines),
                deactivations[0].created_at if deactivations else record.checked_at,
                account_id,
            )
        )
    return conditions


def _heartbeat_conditions(now: datetime) -> list[Condition]:
    beats = {beat.name: beat.seen_at for beat in Heartbeat.objects.all()}
    conditions = []
    for name in ("worker", "beat"):
        seen_at = beats.get(name)
        if seen_at is None or now - seen_at > HEARTBEAT_MISSING_AFTER:
            message = (
                _(
                    "No heartbeat from the Celery %(name)s since %(time)s. Orders and stock "
                    "are not synchronised while it is down."
                )
                % {"name": name, "time": _local(seen_at)}
                if seen_at
                else _(
                    "No heartbeat from the Celery %(name)s ever. Orders and stock are not "
                    "synchronised while it is down."
                )
                % {"name": name}
            )
            conditions.append(
                Condition(
                    "heartbeat_missing",
                    f"process:{name}",
                    f"Celery {name}",
                    message,
                    seen_at or now,
                )
            )
    return conditions


def alert_conditions(*, now: datetime) -> list[Condition]:
    """Every condition that holds right now."""
    return [
        *_order_conditions(now),
        *_shop_conditions(now),
        *_account_conditions(now),
        *_heartbeat_conditions(now),
    ]


def _recipients(alert: Alert, account_emails: dict[int, str]) -> list[str]:
    extra = account_emails.get(alert.account_id, "") if alert.account_id else ""
    emails = [*settings.ALERT_EMAILS, *(e.strip() for e in extra.split(","))]
    return sorted({e for e in emails if e})


def alert_mail(alert: Alert, *, resolved: bool) -> tuple[str, str]:
    """The subject and body of one alert mail, in the active language (not yet scrubbed)."""
    title = KIND_TITLES.get(alert.kind, alert.kind)
    if resolved:
        subject = _("[PrestaPicqer] Resolved: %(title)s: %(subject)s")
    else:
        subject = _("[PrestaPicqer] %(title)s: %(subject)s")
    subject %= {"title": title, "subject": alert.subject}
    cockpit = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/{settings.ADMIN_URL}"
    if resolved:
        body = _(
            "Resolved at %(resolved)s (open since %(opened)s).\n\nWhat it was:\n%(message)s"
        ) % {
            "resolved": _local(alert.resolved_at),
            "opened": _local(alert.opened_at),
            "message": alert.message,
        }
    else:
        body = _("Since %(opened)s.\n\n%(message)s") % {
            "opened": _local(alert.opened_at),
            "message": alert.message,
        }
    body += "\n\n" + _("The cockpit: %(url)s") % {"url": cockpit} + "\n"
    return subject, body


def _mail(
    alert: Alert, *, resolved: bool, secrets: list[str], account_emails: dict[int, str]
) -> bool:
    """Send one alert mail; False (logged, retried next minute) when it could not be sent."""
    recipients = _recipients(alert, account_emails)
    if not recipients:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = alert_mail(alert, resolved=resolved)
    try:
        send_mail(
            credentials_scrub(subject, secrets=secrets),
            credentials_scrub(body, secrets=secrets),
            None,
            recipients,
        )
    except Exception as exc:  # noqa: BLE001 - a mail server problem must not stop alerting
        logger.error(
            "sync.alerts.mail_failed alert=%s error=%s",
            alert.pk,
            credentials_scrub(str(exc), secrets=secrets),
        )
        return False
    return True


def alerts_evaluate(*, now: datetime | None = None) -> dict[str, int]:
    """Open alerts for new conditions, re-mail open ones hourly, resolve cleared ones.
    Returns counts: opened, mailed, resolved, open."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        conditions = {(c.kind, c.subject_key): c for c in alert_conditions(now=now)}
    open_alerts = {
        (a.kind, a.subject_key): a for a in Alert.objects.filter(resolved_at__isnull=True)
    }
    secrets = _stored_secrets()
    account_emails = dict(PicqerAccount.objects.values_list("pk", "alert_emails"))
    counts = {"opened": 0, "mailed": 0, "resolved": 0}
    for key, condition in conditions.items():
        alert = open_alerts.get(key)
        message = credentials_scrub(condition.message, secrets=secrets)
        if alert is None:
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(
                        kind=condition.kind,
                        subject_key=condition.subject_key,
                        subject=condition.subject[:200],
                        message=message,
                        account_id=condition.account_id,
                        opened_at=now,
                    )
            except IntegrityError:  # another evaluation opened it a moment ago
                continue
            counts["opened"] += 1
        elif alert.message != message:
            alert.message = message
            alert.save(update_fields=["message"])
        due = alert.last_mailed_at is None or now - alert.last_mailed_at >= MAIL_EVERY
        if due and _mail(alert, resolved=False, secrets=secrets, account_emails=account_emails):
            alert.last_mailed_at = now
            alert.save(update_fields=["last_mailed_at"])
            counts["mailed"] += 1
    for key, alert in open_alerts.items():
        if key in conditions:
            continue
        alert.resolved_at = now
        alert.save(update_fields=["resolved_at"])
        counts["resolved"] += 1
        # Only who heard of the problem hears that it is over.
        if alert.last_mailed_at and _mail(
            alert, resolved=True, secrets=secrets, account_emails=account_emails
        ):
            counts["mailed"] += 1
    counts["open"] = len(conditions)
    return counts
