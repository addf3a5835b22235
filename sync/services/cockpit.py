"""The operator's cockpit (the admin index): per-shop figures, a health strip, the problems.

Selectors only: every figure is aggregated in the database with a fixed number of queries
(grouped by shop or account, never one query per row), and nothing calls Picqer or
PrestaShop — remote state is what the last call recorded (`hooks_seen`, the poll cursors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import CharField, Count, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from prestapicqer.models import PicqerAccount, Shop
from sync.health import health_report
from sync.http import ratelimit
from sync.models import ActivityEntry, Alert, OrderLink, PollCursor, SyncRun
from sync.services.charts import Series, hourly_chart_svg
from sync.services.hooks_seen import HooksSeen, hooks_seen
from sync.services.retries import retry_due_text
from webhooks.models import WebhookEvent

# Activity entries that mean "this order now exists in Picqer".
PUSHED_ACTIONS = ("order_created", "order_adopted")
CHART_HOURS = 7 * 24
# An order waiting or in progress this long without a live lease needs a look.
ORDER_GRACE = timedelta(minutes=2)
# A full sync still running after this has lost its worker (as sync.services.stock.full).
SYNC_STALLED_AFTER = timedelta(hours=2)
SYNC_QUEUED_STALLED_AFTER = timedelta(minutes=15)
PROBLEMS_PER_KIND = 50
LAG_SAMPLE = 5000
WEBHOOK_MAX_ATTEMPTS = 8  # webhooks.processing.MAX_ATTEMPTS
_KEY_REFUSED = re.compile(r"\(HTTP 40[13]\b")
_EXCEPTION_PREFIX = re.compile(r"(?<![\w.])[A-Z]\w*(?:Error|Exception|Exceeded): ")

OrderState = OrderLink.State
EventState = WebhookEvent.State


@dataclass(frozen=True)
class OrderFigures:
    pushed_today: int
    pushed_week: int
    waiting: int
    in_progress: int
    in_progress_since: datetime | None  # the oldest order in progress
    failed: int
    last_poll_at: datetime | None
    poll_error: str
    poll_failing_since: datetime | None


@dataclass(frozen=True)
class WebhookFigures:
    """Picqer → shop traffic of the shop's Picqer account."""

    last_hour: int
    last_day: int
    processed_day: int
    failed_day: int
    lag_p50_seconds: float | None
    lag_p95_seconds: float | None
    hooks: dict[str, str]  # {"orders": "active", "stock": "unknown", …}
    hooks_checked_at: datetime | None
    hooks_error: str


@dataclass(frozen=True)
class FullSyncSummary:
    run_id: int
    state: str
    finished_at: datetime | None
    checked: int
    changed: int
    errors: int
    duration_seconds: float | None


@dataclass(frozen=True)
class StockFigures:
    last_product_update_at: datetime | None
    last_product_update: str
    last_full_sync: FullSyncSummary | None


@dataclass(frozen=True)
class ShopPanel:
    shop_id: int
    name: str
    prefix: str
    enabled: bool
    account_name: str
    orders: OrderFigures
    webhooks: WebhookFigures
    stock: StockFigures
    chart_svg: str


@dataclass(frozen=True)
class HealthItem:
    name: str
    ok: bool | None  # None: not known (never recorded)
    detail: str
    remote: bool = False  # Picqer or a shop: "reachable", not "alive"
    process: bool = False  # the worker or beat: "not running", not "unavailable"

    @property
    def state_words(self) -> str:
        if self.ok is None:
            return _("unknown")
        if self.remote:
            return _("reachable") if self.ok else _("unreachable")
        if self.ok:
            return _("alive")
        return _("not running") if self.process else _("unavailable")


@dataclass(frozen=True)
class ProblemAction:
    """A button: POST `fields` to `url` (an existing admin action or view)."""

    label: str
    url: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    kind: str
    what: str
    since: datetime | None
    reason: str
    open_url: str
    actions: list[ProblemAction] = field(default_factory=list)


@dataclass(frozen=True)
class Cockpit:
    now: datetime
    shops: list[ShopPanel]
    health: list[HealthItem]
    problems: list[Problem]
    alerts: list[Alert]


def age_words(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return _("never")
    seconds = int((now - moment).total_seconds())
    if seconds < 120:
        return _("%(n)d s ago") % {"n": seconds}
    if seconds < 7200:
        return _("%(n)d min ago") % {"n": seconds // 60}
    if seconds < 172800:
        return _("%(n)d h ago") % {"n": seconds // 3600}
    return _("%(n)d days ago") % {"n": seconds // 86400}


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M:%S}"


def _admin_action(model: str, action: str, pk: int, label: str) -> ProblemAction:
    """A button running an existing admin changelist action on one row."""
    return ProblemAction(
        label,
        reverse(f"admin:{model}_changelist"),
        {"action": action, "_selected_action": str(pk), "index": "0"},
    )


# --- shared selectors (also used by sync.services.alerts) -------------------------------


def poll_failing_since(*, cursors: list[PollCursor]) -> dict[int, datetime]:
    """Per shop whose last poll failed: when it started failing (the first failure is
    logged once, as `orders_poll_failed`). Falls back to the last poll when not logged."""
    failing = [c for c in cursors if c.last_error]
    if not failing:
        return {}
    first = dict(
        ActivityEntry.objects.filter(
            action="orders_poll_failed", shop_id__in=[c.shop_id for c in failing]
        )
        .values_list("shop_id")
        .annotate(Max("created_at"))
    )
    return {c.shop_id: first.get(c.shop_id) or c.last_polled_at or timezone.now() for c in failing}


def key_refused(text: str) -> bool:
    """True for an error the API answered with 401/403: the key is wrong or lacks rights."""
    return bool(_KEY_REFUSED.search(text or ""))


def orders_stuck(*, older_than: datetime, now: datetime, limit: int = PROBLEMS_PER_KIND):
    """Orders waiting or in progress since before `older_than` that no worker holds a live
    lease on (a worker died, or the task waits for a retry), oldest first."""
    return (
        OrderLink.objects.select_related("shop")
        .filter(state__in=[OrderState.PENDING, OrderState.PUSHING], updated_at__lt=older_than)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("updated_at")[:limit]
    )


def orders_retrying(*, now: datetime, limit: int = PROBLEMS_PER_KIND):
    """Orders whose last try failed for a reason that may pass and that wait for their
    scheduled retry (no worker holds them now), the soonest retry first. Listed at once,
    not after ORDER_GRACE, with the reason (docs/sources.md#design-failures-visible)."""
    return (
        OrderLink.objects.select_related("shop")
        .filter(state__in=[OrderState.PENDING, OrderState.PUSHING], next_attempt_at__isnull=False)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")[:limit]
    )


def orders_failed(*, limit: int = PROBLEMS_PER_KIND):
    return (
        OrderLink.objects.select_related("shop")
        .filter(state=OrderState.FAILED)
        .order_by("-updated_at")[:limit]
    )


def sync_runs_latest(*, shop_ids: list[int]) -> dict[int, SyncRun]:
    """The newest full sync run of each shop (one query)."""
    newest = SyncRun.objects.filter(shop_id=OuterRef("shop_id")).order_by("-created_at", "-id")
    runs = SyncRun.objects.filter(shop_id__in=shop_ids, pk=Subquery(newest.values("pk")[:1]))
    return {run.shop_id: run for run in runs}


def sync_run_stalled(run: SyncRun, now: datetime) -> bool:
    if run.state == SyncRun.State.RUNNING:
        return bool(run.started_at and now - run.started_at > SYNC_STALLED_AFTER)
    if run.state == SyncRun.State.QUEUED:
        return now - run.created_at > SYNC_QUEUED_STALLED_AFTER
    return False


# --- per-shop panels --------------------------------------------------------------------


def _hours(now: datetime) -> list[datetime]:
    """The chart's slots: the starts of the last CHART_HOURS hours, in UTC (the buckets)."""
    start = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return [start - timedelta(hours=CHART_HOURS - 1 - i) for i in range(CHART_HOURS)]


def _utc_hour(field_name: str) -> Substr:
    """ "YYYY-MM-DD HH" of a timestamp in UTC, as text. Not TruncHour: SQLite evaluates that
    in Python once per row (3.8 s for 66k rows); the text of a timestamp is native on SQLite
    and PostgreSQL (whose connection Django keeps in UTC)."""
    return Substr(Cast(field_name, output_field=CharField()), 1, 13)


def _per_hour(queryset, *, group: str, stamp: str, hours: list[datetime]) -> dict[int, list]:
    """Counts per `group` value and hour slot, aggregated in the database."""
    index = {f"{hour:%Y-%m-%d %H}": i for i, hour in enumerate(hours)}
    counts: dict[int, list[int]] = {}
    rows = queryset.annotate(hour=_utc_hour(stamp)).values(group, "hour").annotate(n=Count("id"))
    for row in rows:
        slot = index.get(row["hour"])
        if slot is not None:
            counts.setdefault(row[group], [0] * len(hours))[slot] += row["n"]
    return counts


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _lag_percentiles(account_ids: list[int], since: datetime) -> dict[int, tuple]:
    """p50/p95 seconds from received to processed, per account, over the day's newest
    LAG_SAMPLE done events (a bounded read however busy the day was)."""
    result = {}
    for account_id in account_ids:
        rows = (
            WebhookEvent.objects.filter(
                account_id=account_id,
                state=EventState.DONE,
                received_at__gte=since,
                processed_at__isnull=False,
            )
            .order_by("-received_at")
            .values_list("received_at", "processed_at")[:LAG_SAMPLE]
        )
        lags = sorted((done - received).total_seconds() for received, done in rows)
        if lags:
            result[account_id] = (_percentile(lags, 0.50), _percentile(lags, 0.95))
    return result


def _webhook_figures(account_ids: list[int], now: datetime) -> dict[int, dict]:
    day, hour = now - timedelta(days=1), now - timedelta(hours=1)
    rows = (
        WebhookEvent.objects.filter(account_id__in=account_ids, received_at__gte=day)
        .values("account_id")
        .annotate(
            last_day=Count("id"),
            last_hour=Count("id", filter=Q(received_at__gte=hour)),
            processed_day=Count("id", filter=Q(state__in=[EventState.DONE, EventState.IGNORED])),
            failed_day=Count("id", filter=Q(state=EventState.FAILED)),
        )
    )
    return {row.pop("account_id"): row for row in rows}


def _hooks_figures(seen: HooksSeen | None) -> dict:
    if seen is None:
        return {
            "hooks": {"orders": "unknown", "stock": "unknown"},
            "hooks_checked_at": None,
            "hooks_error": "",
        }
    states = seen.states if seen.ok else {"orders": "unknown", "stock": "unknown"}
    return {"hooks": states, "hooks_checked_at": seen.checked_at, "hooks_error": seen.error}


def shop_panels(*, now: datetime) -> list[ShopPanel]:
    shops = list(Shop.objects.select_related("account").order_by("account__name", "name"))
    if not shops:
        return []
    shop_ids = [s.pk for s in shops]
    account_ids = sorted({s.account_id for s in shops})
    hours = _hours(now)
    week = hours[0]
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)

    pushed_rows = ActivityEntry.objects.filter(
        action__in=PUSHED_ACTIONS, shop_id__in=shop_ids, created_at__gte=week
    )
    pushed = {
        row["shop_id"]: row
        for row in pushed_rows.values("shop_id").annotate(
            week=Count("id"), today=Count("id", filter=Q(created_at__gte=today))
        )
    }
    pushed_hourly = _per_hour(pushed_rows, group="shop_id", stamp="created_at", hours=hours)
    events_hourly = _per_hour(
        WebhookEvent.objects.filter(account_id__in=account_ids, received_at__gte=week),
        group="account_id",
        stamp="received_at",
        hours=hours,
    )

    links: dict[int, dict] = {}
    for row in (
        OrderLink.objects.filter(
            shop_id__in=shop_ids,
            state__in=[OrderState.PENDING, OrderState.PUSHING, OrderState.FAILED],
        )
        .values("shop_id", "state")
        .annotate(n=Count("id"), oldest=Min("updated_at"))
    ):
        links.setdefault(row["shop_id"], {})[row["state"]] = row

    cursors = list(PollCursor.objects.filter(shop_id__in=shop_ids))
    failing_since = poll_failing_since(cursors=cursors)
    cursors_by_shop = {c.shop_id: c for c in cursors}
    events = _webhook_figures(account_ids, now)
    lags = _lag_percentiles(account_ids, now - timedelta(days=1))
    seen = hooks_seen(account_ids=account_ids)
    last_updates = {
        row["shop_id"]: row
        for row in (
            ActivityEntry.objects.filter(action="stock_updated", shop_id__in=shop_ids)
            .values("shop_id")
            .annotate(at=Max("created_at"))
        )
    }
    messages = {
        (e.shop_id, e.created_at): e.message
        for e in ActivityEntry.objects.filter(
            action="stock_updated",
            shop_id__in=list(last_updates),
            created_at__in=[row["at"] for row in last_updates.values()],
        )
    }
    newest_done = SyncRun.objects.filter(shop_id=OuterRef("shop_id"), state=SyncRun.State.DONE)
    full_runs = {
        run.shop_id: run
        for run in SyncRun.objects.filter(
            shop_id__in=shop_ids,
            pk=Subquery(newest_done.order_by("-finished_at", "-id").values("pk")[:1]),
        )
    }

    local_hours = [timezone.localtime(hour) for hour in hours]
    panels = []
    for shop in shops:
        states = links.get(shop.pk, {})
        cursor = cursors_by_shop.get(shop.pk)
        pushing = states.get(OrderState.PUSHING, {})
        orders = OrderFigures(
            pushed_today=pushed.get(shop.pk, {}).get("today", 0),
            pushed_week=pushed.get(shop.pk, {}).get("week", 0),
            waiting=states.get(OrderState.PENDING, {}).get("n", 0),
            in_progress=pushing.get("n", 0),
            in_progress_since=pushing.get("oldest"),
            failed=states.get(OrderState.FAILED, {}).get("n", 0),
            last_poll_at=cursor.last_polled_at if cursor and not cursor.last_error else None,
            poll_error=cursor.last_error if cursor else "",
            poll_failing_since=failing_since.get(shop.pk),
        )
        lag = lags.get(shop.account_id, (None, None))
        webhooks = WebhookFigures(
            **{
                "last_hour": 0,
                "last_day": 0,
                "processed_day": 0,
                "failed_day": 0,
                **events.get(shop.account_id, {}),
            },
            lag_p50_seconds=lag[0],
            lag_p95_seconds=lag[1],
            **_hooks_figures(seen.get(shop.account_id)),
        )
        update = last_updates.get(shop.pk)
        stock = StockFigures(
            last_product_update_at=update["at"] if update else None,
            last_product_update=messages.get((shop.pk, update["at"]), "") if update else "",
            last_full_sync=_full_sync_summary(full_runs.get(shop.pk)),
        )
        chart = hourly_chart_svg(
            hours=local_hours,
            title=_("%(shop)s: last 7 days per hour") % {"shop": shop.name},
            series=[
                Series(
                    _("orders pushed"),
                    "orders",
                    "#417690",
                    pushed_hourly.get(shop.pk, [0] * len(hours)),
                ),
                Series(
                    _("webhook events"),
                    "events",
                    "#d2893a",
                    events_hourly.get(shop.account_id, [0] * len(hours)),
                ),
            ],
        )
        panels.append(
            ShopPanel(
                shop.pk,
                shop.name,
                shop.prefix,
                shop.enabled,
                shop.account.name,
                orders,
                webhooks,
                stock,
                chart,
            )
        )
    return panels


def _full_sync_summary(run: SyncRun | None) -> FullSyncSummary | None:
    if run is None:
        return None
    duration = None
    if run.started_at and run.finished_at:
        duration = (run.finished_at - run.started_at).total_seconds()
    return FullSyncSummary(
        run.pk, run.state, run.finished_at, run.checked, run.changed, run.errors, duration
    )


# --- health strip -----------------------------------------------------------------------


def health_strip(*, now: datetime) -> list[HealthItem]:
    report = health_report()
    items = []
    names = {
        "database": _("Database"),
        "broker": _("Broker"),
        "worker": _("Worker"),
        "beat": _("Beat"),
    }
    for name, label in names.items():
        part = report[name]
        process = name in ("worker", "beat")
        # /health's own words first: they tell a busy worker from a dead one.
        detail = part.get("detail") or part.get("transport") or part.get("vendor") or ""
        if not detail and "age_seconds" in part:
            detail = _("last seen %(n)d s ago") % {"n": int(part["age_seconds"])}
        elif process and not part["ok"]:
            detail = _("never seen")
        items.append(
            HealthItem(label, part["ok"], detail or part.get("error", ""), process=process)
        )
    accounts = list(PicqerAccount.objects.order_by("name"))
    seen = hooks_seen(account_ids=[a.pk for a in accounts])
    limit = settings.PICQER_RATE_LIMIT_PER_MINUTE
    for account in accounts:
        record = seen.get(account.pk)
        used = ratelimit.window_used(f"picqer:{account.pk}")
        budget = _("%(share)d %% of this minute's %(limit)d requests used") % {
            "share": round(100 * used / limit),
            "limit": limit,
        }
        if record is None:
            items.append(
                HealthItem(
                    f"Picqer {account.name}",
                    None,
                    _("not checked yet; %(budget)s") % {"budget": budget},
                    remote=True,
                )
            )
        else:
            state = _("answered") if record.ok else record.error
            items.append(
                HealthItem(
                    f"Picqer {account.name}",
                    record.ok,
                    f"{state} {age_words(record.checked_at, now)}; {budget}",
                    remote=True,
                )
            )
    cursors = {c.shop_id: c for c in PollCursor.objects.all()}
    for shop in Shop.objects.filter(enabled=True).order_by("name"):
        cursor = cursors.get(shop.pk)
        if cursor is None or cursor.last_polled_at is None:
            items.append(
                HealthItem(f"PrestaShop {shop.name}", None, _("not polled yet"), remote=True)
            )
        elif cursor.last_error:
            age = age_words(cursor.last_polled_at, now)
            items.append(
                HealthItem(
                    f"PrestaShop {shop.name}", False, f"{cursor.last_error} ({age})", remote=True
                )
            )
        else:
            items.append(
                HealthItem(
                    f"PrestaShop {shop.name}",
                    True,
                    _("answered %(age)s") % {"age": age_words(cursor.last_polled_at, now)},
                    remote=True,
                )
            )
    return items


# --- problems ---------------------------------------------------------------------------


def _order_problem(link: OrderLink, reason: str, actions: list[ProblemAction]) -> Problem:
    return Problem(
        kind="order",
        what=f"{link.shop.prefix} #{link.ps_order_id} / {link.ps_reference}",
        since=link.updated_at,
        reason=reason,
        open_url=reverse("admin:sync_orderlink_change", args=[link.pk]),
        actions=actions,
    )


def _stuck_reason(link: OrderLink, now: datetime) -> str:
    if link.claimed_until and link.claimed_until < now:
        head = _(
            "In progress past its lease (since %(time)s): the worker holding it stopped; "
            "the reconciler takes it over"
        ) % {"time": _local(link.claimed_until)}
    elif link.state == OrderState.PUSHING:
        head = _("Waiting to retry the push to Picqer")
    else:
        head = _("Waiting to be pushed to Picqer")
    attempts = _("; %(n)d create attempt(s) so far") % {"n": link.attempts} if link.attempts else ""
    error = _(". Last error: %(error)s") % {"error": link.last_error} if link.last_error else ""
    return f"{head}{attempts}{error}."


def _order_problems(now: datetime) -> list[Problem]:
    problems = []
    for link in orders_failed():
        problems.append(
            _order_problem(
                link,
                link.last_error or _("Failed (no reason recorded)."),
                [_admin_action("sync_orderlink", "push_again", link.pk, _("Retry now"))],
            )
        )
    retrying = list(orders_retrying(now=now))
    for link in retrying:
        problems.append(
            _order_problem(
                link,
                f"Waiting to retry the push to Picqer: "
                f"{retry_due_text(link.last_error, link.next_attempt_at, now=now)} "
                f"({link.retries} failed attempt(s) so far).",
                [
                    _admin_action("sync_orderlink", "push_again", link.pk, "Retry now"),
                    _admin_action("sync_orderlink", "give_up", link.pk, "Give up"),
                ],
            )
        )
    listed = {link.pk for link in retrying}
    for link in orders_stuck(older_than=now - ORDER_GRACE, now=now):
        if link.pk in listed:
            continue
        problems.append(
            _order_problem(
                link,
                _stuck_reason(link, now),
                [_admin_action("sync_orderlink", "give_up", link.pk, _("Give up"))],
            )
        )
    return problems


def _plain(error: str) -> str:
    """The inbox stores "ApiServerError: Picqer: …"; the operator needs no class name."""
    return _EXCEPTION_PREFIX.sub("", error)


def _event_reason(event: WebhookEvent) -> str:
    if event.state == EventState.FAILED:
        return _("Failed after %(n)d attempt(s): %(error)s") % {
            "n": event.attempts,
            "error": _plain(event.last_error),
        }
    return _("%(error)s; next try at %(time)s, attempt %(attempt)d of %(max)d") % {
        "error": _plain(event.last_error),
        "time": _local(event.available_at),
        "attempt": event.attempts + 1,
        "max": WEBHOOK_MAX_ATTEMPTS,
    }


def _event_problems() -> list[Problem]:
    events = (
        WebhookEvent.objects.select_related("account")
        .filter(Q(state=EventState.FAILED) | Q(state=EventState.PENDING, attempts__gt=0))
        .defer("body")
        .order_by("-received_at")[:PROBLEMS_PER_KIND]
    )
    return [
        Problem(
            kind="webhook",
            what=f"Picqer {event.event} {event.object_ref or '#' + str(event.pk)}",
            since=event.processed_at if event.state == EventState.FAILED else event.received_at,
            reason=_event_reason(event),
            open_url=reverse("admin:webhooks_webhookevent_change", args=[event.pk]),
            actions=[
                _admin_action("webhooks_webhookevent", "process_again", event.pk, _("Retry now"))
            ]
            if event.state == EventState.FAILED
            else [],
        )
        for event in events
    ]


def _sync_run_problems(shops: list[Shop], now: datetime) -> list[Problem]:
    problems = []
    names = {shop.pk: shop.name for shop in shops}
    for shop_id, run in sync_runs_latest(shop_ids=list(names)).items():
        if run.state == SyncRun.State.FAILED:
            reason = _("Full stock sync failed: %(reason)s") % {
                "reason": run.message or _("no reason recorded")
            }
            since = run.finished_at or run.created_at
        elif sync_run_stalled(run, now):
            reason = _("Full stock sync %(state)s since %(age)s and not finished") % {
                "state": run.get_state_display().lower(),
                "age": age_words(run.started_at or run.created_at, now),
            }
            since = run.started_at or run.created_at
        else:
            continue
        problems.append(
            Problem(
                kind="sync_run",
                what=_("Stock sync %(run)s of %(shop)s") % {"run": run.pk, "shop": names[shop_id]},
                since=since,
                reason=reason,
                open_url=reverse("admin:sync_syncrun_change", args=[run.pk]),
                actions=[
                    ProblemAction(
                        _("Retry now"), reverse("admin:sync_syncrun_run_now", args=[shop_id])
                    )
                ],
            )
        )
    return problems


def _account_problems(accounts: list[PicqerAccount]) -> list[Problem]:
    problems = []
    seen = hooks_seen(account_ids=[a.pk for a in accounts])
    for account in accounts:
        record = seen.get(account.pk)
        if record is None:
            continue
        url = reverse("admin:prestapicqer_picqeraccount_change", args=[account.pk])
        if record.key_refused:
            problems.append(
                Problem(
                    "key_refused",
                    _("Picqer account %(name)s") % {"name": account.name},
                    record.checked_at,
                    _("Picqer refused the API key: %(error)s") % {"error": record.error},
                    url,
                )
            )
        for kind, state in record.states.items():
            if state in ("inactive", "missing"):
                problems.append(
                    Problem(
                        "hook",
                        _("Picqer %(kind)s webhook of %(name)s")
                        % {"kind": kind, "name": account.name},
                        record.checked_at,
                        _(
                            "Picqer deactivated it after failed deliveries; the watchdog "
                            "reactivates it"
                        )
                        if state == "inactive"
                        else _(
                            "The webhook does not exist in Picqer; create it on the account page"
                        ),
                        url,
                    )
                )
    return problems


def _poll_problems(shops: list[Shop], now: datetime) -> list[Problem]:
    problems = []
    by_id = {shop.pk: shop for shop in shops}
    cursors = [c for c in PollCursor.objects.filter(shop_id__in=list(by_id)) if c.last_error]
    for shop_id, since in poll_failing_since(cursors=cursors).items():
        shop = by_id[shop_id]
        cursor = next(c for c in cursors if c.shop_id == shop_id)
        url = reverse("admin:prestapicqer_shop_change", args=[shop_id])
        if key_refused(cursor.last_error):
            problems.append(
                Problem(
                    "key_refused",
                    f"PrestaShop {shop.name}",
                    since,
                    _("PrestaShop refused the webservice key: %(error)s")
                    % {"error": cursor.last_error},
                    url,
                )
            )
        elif (now - since).total_seconds() > 2 * shop.poll_interval_seconds:
            problems.append(
                Problem(
                    "poll",
                    _("Order polling of %(name)s") % {"name": shop.name},
                    since,
                    _("Polling has failed since %(time)s: %(error)s")
                    % {"time": _local(since), "error": cursor.last_error},
                    url,
                    [_admin_action("sync_pollcursor", "poll_now", cursor.pk, _("Retry now"))],
                )
            )
    return problems


def problems_list(*, now: datetime) -> list[Problem]:
    """Everything that needs the operator, newest first."""
    shops = list(Shop.objects.filter(enabled=True))
    accounts = list(PicqerAccount.objects.filter(shops__enabled=True).distinct())
    problems = [
        *_order_problems(now),
        *_event_problems(),
        *_sync_run_problems(shops, now),
        *_account_problems(accounts),
        *_poll_problems(shops, now),
    ]
    epoch = datetime.min.replace(tzinfo=now.tzinfo)
    return sorted(problems, key=lambda p: p.since or epoch, reverse=True)


def cockpit_build(*, now: datetime | None = None) -> Cockpit:
    now = now or timezone.now()
    return Cockpit(
        now=now,
        shops=shop_panels(now=now),
        health=health_strip(now=now),
        problems=problems_list(now=now),
        alerts=list(Alert.objects.filter(resolved_at__isnull=True).order_by("-opened_at")[:50]),
    )
