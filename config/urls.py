from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from sync.views import health

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the admin's language switch
    path(settings.ADMIN_URL, admin.site.urls),
    path("health", health, name="health"),
    path("", include("sync.urls")),
    path("", include("webhooks.urls")),
]
