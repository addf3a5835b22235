"""The container's health probe: `python config/healthcheck.py` exits 0 when /health says so.

Standard library only (no Django start-up every 30 s). It asks gunicorn on loopback, with a
Host header from ALLOWED_HOSTS: with DEBUG off Django refuses any other host (400), and the
probe must not need the public name to resolve inside the container.
"""

import os
import sys
import urllib.error
import urllib.request


def probe_host(allowed_hosts: str) -> str:
    """A host name Django accepts: the first of ALLOWED_HOSTS (".example.com" allows
    "example.com"; "*" allows anything)."""
    first = allowed_hosts.split(",")[0].strip().lstrip(".")
    return first if first and first != "*" else "localhost"


def main() -> int:
    # A blank variable means the default, as in the settings (config/env.py).
    port = (os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000").rsplit(":", 1)[-1]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/health",
        headers={"Host": probe_host(os.environ.get("ALLOWED_HOSTS") or "localhost")},
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as answer:  # noqa: S310 - loopback
            return 0 if answer.status == 200 else 1
    except (OSError, urllib.error.URLError):  # 503 (HTTPError), refused, timed out
        return 1


if __name__ == "__main__":
    sys.exit(main())
