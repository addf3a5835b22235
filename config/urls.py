from django.conf import settings
from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

from sync.views import health

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the admin's language switch
    path(settings.ADMIN_URL, admin.site.urls),
    path("health", health, name="health"),
    # The service has no public pages: the root leads to the admin (its login when signed out).
    path("", RedirectView.as_view(url=reverse_lazy("admin:index")), name="root"),
    path("", include("sync.urls")),
    path("", include("webhooks.urls")),
]
