"""Settings, driven by environment variables (see .env.example and the README table).

Embedded defaults (no variables set) give a single-machine install: SQLite under var/,
a file-system Celery broker under var/broker, a file-based cache. Production sets
DATABASE_URL, REDIS_URL, SECRET_KEY, FIELD_ENCRYPTION_KEY and DJANGO_DEBUG=False.
"""

from .env import BASE_DIR, VAR_DIR, env, env_secret, local_secret_key

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env_secret("SECRET_KEY") or local_secret_key()
# Key material for encrypted credential fields; rotate by prepending a new value.
SALT_KEY = env.list("FIELD_ENCRYPTION_KEY", default=["prestapicqer-field-encryption"])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
ADMIN_URL = env.str("ADMIN_URL", default="admin/")
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "prestapicqer",
    "sync",
    "webhooks",
]
if SANDBOX_ENABLED:
    INSTALLED_APPS.append("sandbox")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The admin speaks the browser's language (English or Dutch); the switch in its header wins.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'prestapicqer.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web, worker and beat share the file. WAL lets readers run beside the writer; IMMEDIATE
    # transactions take the write lock up front (a deferred one that upgrades later fails at
    # once with "database is locked" instead of waiting); `timeout` is how long to wait.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # An unreachable server must fail a request (503 to Picqer, which retries) within
    # seconds, and never hold a gunicorn worker's warm-up past its 30 s timeout. A
    # `?connect_timeout=` in DATABASE_URL wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# Persistent connections: a new connection per request or task costs more CPU than the work
# itself, for PostgreSQL and for SQLite alike (Django registers its SQL functions on every
# SQLite connect): 5.8 against 1.5 ms per webhook delivery (docs/benchmarks.md, Webhooks).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    # Shared by web, worker and beat processes on one machine (locmem would not be).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# With DEBUG (make run, make demo) gunicorn serves the admin's CSS and scripts straight from
# the apps' static folders, no collectstatic needed; production serves the collected ones.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Webhook bodies are small JSON documents; anything larger is refused with 413.
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=256 * 1024)
WEBHOOK_EVENT_RETENTION_DAYS = env.int("WEBHOOK_EVENT_RETENTION_DAYS", default=30)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# HTTP clients
HTTP_CONNECT_TIMEOUT = env.float("HTTP_CONNECT_TIMEOUT", default=5.0)
HTTP_READ_TIMEOUT = env.float("HTTP_READ_TIMEOUT", default=30.0)
# The read timeout restarts with every byte; this bounds a whole call, connect to last byte,
# so a server that drips its answer cannot hold a worker (sync/http/base.py).
HTTP_TOTAL_DEADLINE = env.float("HTTP_TOTAL_DEADLINE", default=60.0)
# Body size after decompression. The largest legitimate page measured is ~1.6 MB
# (benchmarks/http_limits.py); 16 MiB leaves room and bounds a gzip bomb.
HTTP_MAX_RESPONSE_BYTES = env.int("HTTP_MAX_RESPONSE_BYTES", default=16 * 1024 * 1024)
# What an admin page waits for one remote (choice lists, webhook status, connection tests)
# before it shows the cached list with a warning; far below gunicorn's 30 s worker timeout.
ADMIN_REMOTE_DEADLINE = env.float("ADMIN_REMOTE_DEADLINE", default=5.0)
PICQER_USER_AGENT = env.str(
    "PICQER_USER_AGENT", default="PrestaPicqer/1.0 (+https://github.com/prestapicqer)"
)
PICQER_RATE_LIMIT_PER_MINUTE = env.int("PICQER_RATE_LIMIT_PER_MINUTE", default=480)

from .celery_settings import *  # noqa: E402,F403
from .security_settings import *  # noqa: E402,F403

# How long a worker holds an order while pushing it. Longer than a task may run, so a live
# worker never loses it; a crashed worker's claim expires and the reconciler takes over.
ORDER_LEASE_SECONDS = env.int("ORDER_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60)  # noqa: F405
ORDERS_RECONCILE_HOURS = env.int("ORDERS_RECONCILE_HOURS", default=24)
# A running full stock sync whose worker shows no sign of life for this long is failed
# (its worker was killed) and the next one starts; the worker beats 4 times per period.
STOCK_SYNC_STALE_SECONDS = env.int("STOCK_SYNC_STALE_SECONDS", default=180)
# A running product import whose worker shows no sign of life for this long goes back to
# the queue and resumes (it beats after each product; one wait for the budget is <= 75 s).
PRODUCT_IMPORT_STALE_SECONDS = env.int("PRODUCT_IMPORT_STALE_SECONDS", default=180)
# Copy each product's PrestaShop cover image to the product the import creates in Picqer.
PRODUCT_IMPORT_IMAGES = env.bool("PRODUCT_IMPORT_IMAGES", default=True)
# The share of the Picqer budget an import spreads its calls over; the rest stays free for
# orders and stock while it runs.
PRODUCT_IMPORT_BUDGET_SHARE = env.float("PRODUCT_IMPORT_BUDGET_SHARE", default=0.8)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"urllib3": {"level": "WARNING"}},
}

from .alert_settings import *  # noqa: E402,F403
