"""Alert e-mails (and their beat entry). Imported at the end of settings.

EMAIL_URL is django-environ's e-mail URL, e.g. smtp+tls://user:pass@host:587; without it
mails go to the console (what `make run` shows). ALERT_EMAILS: comma-separated recipients of
every alert, besides those set per Picqer account. SENTRY_DSN (optional) sends error reports
to Sentry, scrubbed the same way (config/sentry.py).
"""

from .celery_settings import CELERY_BEAT_SCHEDULE
from .env import env, env_secret

_EMAIL = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_EMAIL)
ALERT_EMAILS = env.list("ALERT_EMAILS", default=[])
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="PrestaPicqer <prestapicqer@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

CELERY_BEAT_SCHEDULE["alerts-evaluate"] = {
    "task": "sync.tasks.alerts.alerts_evaluate_task",
    "schedule": 60.0,
}

SENTRY_DSN = env_secret("SENTRY_DSN", default="") or ""
if SENTRY_DSN:
    from .sentry import sentry_init
    from .settings import SALT_KEY, SECRET_KEY

    sentry_init(
        dsn=SENTRY_DSN, secrets=(SECRET_KEY, *SALT_KEY, _EMAIL.get("EMAIL_HOST_PASSWORD", ""))
    )
