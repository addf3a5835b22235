"""Whether Picqer (or a cron service on the internet) can call an address of this service.

A warning, never a refusal: a sandbox or a test install legitimately runs on localhost.
The host is judged as written, without DNS lookups (rendering a page must not wait on one).
"""

import ipaddress
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

LOCAL_NAMES = ("localhost", "localhost.localdomain")


def public_url_problem(url: str) -> str:
    """Why an internet service cannot call `url` (not https, a local or private host), in the
    operator's words; "" when nothing is wrong that can be seen from the URL itself."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    problems = []
    if parts.scheme != "https":
        problems.append(_("it is not https (Picqer only calls https addresses)"))
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        problems.append(
            _("%(host)s is this computer, not an address on the internet") % {"host": host}
        )
    else:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if address is not None and (address.is_loopback or address.is_unspecified):
            problems.append(
                _("%(host)s is this computer, not an address on the internet") % {"host": host}
            )
        elif address is not None and (address.is_private or address.is_link_local):
            problems.append(
                _("%(host)s is a private network address, not reachable from the internet")
                % {"host": host}
            )
    if not problems:
        return ""
    return _(
        "Picqer cannot reach this address: %(problems)s. Set the public base URL "
        "(Advanced) to the address at which the internet reaches this service."
    ) % {"problems": "; ".join(problems)}
