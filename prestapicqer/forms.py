"""Admin forms that read like the PrestaPicqer configuration screen (user guide §3).

Secrets are write-only; multi-selects are filled from cached remote lists (services.choices)
and keep showing stored ids when a remote cannot be reached.
"""

from django import forms
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import PicqerAccount, PicqerStatus, Shop, StatusMapping, picqer_api_url_normalise
from .services.choices import ChoiceList
from .services.masking import secret_mask
from .services.shops import shop_account_change_problem, shop_prefix_problems

SAVE_FIRST = gettext_lazy("Save the shop first: this list is read from %(system)s.")
# How an id missing from its list reads, by list kind.
MISSING_ITEM = {
    "order_states": gettext_lazy("status %(id)s"),
    "tags": gettext_lazy("tag %(id)s"),
    "warehouses": gettext_lazy("warehouse %(id)s"),
}


def formfield_https(db_field: models.Field, **kwargs) -> forms.Field | None:
    """Model field → form field, reading scheme-less URLs as https:// (Django 6 default)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


def http_url(value: str) -> str:
    """Refuse URL schemes other than http(s) (Django's URL validator also allows ftp)."""
    if value and not value.lower().startswith(("http://", "https://")):
        raise forms.ValidationError(_("Use an http:// or https:// address."))
    return value


KEEP_KEY_FIELD = "keep_key_for_new_address"


class SecretFormMixin:
    """Write-only secret fields: never rendered back; blank on change keeps the stored value.

    The model's key belongs to the address it was saved for (`KeyBoundToAddress`): a changed
    address needs the key entered again, or — offered to superusers only — the explicit
    "keep the stored key for the new address" box ticked.
    """

    secret_fields: tuple[str, ...] = ()
    _secrets_entered: frozenset[str] = frozenset()

    def _setup_secrets(self) -> None:
        for name in self.secret_fields:
            if name not in self.fields:
                continue
            field = self.fields[name]
            field.required = False
            # The stored value is never the initial value: not rendered, not "unchanged".
            self.initial[name] = ""
            stored = getattr(self.instance, name, "") if self.instance.pk else ""
            if stored:
                field.help_text = _(
                    "Stored: %(mask)s. Leave blank to keep it (a changed "
                    "address asks for it again). %(help)s"
                ) % {"mask": secret_mask(value=stored), "help": field.help_text}

    def _clean_secrets(self, cleaned: dict) -> None:
        self._secrets_entered = frozenset(n for n in self.secret_fields if cleaned.get(n))
        for name in self.secret_fields:
            if name not in self.fields or name in self.errors or name in (self._meta.exclude or ()):
                continue
            if cleaned.get(name):
                continue
            stored = getattr(self.instance, name, "") if self.instance.pk else ""
            if stored:
                cleaned[name] = stored
            else:
                self.add_error(name, _("Enter the %(label)s.") % {"label": self.fields[name].label})

    def _get_validation_exclusions(self) -> set[str]:
        # The form checks the secrets itself (required, max_length). The model check would
        # read the key through its address binding before _post_clean below rebinds it.
        return {*super()._get_validation_exclusions(), *self.secret_fields}

    def _post_clean(self) -> None:
        super()._post_clean()  # the instance now holds the submitted address
        instance = self.instance
        name = instance.key_field
        if name not in self.fields or instance.key_is_for_address():
            return
        if name in self._secrets_entered or self.cleaned_data.get(KEEP_KEY_FIELD):
            instance.key_bind()
        elif name not in self.errors:
            self.add_error(name, instance.key_problem())


def keep_key_field(*, key_label: str) -> forms.BooleanField:
    return forms.BooleanField(
        label=gettext_lazy("Keep the stored key for the new address"),
        required=False,
        help_text=format_lazy(
            gettext_lazy(
                "Only when you changed the address and the stored {key} belongs to it too. "
                "Otherwise enter the key again: a key is only sent to the address it was saved "
                "for."
            ),
            key=key_label,
        ),
    )


def secret_field(*, label, help_text) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class PicqerAccountForm(SecretFormMixin, forms.ModelForm):
    secret_fields = ("api_key",)

    api_key = secret_field(
        label=gettext_lazy("Picqer API key"),
        help_text=gettext_lazy(
            "In Picqer: Settings > API keys. Generate a key with write permission."
        ),
    )
    keep_key_for_new_address = keep_key_field(key_label=gettext_lazy("Picqer API key"))

    class Meta:
        model = PicqerAccount
        formfield_callback = formfield_https
        fields = ["name", "subdomain", "api_key", "api_base_url", "public_base_url"]
        labels = {
            "name": gettext_lazy("Name"),
            "subdomain": gettext_lazy("Picqer subdomain"),
            "api_base_url": gettext_lazy("API base URL override"),
            "public_base_url": gettext_lazy("Public base URL"),
        }
        help_texts = {
            "subdomain": gettext_lazy(
                "The subdomain of your Picqer URL: for yourcompany.picqer.com enter yourcompany. "
                "Not needed when the API base URL override (Advanced) is set."
            )
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._setup_secrets()

    def clean_subdomain(self) -> str:
        # Operators paste the whole address; keep only "yourcompany" of yourcompany.picqer.com.
        value = (self.cleaned_data["subdomain"] or "").strip().lower()
        value = value.split("://", 1)[-1].split("/", 1)[0]
        return value.removesuffix(".picqer.com")

    def clean_api_base_url(self) -> str:
        # With or without /api/v1/: stored (and the key bound to it) with the path.
        return picqer_api_url_normalise(http_url(self.cleaned_data["api_base_url"]))

    def clean_public_base_url(self) -> str:
        return http_url(self.cleaned_data["public_base_url"])

    def clean(self) -> dict:
        cleaned = super().clean()
        self._clean_secrets(cleaned)
        return cleaned


class RemoteMultipleChoiceField(forms.TypedMultipleChoiceField):
    """Ids chosen from a remote list; stored ids missing from the list stay visible."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(coerce=int, required=False, **kwargs)

    def fill(self, *, choices: ChoiceList | None, stored: list, system: str, kind: str) -> None:
        """Offer `choices` plus the `stored` ids it lacks; explain when the list is missing."""
        items = list(choices.items) if choices else []
        known = {item_id for item_id, _label in items}
        missing = _("not in the current list") if items else _("list unavailable")
        items += [
            (int(i), f"{MISSING_ITEM[kind] % {'id': i}} ({missing})")
            for i in stored or []
            if str(i).isdigit() and int(i) not in known
        ]
        self.choices = items
        if choices is None:
            self.help_text = f"{SAVE_FIRST % {'system': system}} {self.help_text}"
        elif choices.warning:
            self.help_text = f"⚠ {choices.warning} {self.help_text}"


# Form field name → (system, list kind) of the remote list that fills it.
REMOTE_FIELDS = {
    "picqer_tag_ids": ("Picqer", "tags"),
    "create_state_ids": ("PrestaShop", "order_states"),
    "processing_state_ids": ("PrestaShop", "order_states"),
    "cancel_state_ids": ("PrestaShop", "order_states"),
    "warehouse_ids": ("Picqer", "warehouses"),
}


class ShopForm(SecretFormMixin, forms.ModelForm):
    """The shop's General, Orders and Stock settings."""

    secret_fields = ("webservice_key",)
    # Set by the admin per request: {"tags": ChoiceList, "order_states": ..., ...}.
    choice_lists: dict[str, ChoiceList] | None = None

    prefix = forms.CharField(
        label=gettext_lazy("Shop identifier prefix"),
        # Declared fields do not take the model default: a new shop starts with PS.
        initial=Shop._meta.get_field("prefix").default,
        widget=forms.TextInput(attrs={"maxlength": 3, "size": 4}),
        help_text=gettext_lazy(
            "1 to 3 letters or digits that identify this shop in Picqer order references "
            "(e.g. PS). Do not change the shop prefix on a running system; if changed, "
            "existing orders will no longer be updated."
        ),
        error_messages={
            "required": gettext_lazy("Enter a prefix of 1 to 3 letters or digits, e.g. PS.")
        },
    )
    webservice_key = secret_field(
        label=gettext_lazy("PrestaShop webservice key"),
        help_text=gettext_lazy("In PrestaShop: Advanced Parameters > Webservice (32 characters)."),
    )
    keep_key_for_new_address = keep_key_field(key_label=gettext_lazy("PrestaShop webservice key"))
    picqer_tag_ids = RemoteMultipleChoiceField(
        label=gettext_lazy("Apply tags to new orders"),
        help_text=gettext_lazy(
            'Tags from Picqer. Created a tag in Picqer just now? Use "Refresh lists".'
        ),
    )
    create_state_ids = RemoteMultipleChoiceField(
        label=gettext_lazy("Create new order in Picqer"),
        help_text=gettext_lazy(
            "PrestaShop order statuses that create a new order in Picqer, "
            "typically the first status of new orders."
        ),
    )
    processing_state_ids = RemoteMultipleChoiceField(
        label=gettext_lazy('Change Picqer order status to "Processing"'),
        help_text=gettext_lazy(
            'New Picqer orders start as "Concept". To process an order right after creating '
            'it (e.g. "Payment accepted"), choose the status both here and above.'
        ),
    )
    cancel_state_ids = RemoteMultipleChoiceField(
        label=gettext_lazy('Change Picqer order status to "Cancelled"'),
        help_text=gettext_lazy(
            "The Picqer order is forcefully cancelled, even when it was already shipped."
        ),
    )
    warehouse_ids = RemoteMultipleChoiceField(
        label=gettext_lazy("Warehouses"),
        help_text=gettext_lazy(
            "Picqer warehouses whose free stock is sent to PrestaShop. None chosen = all."
        ),
    )
    poll_interval_seconds = forms.IntegerField(
        label=gettext_lazy("Poll interval (seconds)"),
        min_value=10,
        max_value=3600,
        initial=30,
        help_text=gettext_lazy("How often PrestaShop is asked for new orders and status changes."),
    )

    class Meta:
        model = Shop
        formfield_callback = formfield_https
        fields = [
            "account",
            "name",
            "enabled",
            "prefix",
            "prestashop_url",
            "webservice_key",
            "prestashop_shop_id",
            "orders_enabled",
            "picqer_tag_ids",
            "use_shop_price",
            "create_missing_products",
            "create_state_ids",
            "allocate_concept",
            "processing_state_ids",
            "cancel_state_ids",
            "poll_interval_seconds",
            "stock_enabled",
            "full_sync_on_webhook",
            "warehouse_ids",
            "stock_reserve_pending_orders",
            "stock_write_parallel",
        ]
        labels = {
            "account": gettext_lazy("Picqer account"),
            "name": gettext_lazy("Shop name"),
            "enabled": gettext_lazy("Enabled"),
            "prestashop_url": gettext_lazy("PrestaShop URL"),
            "prestashop_shop_id": gettext_lazy("Multistore shop id"),
            "orders_enabled": gettext_lazy("Enable order status updates"),
            "use_shop_price": gettext_lazy("Use PrestaShop product price"),
            "create_missing_products": gettext_lazy("Create missing products"),
            "allocate_concept": gettext_lazy('Allocate stock for "Concept" orders'),
            "stock_enabled": gettext_lazy("Enable product stock updates"),
            "full_sync_on_webhook": gettext_lazy("Full catalogue stock sync on webhook"),
            "stock_write_parallel": gettext_lazy("Parallel stock writes"),
        }
        help_texts = {
            "use_shop_price": gettext_lazy(
                "Send the PrestaShop product price with the order; PrestaPicqer finds the "
                "matching VAT group in Picqer."
            ),
            "create_missing_products": gettext_lazy(
                "Create a product in Picqer (name, price, image, reference as product code, 0 "
                "stock) when an order line has no match. Its stock becomes negative as soon "
                "as the order is created."
            ),
            "allocate_concept": gettext_lazy(
                'Reserve stock for orders while they are "Concept" in Picqer.'
            ),
            "full_sync_on_webhook": gettext_lazy(
                "Sync the full catalogue every time one product's stock changes. Slow on big "
                "catalogues; otherwise only the changed product is updated and a scheduled "
                "call of the full stock sync URL catches up."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._setup_secrets()
        for name, (system, kind) in REMOTE_FIELDS.items():
            if name in self.fields:
                lists = self.choice_lists
                self.fields[name].fill(
                    choices=lists.get(kind) if lists is not None else None,
                    stored=getattr(self.instance, name, []),
                    system=system,
                    kind=kind,
                )

    def clean_prestashop_url(self) -> str:
        return http_url(self.cleaned_data["prestashop_url"])

    def clean_prefix(self) -> str:
        return self.cleaned_data["prefix"].strip()

    def clean(self) -> dict:
        cleaned = super().clean()
        self._clean_secrets(cleaned)
        account = cleaned.get("account")
        if "prefix" in cleaned:
            shop = self.instance if self.instance.pk else None
            for problem in shop_prefix_problems(
                shop=shop, account=account, prefix=cleaned["prefix"]
            ):
                self.add_error("prefix", problem)
        if self.instance.pk and (
            problem := shop_account_change_problem(shop=self.instance, account=account)
        ):
            self.add_error("account", problem)
        return cleaned


class StatusMappingForm(forms.ModelForm):
    """One row: current PrestaShop status (or Any) + Picqer status → new PrestaShop status."""

    from_state_id = forms.TypedChoiceField(
        label=gettext_lazy("Current PrestaShop status"),
        coerce=int,
        empty_value=None,
        required=False,
    )
    # A blank first choice, so the browser's untouched extra row counts as "not filled in".
    picqer_status = forms.ChoiceField(
        label=gettext_lazy("Picqer status"), choices=[("", "---------"), *PicqerStatus.choices]
    )
    to_state_id = forms.TypedChoiceField(label=gettext_lazy("New PrestaShop status"), coerce=int)

    class Meta:
        model = StatusMapping
        fields = ["from_state_id", "picqer_status", "to_state_id"]

    def __init__(self, *args, state_choices: ChoiceList | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        items = list(state_choices.items) if state_choices else []
        known = {item_id for item_id, _label in items}
        for value in (self.instance.from_state_id, self.instance.to_state_id):
            if value is not None and value not in known:
                items.append((value, MISSING_ITEM["order_states"] % {"id": value}))
                known.add(value)
        self.fields["from_state_id"].choices = [("", _("Any")), *items]
        self.fields["to_state_id"].choices = [("", "---------"), *items]
