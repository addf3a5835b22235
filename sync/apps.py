from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = _("Synchronisation")

    def ready(self) -> None:
        from django.contrib import admin

        from sync.admin.base import app_list_with_internals

        # The default site stays (templates/admin/index.html extends its index page).
        admin.site.get_app_list = app_list_with_internals(admin.site)
