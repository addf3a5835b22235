"""Stock routes: the full stock sync URL and its status page."""

urlpatterns: list = []
