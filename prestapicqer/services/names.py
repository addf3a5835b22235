"""Names for the ids the engine stores (PrestaShop statuses and carriers, Picqer tags and
warehouses), read from the cached remote lists only.

Admin list pages render many rows: they must never wait for a remote, so a name that is not
cached reads as "status 4" rather than triggering a fetch (services.choices fetches).
"""

from django.apps import apps
from django.utils.translation import gettext as _

from prestapicqer.statuses import PicqerStatus


def choices_key(*, system: str, owner_id: int, kind: str) -> str:
    """Where a list is cached: "picqer:<account id>:tags", "prestashop:<shop id>:carriers"."""
    return f"{system}:{owner_id}:{kind}"


class NameBook:
    """Cached names by list; one database read per list and book. Make one per page."""

    def __init__(self) -> None:
        self._lists: dict[str, dict[int, str]] = {}

    def _names(self, key: str) -> dict[int, str]:
        if key not in self._lists:
            # By name from the app registry: the models' own labels (StatusMapping's) read
            # names through this class, so this module cannot import the models.
            remote_choices = apps.get_model("prestapicqer", "RemoteChoices")
            items = remote_choices.objects.filter(key=key).values_list("items", flat=True).first()
            self._lists[key] = {int(i): str(label) for i, label in items or []}
        return self._lists[key]

    def order_state(self, *, shop_id: int | None, state_id: int | str | None) -> str:
        """The PrestaShop status name, e.g. "Shipped"; "status 4" when not cached."""
        return self.order_state_name(shop_id=shop_id, state_id=state_id) or _("status %(id)s") % {
            "id": state_id
        }

    def order_state_name(self, *, shop_id: int | None, state_id: int | str | None) -> str:
        """The PrestaShop status name, "" when it is not cached."""
        key = choices_key(system="prestashop", owner_id=shop_id or 0, kind="order_states")
        return self._lookup(key, state_id)

    def carrier(self, *, shop_id: int | None, carrier_id: int | str | None) -> str:
        key = choices_key(system="prestashop", owner_id=shop_id or 0, kind="carriers")
        return self._lookup(key, carrier_id) or _("carrier %(id)s") % {"id": carrier_id}

    def tag(self, *, account_id: int | None, tag_id: int | str | None) -> str:
        key = choices_key(system="picqer", owner_id=account_id or 0, kind="tags")
        return self._lookup(key, tag_id) or _("tag %(id)s") % {"id": tag_id}

    def warehouse(self, *, account_id: int | None, warehouse_id: int | str | None) -> str:
        key = choices_key(system="picqer", owner_id=account_id or 0, kind="warehouses")
        return self._lookup(key, warehouse_id) or _("warehouse %(id)s") % {"id": warehouse_id}

    def _lookup(self, key: str, item_id: int | str | None) -> str:
        if item_id is None or not str(item_id).isdigit():
            return ""
        return self._names(key).get(int(item_id), "")


def picqer_status_label(status: str) -> str:
    """ "completed" → "Completed" (translated); an unknown status reads as it came."""
    return str(dict(PicqerStatus.choices).get(status, status or "—"))
