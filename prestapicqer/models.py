"""What the operator configures: the settings of the PrestaPicqer user guide, per account and shop.

A PicqerAccount is one Picqer environment (subdomain + API key). Each Shop is one PrestaShop
store (or one shop of a multistore install) sending orders to that account under its own
reference prefix.
"""

import secrets
import uuid
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import AddressBoundSecretField, SecretField
from .services.names import NameBook
from .statuses import PicqerStatus

PREFIX_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9]{1,3}$", _("The prefix is 1 to 3 letters or digits, e.g. PS.")
)
SUBDOMAIN_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
    _("Only the subdomain: for yourcompany.picqer.com enter yourcompany."),
)
PICQER_API_PATH = "/api/v1"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def picqer_api_url_normalise(url: str) -> str:
    """The Picqer API address with its /api/v1/ path: "https://x.picqer.com" and
    "https://x.picqer.com/api/v1" both become "https://x.picqer.com/api/v1/"; "" stays ""."""
    url = (url or "").strip().rstrip("/")
    if not url:
        return ""
    if not url.endswith(PICQER_API_PATH):
        url += PICQER_API_PATH
    return url + "/"


class KeyBoundToAddress(models.Model):
    """A model whose key (`key_field`) is only ever sent to the address it was saved for.

    `key_saved_for` stores that address. While the object points elsewhere — its address was
    changed in memory, or saved without entering the key again — the key reads as None (see
    `AddressBoundSecret`) and saving clears it, so the form asks for it again. Entering the
    key, or a superuser's explicit "keep", binds it to the new address (`key_bind`).
    """

    key_field: ClassVar[str]
    key_label: ClassVar[str]
    address_label: ClassVar[str]

    key_saved_for = models.CharField(
        _("key saved for"),
        max_length=300,
        blank=True,
        editable=False,
        help_text=_("The address the key was saved for; it is never sent anywhere else."),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self.key_is_for_address():
            setattr(self, self.key_field, None)
        self.key_saved_for = self.key_address if getattr(self, self.key_field) else ""
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], self.key_field, "key_saved_for"}
        super().save(*args, **kwargs)

    @property
    def key_address(self) -> str:
        """Where the key is sent: the address it must have been saved for."""
        raise NotImplementedError

    def key_is_for_address(self) -> bool:
        # Not bound yet: a new object (or a cleared key), bound to its address when saved.
        return not self.key_saved_for or self.key_saved_for == self.key_address

    def key_bind(self) -> None:
        """The key now set belongs to the current address (entered for it, or kept for it
        by a superuser)."""
        self.key_saved_for = self.key_address

    def key_problem(self) -> str:
        """Why the key cannot be sent now, in the operator's words; "" when it can."""
        if not self.key_is_for_address():
            return _(
                "The %(key)s was saved for %(saved_for)s, but the %(address)s is now "
                "%(current)s. Enter the key again: a key is only sent to the address it "
                "was saved for."
            ) % {
                "key": self.key_label,
                "saved_for": self.key_saved_for,
                "address": self.address_label,
                "current": self.key_address,
            }
        if not getattr(self, self.key_field):
            return _("No %(key)s is stored. Enter it in the General settings.") % {
                "key": self.key_label
            }
        return ""


class PicqerAccount(KeyBoundToAddress):
    key_field = "api_key"
    key_label = _("Picqer API key")
    address_label = _("Picqer API address")

    name = models.CharField(_("name"), max_length=100, unique=True)
    subdomain = models.CharField(
        _("Picqer subdomain"),
        max_length=63,
        blank=True,
        validators=[SUBDOMAIN_VALIDATOR],
        help_text=_(
            "The subdomain of your Picqer URL: for yourcompany.picqer.com enter yourcompany."
        ),
    )
    api_key = AddressBoundSecretField(
        _("Picqer API key"),
        max_length=200,
        null=True,
        help_text=_("Settings > API keys in Picqer. Needs write permission."),
    )
    api_base_url = models.URLField(
        _("API base URL override"),
        blank=True,
        help_text=_(
            "Leave blank for https://{subdomain}.picqer.com/api/v1/. With or without "
            "/api/v1/. Only for tests and the sandbox."
        ),
    )
    public_base_url = models.URLField(
        _("public base URL"),
        blank=True,
        help_text=_(
            "The address at which Picqer and cron reach this service, e.g. "
            "https://sync.example.com. Blank = the PUBLIC_BASE_URL setting."
        ),
    )
    # Public, unguessable part of the webhook URL; identifies the account, proves nothing.
    webhook_key = models.UUIDField(
        _("webhook key"), default=uuid.uuid4, unique=True, editable=False
    )
    webhook_secret = SecretField(
        _("webhook secret"),
        max_length=200,
        default=new_token,
        help_text=_("Secret Picqer signs webhooks with."),
    )
    orders_hook_id = models.PositiveIntegerField(
        _("orders webhook id"), null=True, blank=True, editable=False
    )
    stock_hook_id = models.PositiveIntegerField(
        _("stock webhook id"), null=True, blank=True, editable=False
    )
    alert_emails = models.TextField(
        _("alert e-mails"),
        blank=True,
        help_text=_(
            "Who gets this account's alert e-mails, comma-separated, besides the "
            "ALERT_EMAILS setting."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("Picqer account")
        verbose_name_plural = _("Picqer accounts")
        # Who may do what beyond view/change (docs/security.md). Superusers have them all.
        permissions = [
            ("manage_credentials", "Can enter keys and change the addresses they are sent to"),
            ("run_connection_test", "Can test connections and refresh lists"),
            ("manage_hooks", "Can create and reactivate the Picqer webhooks"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Stored as the address the key is sent to (and bound to): with its /api/v1/ path.
        self.api_base_url = picqer_api_url_normalise(self.api_base_url)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if not self.subdomain and not self.api_base_url:
            raise ValidationError(
                {
                    "subdomain": _(
                        "Enter the Picqer subdomain, or an API base URL override (Advanced)."
                    )
                }
            )

    @property
    def api_url(self) -> str:
        if self.api_base_url:
            return picqer_api_url_normalise(self.api_base_url)
        return f"https://{self.subdomain}.picqer.com/api/v1/"

    @property
    def key_address(self) -> str:
        return self.api_url

    @property
    def base_url(self) -> str:
        return (self.public_base_url or settings.PUBLIC_BASE_URL).rstrip("/")

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}/webhooks/picqer/{self.webhook_key}/"


class Shop(KeyBoundToAddress):
    key_field = "webservice_key"
    key_label = _("PrestaShop webservice key")
    address_label = _("PrestaShop URL")

    account = models.ForeignKey(
        PicqerAccount,
        on_delete=models.PROTECT,
        related_name="shops",
        verbose_name=_("Picqer account"),
    )
    name = models.CharField(_("shop name"), max_length=100)
    enabled = models.BooleanField(
        _("enabled"), default=True, help_text=_("Switch PrestaPicqer on or off for this shop.")
    )
    prefix = models.CharField(
        _("shop identifier prefix"),
        max_length=3,
        default="PS",
        validators=[PREFIX_VALIDATOR],
        help_text=_(
            "1 to 3 characters that identify this shop in Picqer order references. "
            "Do not change it on a running system: existing orders would no longer be "
            "updated."
        ),
    )
    prestashop_url = models.URLField(
        _("PrestaShop URL"), help_text=_("The shop's address, e.g. https://shop.example.com")
    )
    webservice_key = AddressBoundSecretField(
        _("PrestaShop webservice key"),
        max_length=200,
        null=True,
        help_text=_("Advanced Parameters > Webservice in PrestaShop."),
    )
    prestashop_shop_id = models.PositiveIntegerField(
        _("multistore shop id"),
        null=True,
        blank=True,
        help_text=_("Multistore only: the id_shop of this shop."),
    )

    # Orders (user guide: Orders)
    orders_enabled = models.BooleanField(_("enable order status updates"), default=True)
    picqer_tag_ids = models.JSONField(_("apply tags to new orders"), default=list, blank=True)
    use_shop_price = models.BooleanField(_("use PrestaShop product price"), default=False)
    create_missing_products = models.BooleanField(_("create missing products"), default=False)
    create_state_ids = models.JSONField(
        _("create new order in Picqer"),
        default=list,
        blank=True,
        help_text=_("PrestaShop statuses that create the order in Picqer."),
    )
    allocate_concept = models.BooleanField(_('allocate stock for "Concept" orders'), default=False)
    processing_state_ids = models.JSONField(
        _('change Picqer order status to "Processing"'), default=list, blank=True
    )
    cancel_state_ids = models.JSONField(
        _('change Picqer order status to "Cancelled"'), default=list, blank=True
    )
    poll_interval_seconds = models.PositiveIntegerField(
        _("poll interval (seconds)"),
        default=30,
        help_text=_("How often PrestaShop is asked for new orders and status changes."),
    )

    # Stock (user guide: Stock)
    stock_enabled = models.BooleanField(_("enable product stock updates"), default=True)
    full_sync_on_webhook = models.BooleanField(
        _("full catalogue stock sync on webhook"), default=False
    )
    warehouse_ids = models.JSONField(
        _("warehouses that count"),
        default=list,
        blank=True,
        help_text=_("Picqer warehouses whose free stock is summed. None chosen = all."),
    )
    stock_reserve_pending_orders = models.BooleanField(
        _("hold back stock of orders not in Picqer yet"),
        default=True,
        help_text=_(
            "Write Picqer's free stock minus the units of orders PrestaShop has "
            "taken that Picqer does not count yet (e.g. awaiting bank wire), so the "
            "shop never sells them twice."
        ),
    )
    stock_write_parallel = models.PositiveSmallIntegerField(
        _("parallel stock writes"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
        help_text=_(
            "How many stock changes a full sync sends to PrestaShop at the same time "
            "(1-8). Four keep a small shared host comfortable; a shop on a server of its "
            "own can take eight, which halves a sync with many changes."
        ),
    )
    full_sync_token = SecretField(_("full stock sync token"), max_length=200, default=new_token)

    class Meta:
        ordering = ["account__name", "name"]
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "prefix"], name="shop_prefix_unique_per_account"
            ),
        ]
        permissions = [
            ("run_full_sync", "Can run a full stock sync now"),
            ("import_products", "Can create and update products in Picqer from a match report"),
            ("reveal_sync_token", "Can see the full stock sync URL with its token"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def key_address(self) -> str:
        return self.prestashop_url.rstrip("/")

    @property
    def full_sync_url(self) -> str:
        return f"{self.account.base_url}/stock-sync/{self.pk}/?token={self.full_sync_token}"


class StatusMapping(models.Model):
    """One row of the guide's order status mapping table; the first matching row wins."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="status_mappings", verbose_name=_("shop")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    from_state_id = models.PositiveIntegerField(
        _("current PrestaShop status"),
        null=True,
        blank=True,
        help_text=_("Current PrestaShop status; empty = Any."),
    )
    picqer_status = models.CharField(
        _("Picqer status"), max_length=20, choices=PicqerStatus.choices
    )
    to_state_id = models.PositiveIntegerField(
        _("new PrestaShop status"), help_text=_("New PrestaShop status.")
    )

    class Meta:
        ordering = ["shop", "position", "id"]
        verbose_name = _("order status mapping row")
        verbose_name_plural = _("order status mapping")

    def __str__(self) -> str:
        """ "Any + Picqer Completed → Shipped", status names from the cached list."""
        names = NameBook()
        source = (
            names.order_state(shop_id=self.shop_id, state_id=self.from_state_id)
            if self.from_state_id
            else _("Any")
        )
        target = names.order_state(shop_id=self.shop_id, state_id=self.to_state_id)
        return _("%(source)s + Picqer %(status)s → %(target)s") % {
            "source": source,
            "status": self.get_picqer_status_display(),
            "target": target,
        }


class RemoteChoices(models.Model):
    """Cached lists from Picqer/PrestaShop (tags, warehouses, order states…) for admin fields."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    items = models.JSONField(_("items"), default=list)
    fetched_at = models.DateTimeField(_("fetched at"), auto_now=True)

    class Meta:
        verbose_name = _("cached remote list")
        verbose_name_plural = _("cached remote lists")

    def __str__(self) -> str:
        return self.key
