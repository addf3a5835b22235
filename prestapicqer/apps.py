from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrestaPicqerConfig(AppConfig):
    name = "prestapicqer"
    verbose_name = _("Configuration")

    def ready(self) -> None:
        from django.contrib import admin

        # The one place the admin is named. The default site object stays (its index page is
        # extended by templates/admin/index.html).
        admin.site.site_header = admin.site.site_title = "PrestaPicqer"
        admin.site.index_title = _("Overview")
