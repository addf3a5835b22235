"""Configuration export/import as JSON: accounts (by name) with their shops (by prefix) and
each shop's status mapping. Secrets are left out unless asked for, and on import are only
written when the file carries them. Each shop's id and full stock sync path (what cron calls)
are exported for reference; ids belong to one installation, so an import matches shops by
prefix and says where a shop's path differs from the file's.
"""

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from encrypted_fields.fields import EncryptedFieldMixin

from prestapicqer.models import PicqerAccount, Shop, StatusMapping

from .shops import shop_prefix_problems

FORMAT = "prestapicqer-config"
VERSION = 1
ACCOUNT_FIELDS = ("name", "subdomain", "api_base_url", "public_base_url")
# The account's link with Picqer (webhook address and hook ids): set when an account is
# created from the file, never changed on an existing one, so importing a staging file into
# production cannot point production's webhooks elsewhere.
ACCOUNT_LINK_FIELDS = ("webhook_key", "orders_hook_id", "stock_hook_id")
ACCOUNT_SECRETS = ("api_key", "webhook_secret")
SHOP_FIELDS = (
    "name",
    "enabled",
    "prefix",
    "prestashop_url",
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
)
SHOP_ID_LISTS = (
    "picqer_tag_ids",
    "create_state_ids",
    "processing_state_ids",
    "cancel_state_ids",
    "warehouse_ids",
)
SHOP_SECRETS = ("webservice_key", "full_sync_token")
# Read-only facts of the exporting installation: accepted on import, never written.
SHOP_EXPORT_ONLY = ("id", "full_sync_path")
MAPPING_FIELDS = ("from_state_id", "picqer_status", "to_state_id")
# Encrypted fields cannot be stored empty: a new account or shop needs its key in the file.
_NEEDS_SECRETS = gettext_lazy(
    "Export with --include-secrets, or create it in the admin first and import again."
)


class ConfigImportError(ValueError):
    """The file cannot be imported; the message says where and why. Nothing was changed."""


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # Things the operator must act on, e.g. a cron job calling a full-sync path that moved.
    notes: list[str] = field(default_factory=list)


def config_export(
    *,
    include_secrets: bool = False,
    accounts: Iterable[PicqerAccount] | None = None,
    shops: Iterable[Shop] | None = None,
) -> dict:
    """The configuration as a JSON-ready dict: all accounts, or the given accounts, or the
    given shops (with their accounts). Secrets only with `include_secrets`."""
    shop_ids = None if shops is None else {shop.pk for shop in shops}
    if accounts is None:
        accounts = PicqerAccount.objects.all()
        if shop_ids is not None:
            accounts = accounts.filter(shops__in=shop_ids).distinct()
    exported = []
    for account in sorted(accounts, key=lambda a: a.name):
        entry = _pick(
            account,
            ACCOUNT_FIELDS + ACCOUNT_LINK_FIELDS,
            ACCOUNT_SECRETS if include_secrets else (),
        )
        entry["webhook_key"] = str(account.webhook_key)
        entry["shops"] = [
            _shop_export(shop, include_secrets)
            for shop in account.shops.order_by("prefix")
            if shop_ids is None or shop.pk in shop_ids
        ]
        exported.append(entry)
    return {"format": FORMAT, "version": VERSION, "accounts": exported}


def config_import_json(*, text: str | bytes) -> ImportSummary:
    """Parse `text` as JSON and import it (see `config_import`)."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigImportError(
            _("The file is not valid JSON: %(error)s") % {"error": exc}
        ) from None
    return config_import(data=data)


@transaction.atomic
def config_import(*, data: Any) -> ImportSummary:
    """Upsert accounts by name and shops by (account, prefix); replace each imported shop's
    status mapping. All or nothing: the first problem raises ConfigImportError."""
    accounts = _envelope_accounts(data)
    summary = ImportSummary()
    for i, account_data in enumerate(accounts):
        where = f"accounts[{i}]"
        account = _account_upsert(_obj(account_data, where), where, summary)
        shops = account_data.get("shops", [])
        if not isinstance(shops, list):
            raise ConfigImportError(
                _("%(where)s.shops: expected a list of shops.") % {"where": where}
            )
        prefixes = [s.get("prefix") for s in shops if isinstance(s, dict)]
        if len(prefixes) != len({str(p).upper() for p in prefixes}):
            raise ConfigImportError(
                _("%(where)s.shops: two shops share a prefix.") % {"where": where}
            )
        for j, shop_data in enumerate(shops):
            _shop_upsert(
                account, _obj(shop_data, f"{where}.shops[{j}]"), f"{where}.shops[{j}]", summary
            )
    return summary


def _shop_export(shop: Shop, include_secrets: bool) -> dict:
    entry = {"id": shop.pk, "full_sync_path": full_sync_path(shop)}
    entry |= _pick(shop, SHOP_FIELDS, SHOP_SECRETS if include_secrets else ())
    entry["status_mappings"] = [_pick(m, MAPPING_FIELDS, ()) for m in shop.status_mappings.all()]
    return entry


def full_sync_path(shop: Shop) -> str:
    """The shop's full stock sync path, without its token (the URL cron calls, minus
    PUBLIC_BASE_URL and ?token=)."""
    return reverse("stock_sync_start", args=[shop.pk])


def _pick(obj: Any, fields: Iterable[str], secrets: Iterable[str]) -> dict:
    return {name: getattr(obj, name) for name in (*fields, *secrets)}


def _envelope_accounts(data: Any) -> list:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigImportError(
            _('Not a PrestaPicqer configuration file (expected "format": "%(format)s").')
            % {"format": FORMAT}
        )
    if data.get("version") != VERSION:
        raise ConfigImportError(
            _(
                "Unsupported configuration version %(version)r; this "
                "installation reads version %(supported)s."
            )
            % {"version": data.get("version"), "supported": VERSION}
        )
    if not isinstance(data.get("accounts"), list):
        raise ConfigImportError(_('"accounts" must be a list.'))
    return data["accounts"]


def _obj(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigImportError(_("%(where)s: expected an object.") % {"where": where})
    return value


def _check_keys(data: dict, allowed: Iterable[str], where: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ConfigImportError(
            _("%(where)s: unknown setting(s) %(names)s.")
            % {"where": where, "names": ", ".join(unknown)}
        )


def _account_upsert(data: dict, where: str, summary: ImportSummary) -> PicqerAccount:
    allowed = (*ACCOUNT_FIELDS, *ACCOUNT_LINK_FIELDS, *ACCOUNT_SECRETS, "shops")
    _check_keys(data, allowed, where)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigImportError(_("%(where)s.name: every account needs a name.") % {"where": where})
    account = PicqerAccount.objects.filter(name=name).first()
    created = account is None
    account = account or PicqerAccount(name=name)
    fields = ACCOUNT_FIELDS + (ACCOUNT_LINK_FIELDS if created else ())
    _assign(account, data, fields, ACCOUNT_SECRETS, where)
    if created and "webhook_key" in data:
        account.webhook_key = _uuid(data["webhook_key"], f"{where}.webhook_key")
    if created and not data.get("api_key"):
        raise ConfigImportError(
            _(
                "%(where)s.api_key: the account %(name)s does not exist here "
                "yet, so the file must carry its API key. %(hint)s"
            )
            % {"where": where, "name": name, "hint": _NEEDS_SECRETS}
        )
    _key_bind(account, data, where)
    _save(account, where)
    (summary.created if created else summary.updated).append(f"account {name}")
    return account


def _shop_upsert(account: PicqerAccount, data: dict, where: str, summary: ImportSummary) -> None:
    _check_keys(data, (*SHOP_FIELDS, *SHOP_SECRETS, *SHOP_EXPORT_ONLY, "status_mappings"), where)
    prefix = data.get("prefix")
    if not isinstance(prefix, str) or not prefix:
        raise ConfigImportError(
            _("%(where)s.prefix: every shop needs a prefix.") % {"where": where}
        )
    for name in SHOP_ID_LISTS:
        if name in data and not _is_id_list(data[name]):
            raise ConfigImportError(
                _("%(where)s.%(name)s: expected a list of numeric ids.")
                % {"where": where, "name": name}
            )
    shop = Shop.objects.filter(account=account, prefix=prefix).first()
    created = shop is None
    problems = shop_prefix_problems(shop=shop, account=account, prefix=prefix)
    if problems:
        raise ConfigImportError(f"{where}.prefix: {' '.join(problems)}")
    shop = shop or Shop(account=account, prefix=prefix)
    _assign(shop, data, SHOP_FIELDS, SHOP_SECRETS, where)
    label = f"shop {account.name}/{prefix}"
    if created and not data.get("webservice_key"):
        raise ConfigImportError(
            _(
                "%(where)s.webservice_key: the shop %(shop)s does not exist "
                "here yet, so the file must carry its webservice key. "
                "%(hint)s"
            )
            % {"where": where, "shop": f"{account.name}/{prefix}", "hint": _NEEDS_SECRETS}
        )
    _key_bind(shop, data, where)
    _save(shop, where)
    _mappings_replace(shop, data.get("status_mappings", []), f"{where}.status_mappings")
    (summary.created if created else summary.updated).append(label)
    path = full_sync_path(shop)
    if data.get("full_sync_path", path) != path:
        summary.notes.append(
            _(
                "%(label)s: its full stock sync URL is %(path)s here (the "
                "file's %(old)s); update the cron job that calls it."
            )
            % {"label": label, "path": path, "old": data["full_sync_path"]}
        )


def _mappings_replace(shop: Shop, rows: Any, where: str) -> None:
    if not isinstance(rows, list):
        raise ConfigImportError(_("%(where)s: expected a list of mappings.") % {"where": where})
    shop.status_mappings.all().delete()
    for position, row in enumerate(rows):
        row_where = f"{where}[{position}]"
        _check_keys(_obj(row, row_where), MAPPING_FIELDS, row_where)
        mapping = StatusMapping(shop=shop, position=position)
        _assign(mapping, row, MAPPING_FIELDS, (), row_where)
        _save(mapping, row_where)


def _assign(obj: Any, data: dict, fields: Iterable[str], secrets: Iterable[str], where: str):
    for name in fields:
        if name in data:
            setattr(obj, name, "" if data[name] is None and _is_text(obj, name) else data[name])
    for name in secrets:
        # A secret absent (or empty) in the file keeps the stored one.
        if data.get(name):
            limit = obj._meta.get_field(name).max_length
            if not isinstance(data[name], str) or len(data[name]) > limit:
                raise ConfigImportError(
                    _("%(where)s.%(name)s: expected text of at most %(limit)d characters.")
                    % {"where": where, "name": name, "limit": limit}
                )
            setattr(obj, name, data[name])


def _key_bind(obj: PicqerAccount | Shop, data: dict, where: str) -> None:
    """A key in the file belongs to the file's address. A changed address without a key is
    refused: the stored key is only ever sent to the address it was saved for."""
    if data.get(obj.key_field):
        obj.key_bind()
    elif not obj.key_is_for_address():
        raise ConfigImportError(
            _("%(where)s.%(field)s: %(problem)s The file must carry the key for the new address.")
            % {"where": where, "field": obj.key_field, "problem": obj.key_problem()}
        )


def _save(obj: Any, where: str) -> None:
    # Encrypted fields are checked in _assign and never passed to full_clean: a failing
    # EncryptedCharField.clean leaves a flag on the (shared) field that stops all later
    # decryption in this process (django-fernet-encrypted-fields 0.4.0).
    secrets = [f.name for f in obj._meta.fields if isinstance(f, EncryptedFieldMixin)]
    try:
        obj.full_clean(exclude=secrets)
        obj.save()
    except ValidationError as exc:
        problems = "; ".join(
            f"{where}.{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items()
        )
        raise ConfigImportError(problems) from None
    except IntegrityError as exc:
        raise ConfigImportError(
            _("%(where)s: conflicts with stored configuration (%(kind)s).")
            % {"where": where, "kind": type(exc).__name__}
        ) from None


def _is_text(obj: Any, name: str) -> bool:
    return obj._meta.get_field(name).get_internal_type() in ("CharField", "TextField")


def _is_id_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, int) and not isinstance(item, bool) and item >= 0 for item in value
    )


def _uuid(value: Any, where: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ConfigImportError(_("%(where)s: not a valid id.") % {"where": where}) from None
