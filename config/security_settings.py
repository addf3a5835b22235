"""Security settings that only bite when DEBUG is off (`manage.py check --deploy`)."""

from .env import env

_DEBUG = env.bool("DJANGO_DEBUG", default=True)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not _DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if _DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not _DEBUG
SECURE_HSTS_PRELOAD = not _DEBUG
SESSION_COOKIE_SECURE = not _DEBUG
CSRF_COOKIE_SECURE = not _DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# /health is probed by load balancers over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health$"]
