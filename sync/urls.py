
from . import views

urlpatterns: list = [
    # Filled by the stock and order work: full stock sync URL, poll-now endpoint.
]
_ = views
