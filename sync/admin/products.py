"""The product index per Picqer account: its size and age, and its products webhooks."""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from prestapicqer.services.webhooks import account_hook_ensure
from sync.models.products import ProductIndex
from sync.services.hooks import PRODUCT_KINDS

from .base import ReadOnlyAdmin


@admin.register(ProductIndex)
class ProductIndexAdmin(ReadOnlyAdmin):
    list_display = ("account", "size", "age", "changed_at", "hooks_active", "hooks_checked_at")
    readonly_fields = (
        "account",
        "size",
        "age",
        "filled_at",
        "changed_at",
        "hooks_active",
        "hooks_checked_at",
        "trusted_since",
    )
    actions = ["products_hooks_ensure"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("account")
            .annotate(entries=Count("account__product_index_entries"))
        )

    @admin.display(description=_("products"), ordering="entries")
    def size(self, obj: ProductIndex) -> int:
        return obj.entries

    @admin.display(description=_("filled by a full sync"), ordering="filled_at")
    def age(self, obj: ProductIndex) -> str:
        if obj.filled_at is None:
            return gettext("never (filled by the order push and the webhooks only)")
        return gettext("%(age)s ago") % {"age": timesince(obj.filled_at, timezone.now())}

    def has_manage_hooks_permission(self, request) -> bool:
        return request.user.has_perm("prestapicqer.manage_hooks")

    @admin.action(
        description=_("Create / reactivate the products webhooks"), permissions=["manage_hooks"]
    )
    def products_hooks_ensure(self, request, queryset) -> None:
        for index in queryset.select_related("account"):
            for kind in PRODUCT_KINDS:
                result = account_hook_ensure(account=index.account, kind=kind)
                self.message_user(
                    request, result.message, messages.SUCCESS if result.ok else messages.ERROR
                )
