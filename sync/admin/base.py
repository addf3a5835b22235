"""What the sync engine's admin screens share."""

from collections.abc import Callable

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from prestapicqer.display import PlainNamesAdmin


class ReadOnlyAdmin(PlainNamesAdmin):
    """Rows the engine writes: the admin views and deletes them, never adds or edits."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class InternalAdmin(ReadOnlyAdmin):
    """The engine's own bookkeeping (loop guard, poll cursors, heartbeats): shown to
    superusers only; operators read the activity log, order links and sync runs."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


def app_list_with_internals(site: AdminSite) -> Callable:
    """`site.get_app_list` with the InternalAdmin tables (superusers only) moved out of their
    app's section into one "Internals" section at the bottom, on the index and in the
    sidebar, so the sections above hold what operators use. An app's own page (`app_label`
    given) keeps all its tables."""
    get_app_list = site.get_app_list

    def app_list(request: HttpRequest, app_label: str | None = None) -> list[dict]:
        apps = get_app_list(request, app_label)
        if app_label is not None:
            return apps
        internals, internals_url = [], ""
        for app in apps:
            moved = [
                m
                for m in app["models"]
                if isinstance(site.get_model_admin(m["model"]), InternalAdmin)
            ]
            if moved:
                internals += moved
                internals_url = app["app_url"]  # that app's page lists them too
                app["models"] = [m for m in app["models"] if m not in moved]
        apps = [app for app in apps if app["models"]]
        if internals:
            apps.append(
                {
                    "name": _("Internals"),
                    "app_label": "internals",
                    "app_url": internals_url,
                    "has_module_perms": True,
                    "models": sorted(internals, key=lambda m: str(m["name"])),
                }
            )
        return apps

    return app_list
