"""Removing credentials from text that leaves the service (alert mails, error reports)."""

import re
from collections.abc import Iterable

from prestapicqer.services.masking import MASK, secrets_scrub

# Credentials that may appear in URLs or headers quoted in an error text.
_QUERY_CREDENTIAL = re.compile(r"(?i)\b(token|ws_key|key|secret|password|api_key)=([^&\s\"'<>]+)")
_AUTHORIZATION = re.compile(
    r"(?i)\b(authorization:?\s*(?:basic|bearer)?)\s+([A-Za-z0-9+/=._-]{8,})"
)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s:@]+:[^/\s@]+)@")


def credentials_scrub(text: str, *, secrets: Iterable[str | None] = ()) -> str:
    """`text` without any of `secrets` nor anything shaped like a credential (key=…,
    Authorization headers, user:password@ in URLs)."""
    text = secrets_scrub(text=text, secrets=secrets)
    text = _QUERY_CREDENTIAL.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _AUTHORIZATION.sub(lambda m: f"{m.group(1)} {MASK}", text)
    return _URL_USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", text)
