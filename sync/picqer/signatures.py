"""How Picqer signs a webhook delivery (docs/sources.md#picqer-webhook-signature): pure, so
the receiver checks it and the benchmarks and tests sign their deliveries the same way."""

import base64
import hashlib
import hmac


def picqer_signature(*, raw_body: bytes, secret: str) -> str:
    """The `X-Picqer-Signature` value Picqer sends: base64 of the binary HMAC-SHA256 digest of
    the raw request body, keyed with the hook's secret (base64, not hex)."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")
