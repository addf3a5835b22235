"""The configuration screen (user guide §3) as Django admin pages.

Thin: forms live in forms.py, every remote call and rule in services/. Buttons on a change
page POST to `<id>/run/<button>/` and report back through admin messages.
"""

import json
from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import KEEP_KEY_FIELD, PicqerAccountForm, ShopForm, StatusMappingForm
from .models import PicqerAccount, Shop, StatusMapping
from .services.choices import (
    carrier_provider_match,
    choices_forget,
    choices_refresh,
    shop_choice_lists,
)
from .services.config_io import config_export
from .services.connection import (
    ConnectionResult,
    account_connection_test,
    shop_connection_test,
)
from .services.masking import secret_mask, secrets_scrub
from .services.reachability import public_url_problem
from .services.shops import shop_deletion_blockers, status_mappings_renumber
from .services.webhooks import account_hook_ensure, account_hooks_status

NOT_SAVED = gettext_lazy("Shown after saving.")
# Button key → (label, the permission that allows it; docs/security.md).
BUTTONS = {
    "test_connection": (gettext_lazy("Test connection"), "run_connection_test"),
    "refresh_lists": (gettext_lazy("Refresh lists"), "run_connection_test"),
    "hook_orders": (gettext_lazy("Create / reactivate orders webhook"), "manage_hooks"),
    "hook_stock": (gettext_lazy("Create / reactivate stock webhook"), "manage_hooks"),
}
# The hook buttons sit next to their hook's status, the others at the top of the page.
HOOK_BUTTONS = {"hook_orders": "orders", "hook_stock": "stock"}
GENERAL, ORDERS, SHIPPING, STOCK = (
    gettext_lazy("General"),
    gettext_lazy("Orders"),
    gettext_lazy("Shipping"),
    gettext_lazy("Stock"),
)
WEBHOOKS, ADVANCED = gettext_lazy("Webhooks"), gettext_lazy("Advanced")


def user_may(request, codename: str) -> bool:
    """Whether the user holds prestapicqer.<codename> (superusers hold every permission)."""
    return request.user.has_perm(f"prestapicqer.{codename}")


def fieldsets_swap(fieldsets: list, swaps: dict[str, list[str]]) -> list:
    """`fieldsets` with each field named in `swaps` replaced by the fields it maps to."""
    return [
        (
            title,
            {**opts, "fields": [f for field in opts["fields"] for f in swaps.get(field, [field])]},
        )
        for title, opts in fieldsets
    ]


def copy_box(value: str, *, box_id: str, warning: str = "") -> str:
    """A full-width read-only URL box with a Copy button (change_form.html's script copies
    the box's own text), and `warning` under it."""
    box = format_html(
        '<div class="copy-box"><input type="text" readonly id="{}" value="{}" '
        'class="vTextField copy-box-text"><button type="button" class="button" '
        'data-copy-from="{}">{}</button></div>',
        box_id,
        value,
        box_id,
        _("Copy"),
    )
    if warning:
        box = format_html(
            '{}<ul class="messagelist copy-box-warning"><li class="warning">{}</li></ul>',
            box,
            warning,
        )
    return box


def hook_status_line(obj, kind: str, status: str) -> str:
    """The hook's status with its create/reactivate button next to it, when the user may
    press it (`obj._hook_buttons`, set per request by render_change_form). The button
    submits to the button URL via formaction: a form cannot sit inside the change form."""
    url = getattr(obj, "_hook_buttons", {}).get(kind)
    if not url:
        return status
    label = next(lbl for key, (lbl, _p) in BUTTONS.items() if HOOK_BUTTONS.get(key) == kind)
    return format_html(
        '<span class="hook-status">{}</span> <button type="submit" '
        'class="button hook-button" formaction="{}" formmethod="post" '
        "formnovalidate>{}</button>",
        status,
        url,
        label,
    )


def report(request, results: list[ConnectionResult]) -> None:
    for result in results:
        messages.add_message(
            request, messages.SUCCESS if result.ok else messages.ERROR, result.message
        )


def export_response(data: dict) -> HttpResponse:
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = HttpResponse(json.dumps(data, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="prestapicqer-config-{stamp}.json"'
    return response


class ConfigAdmin(admin.ModelAdmin):
    """Shared: object buttons, https URL fields, and credentials — the write-only keys and the
    addresses they are sent to — editable only with `manage_credentials`, masked otherwise."""

    change_form_template = "admin/prestapicqer/change_form.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    secret_fields: tuple[str, ...] = ()
    # Where the keys go (and where Picqer sends webhooks): changing them is a credential matter.
    address_fields: tuple[str, ...] = ()
    inlines_after_fieldset = ""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_run"
        view = self.admin_site.admin_view(self.run_view)
        return [path("<path:object_id>/run/<str:button>/", view, name=name), *super().get_urls()]

    def run_view(self, request, object_id: str, button: str):
        """POST only: run one button's service on the object, then back to its page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None or button not in BUTTONS:
            raise Http404
        if not (
            self.has_view_or_change_permission(request, obj)
            and user_may(request, BUTTONS[button][1])
        ):
            raise PermissionDenied
        report(request, self.run_button(obj, button))
        return redirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        )

    def run_button(self, obj, button: str) -> list[ConnectionResult]:
        raise NotImplementedError

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            name = f"admin:{self.opts.app_label}_{self.opts.model_name}_run"
            allowed = [
                (key, reverse(name, args=[obj.pk, key]), label)
                for key, (label, codename) in BUTTONS.items()
                if user_may(request, codename)
            ]
            context["object_buttons"] = [
                (url, label) for key, url, label in allowed if key not in HOOK_BUTTONS
            ]
            obj._hook_buttons = {
                HOOK_BUTTONS[key]: url for key, url, _label in allowed if key in HOOK_BUTTONS
            }
        context["inlines_after_fieldset"] = self.inlines_after_fieldset
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_add_permission(self, request) -> bool:
        # A new account or shop is an address and its key: entering them is a credential matter.
        return super().has_add_permission(request) and user_may(request, "manage_credentials")

    def has_run_connection_test_permission(self, request) -> bool:
        return user_may(request, "run_connection_test")

    def get_exclude(self, request, obj=None):
        hidden = () if user_may(request, "manage_credentials") else self.secret_fields
        return (*(super().get_exclude(request, obj) or ()), *hidden)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # Declared form fields survive `exclude`: remove what this user may not post.
        hidden = () if user_may(request, "manage_credentials") else self.secret_fields
        if not (request.user.is_superuser and obj is not None):
            hidden = (*hidden, KEEP_KEY_FIELD)
        for name in hidden:
            form.base_fields.pop(name, None)
        return form

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if user_may(request, "manage_credentials"):
            # The superuser's "keep the key for the new address" box, right under the key.
            extra = {
                name: [name, KEEP_KEY_FIELD]
                for name in self.secret_fields
                if request.user.is_superuser and obj is not None
            }
        else:
            extra = {name: [f"{name}_masked"] for name in self.secret_fields}
        return fieldsets_swap(fieldsets, extra)

    def get_readonly_fields(self, request, obj=None):
        extra = (
            ()
            if user_may(request, "manage_credentials")
            else (*self.address_fields, *(f"{n}_masked" for n in self.secret_fields))
        )
        return (*super().get_readonly_fields(request, obj), *extra)

    @staticmethod
    def hooks_of(account: PicqerAccount) -> dict[str, str]:
        # One Picqer read per page, though two fields show it.
        if not hasattr(account, "_admin_hooks_status"):
            account._admin_hooks_status = account_hooks_status(account=account)
        return account._admin_hooks_status


@admin.register(PicqerAccount)
class PicqerAccountAdmin(ConfigAdmin):
    form = PicqerAccountForm
    secret_fields = ("api_key",)
    address_fields = ("subdomain", "api_base_url", "public_base_url")
    list_display = ("name", "subdomain", "shop_count")
    search_fields = ("name", "subdomain")
    readonly_fields = ("webhook_url_box", "orders_webhook_status", "stock_webhook_status")
    actions = ("test_connection_selected", "export_selected")
    fieldsets = [
        (
            gettext_lazy("General settings"),
            {"fields": ["name", "subdomain", "api_key", "webhook_url_box"]},
        ),
        (
            WEBHOOKS,
            {
                "fields": ["orders_webhook_status", "stock_webhook_status"],
                "description": gettext_lazy(
                    "Picqer calls the Webhook URL on order and stock changes; it must be "
                    "reachable from the internet."
                ),
            },
        ),
        (ADVANCED, {"classes": ["collapse"], "fields": ["api_base_url", "public_base_url"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj else [f for f in fieldsets if f[0] != WEBHOOKS]

    def run_button(self, obj: PicqerAccount, button: str) -> list[ConnectionResult]:
        if button == "test_connection":
            return [account_connection_test(account=obj)]
        if button == "refresh_lists":
            return _refresh_results(obj, lambda: choices_refresh(account=obj))
        return [account_hook_ensure(account=obj, kind=button.removeprefix("hook_"))]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if {"subdomain", "api_key", "api_base_url"} & set(form.changed_data):
            choices_forget(account=obj)

    @admin.display(description=gettext_lazy("Shops"))
    def shop_count(self, obj: PicqerAccount) -> int:
        return obj.shops.count()

    @admin.display(description=gettext_lazy("Webhook URL"))
    def webhook_url_box(self, obj: PicqerAccount) -> str:
        if not obj.pk:
            return NOT_SAVED
        return copy_box(
            obj.webhook_url, box_id="webhook-url", warning=public_url_problem(obj.webhook_url)
        )

    @admin.display(description=gettext_lazy("Picqer orders webhook status"))
    def orders_webhook_status(self, obj: PicqerAccount) -> str:
        return (
            hook_status_line(obj, "orders", self.hooks_of(obj)["orders"]) if obj.pk else NOT_SAVED
        )

    @admin.display(description=gettext_lazy("Picqer stock webhook status"))
    def stock_webhook_status(self, obj: PicqerAccount) -> str:
        return hook_status_line(obj, "stock", self.hooks_of(obj)["stock"]) if obj.pk else NOT_SAVED

    @admin.display(description=gettext_lazy("Picqer API key"))
    def api_key_masked(self, obj: PicqerAccount) -> str:
        return secret_mask(value=obj.api_key) or _("Not set")

    @admin.action(
        description=gettext_lazy("Test connection of the selected accounts"),
        permissions=["run_connection_test"],
    )
    def test_connection_selected(self, request, queryset):
        report(request, [_named(a, account_connection_test(account=a)) for a in queryset])

    @admin.action(description=gettext_lazy("Export selected configuration"))
    def export_selected(self, request, queryset):
        return export_response(config_export(accounts=queryset))


class StatusMappingInline(admin.TabularInline):
    model = StatusMapping
    form = StatusMappingForm
    extra = 1
    verbose_name = gettext_lazy("order status mapping row")
    verbose_name_plural = gettext_lazy(
        "Order status mapping: when Picqer reports a status, set the PrestaShop status (only "
        "if the current one matches, or Any)"
    )


@admin.register(Shop)
class ShopAdmin(ConfigAdmin):
    form = ShopForm
    secret_fields = ("webservice_key",)
    address_fields = ("prestashop_url",)
    inlines = [StatusMappingInline]
    inlines_after_fieldset = ORDERS
    list_display = (
        "name",
        "prefix",
        "account",
        "enabled",
        "orders_enabled",
        "stock_enabled",
        "prestashop_url",
    )
    list_filter = ("account", "enabled")
    search_fields = ("name", "prefix", "prestashop_url")
    readonly_fields = (
        "orders_webhook_status",
        "stock_webhook_status",
        "full_sync_url_box",
        "full_sync_url_masked",
        "carrier_matching",
    )
    actions = ("test_connection_selected", "export_selected")
    fieldsets = [
        (
            GENERAL,
            {
                "fields": [
                    "account",
                    "name",
                    "enabled",
                    "prefix",
                    "prestashop_url",
                    "webservice_key",
                    "prestashop_shop_id",
                ]
            },
        ),
        (
            ORDERS,
            {
                "description": gettext_lazy("Set up the way PrestaPicqer handles orders."),
                "fields": [
                    "orders_enabled",
                    "picqer_tag_ids",
                    "use_shop_price",
                    "create_missing_products",
                    "create_state_ids",
                    "allocate_concept",
                    "processing_state_ids",
                    "cancel_state_ids",
                    "poll_interval_seconds",
                    "orders_webhook_status",
                ],
            },
        ),
        (
            SHIPPING,
            {
                "description": gettext_lazy(
                    "Tracking codes are written to the PrestaShop order's carrier whose name "
                    "equals the Picqer shipping provider's name exactly (case-sensitive)."
                ),
                "fields": ["carrier_matching"],
            },
        ),
        (
            STOCK,
            {
                "description": gettext_lazy(
                    "Set up the way PrestaPicqer updates product stock levels."
                ),
                "fields": [
                    "stock_enabled",
                    "full_sync_on_webhook",
                    "warehouse_ids",
                    "stock_reserve_pending_orders",
                    "stock_write_parallel",
                    "full_sync_url_box",
                    "stock_webhook_status",
                ],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"choice_lists": self._lists(request, obj)})

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        lists = self._lists(request, obj)
        kwargs["form_kwargs"] = {"state_choices": lists["order_states"] if lists else None}
        return kwargs

    def get_inline_instances(self, request, obj=None):
        # The mapping needs the shop's PrestaShop statuses, known only once it is saved.
        return super().get_inline_instances(request, obj) if obj else []

    def _lists(self, request, obj: Shop | None):
        if obj is None:
            return None
        memo = request.__dict__.setdefault("_prestapicqer_lists", {})
        if obj.pk not in memo:
            memo[obj.pk] = shop_choice_lists(shop=obj)
            if request.method == "GET":
                for warning in dict.fromkeys(c.warning for c in memo[obj.pk].values()):
                    if warning:
                        messages.warning(request, warning)
        obj._choice_lists = memo[obj.pk]  # for the read-only carrier list of this page
        return memo[obj.pk]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if {"prestashop_url", "webservice_key", "prestashop_shop_id"} & set(form.changed_data):
            choices_forget(shop=obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is StatusMapping:
            status_mappings_renumber(
                shop=form.instance,
                ordered_ids=[f.instance.pk for f in formset.forms if f.instance.pk],
            )

    def get_deleted_objects(self, objs, request):
        # A shop with linked orders is protected: one line per shop saying why and what to do
        # instead of Django's list of every protected order link.
        blockers = shop_deletion_blockers(shops=objs)
        if blockers:
            return [], {}, set(), blockers
        return super().get_deleted_objects(objs, request)

    def run_button(self, obj: Shop, button: str) -> list[ConnectionResult]:
        if button == "test_connection":
            return [shop_connection_test(shop=obj)]
        if button == "refresh_lists":
            return _refresh_results(obj, lambda: choices_refresh(shop=obj))
        return [account_hook_ensure(account=obj.account, kind=button.removeprefix("hook_"))]

    @admin.display(description=gettext_lazy("Picqer orders webhook status"))
    def orders_webhook_status(self, obj: Shop) -> str:
        return (
            hook_status_line(obj, "orders", self.hooks_of(obj.account)["orders"])
            if obj.pk
            else NOT_SAVED
        )

    @admin.display(description=gettext_lazy("Picqer stock webhook status"))
    def stock_webhook_status(self, obj: Shop) -> str:
        return (
            hook_status_line(obj, "stock", self.hooks_of(obj.account)["stock"])
            if obj.pk
            else NOT_SAVED
        )

    @admin.display(description=gettext_lazy("Carriers and shipping providers"))
    def carrier_matching(self, obj: Shop) -> str:
        lists = getattr(obj, "_choice_lists", None)
        if not obj.pk or lists is None:
            return NOT_SAVED
        carriers, providers = lists["carriers"], lists["shipping_providers"]
        if not carriers.items or not providers.items:
            why = " ".join(w for w in (carriers.warning, providers.warning) if w)
            return _("Unknown until both lists can be read. %(why)s") % {"why": why}
        matched, lone_carriers, lone_providers = carrier_provider_match(
            carriers=carriers, providers=providers
        )
        rows = [("success", _("Tracking codes arrive for"), matched or [_("no carrier")])]
        if lone_carriers:
            rows.append(
                (
                    "warning",
                    _(
                        "PrestaShop carriers without a Picqer shipping provider "
                        "of the same name (their tracking codes never arrive)"
                    ),
                    lone_carriers,
                )
            )
        if lone_providers:
            rows.append(
                (
                    "warning",
                    _(
                        "Picqer shipping providers without a PrestaShop carrier "
                        "of the same name (their tracking codes are not "
                        "written)"
                    ),
                    lone_providers,
                )
            )
        return format_html(
            '<ul class="messagelist carrier-matching">{}</ul>',
            format_html_join(
                "",
                '<li class="{}">{}: {}</li>',
                (
                    (level, title, ", ".join(f"“{n}”" for n in names))
                    for level, title, names in rows
                ),
            ),
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if user_may(request, "reveal_sync_token"):
            return fieldsets
        return fieldsets_swap(fieldsets, {"full_sync_url_box": ["full_sync_url_masked"]})

    @admin.display(description=gettext_lazy("Full stock sync URL"))
    def full_sync_url_box(self, obj: Shop) -> str:
        if not obj.pk:
            return NOT_SAVED
        return copy_box(
            obj.full_sync_url, box_id="full-sync-url", warning=public_url_problem(obj.full_sync_url)
        )

    @admin.display(description=gettext_lazy("Full stock sync URL"))
    def full_sync_url_masked(self, obj: Shop) -> str:
        if not obj.pk:
            return NOT_SAVED
        masked = secrets_scrub(text=obj.full_sync_url, secrets=[obj.full_sync_token])
        box = copy_box(
            masked, box_id="full-sync-url", warning=public_url_problem(obj.full_sync_url)
        )
        return format_html(
            '{}<div class="help">{}</div>',
            box,
            _('The token is hidden: seeing it needs the permission "%(permission)s".')
            % {"permission": _("Can see the full stock sync URL with its token")},
        )

    @admin.display(description=gettext_lazy("PrestaShop webservice key"))
    def webservice_key_masked(self, obj: Shop) -> str:
        return secret_mask(value=obj.webservice_key) or _("Not set")

    @admin.action(
        description=gettext_lazy("Test connection of the selected shops"),
        permissions=["run_connection_test"],
    )
    def test_connection_selected(self, request, queryset):
        report(request, [_named(s, shop_connection_test(shop=s)) for s in queryset])

    @admin.action(description=gettext_lazy("Export selected configuration"))
    def export_selected(self, request, queryset):
        return export_response(config_export(shops=queryset))


def _refresh_results(
    obj: PicqerAccount | Shop, refresh: Callable[[], list[str]]
) -> list[ConnectionResult]:
    """Refresh the lists of `obj` (an account, or a shop and its account), unless a key
    cannot be sent: then say why, without calling anyone."""
    problems = [p for o in (obj, getattr(obj, "account", None)) if o and (p := o.key_problem())]
    if problems:
        return [ConnectionResult(False, problem) for problem in problems]
    warnings = refresh()
    if not warnings:
        return [ConnectionResult(True, _("Lists refreshed."))]
    return [ConnectionResult(False, warning) for warning in warnings]


def _named(obj, result: ConnectionResult) -> ConnectionResult:
    return ConnectionResult(result.ok, f"{obj}: {result.message}")
