"""Order routes: the authenticated poll-now endpoint."""

urlpatterns: list = []
