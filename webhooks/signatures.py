"""Picqer webhook signatures (docs/sources.md#picqer-webhook-signature)."""

import base64
import hashlib
import hmac


def picqer_signature(*, raw_body: bytes, secret: str) -> str:
    """The `X-Picqer-Signature` value Picqer sends: base64 of the binary HMAC-SHA256 digest of
    the raw request body, keyed with the hook's secret (base64, not hex)."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def picqer_signature_is_valid(*, raw_body: bytes, header: str | None, secret: str) -> bool:
    """True when `header` is the signature of exactly these bytes. An empty secret never
    validates: Picqer sends no signature for hooks without a secret, so such hooks are refused."""
    if not header or not secret:
        return False
    expected = picqer_signature(raw_body=raw_body, secret=secret)
    # Constant time: the comparison must not leak how many leading characters matched.
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("utf-8", "replace"))
