from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = _("Synchronisation")

    def ready(self) -> None:
        # Imported here, once the app registry is ready (they import models).
        from django.contrib import admin

        from prestapicqer.services.webhooks import account_hook_calls_register
        from sync.admin.base import app_list_with_internals
        from sync.services.hooks import hook_ensure, hooks_status

        # The default site stays (templates/admin/index.html extends its index page).
        admin.site.get_app_list = app_list_with_internals(admin.site)
        # The account page's hook status and buttons call the engine (configuration does not
        # import it: dependencies run one way).
        account_hook_calls_register(status=hooks_status, ensure=hook_ensure)
