"""Emulator of the Picqer REST API v1 (JSON, Basic auth, offset paging, signed webhooks)."""
