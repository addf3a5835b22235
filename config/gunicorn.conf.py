"""gunicorn settings of the web process: `gunicorn -c config/gunicorn.conf.py config.wsgi`.
Command-line options (the benchmarks' --bind and --workers) override these."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Webhook requests must answer well inside Picqer's 10 s: a short worker timeout.
timeout = 30
accesslog = "-"
# The default format logs the request line with its query string, and the full-sync URL
# carries its secret token there (so would a Referer from the status page): path only.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


def post_worker_init(worker: object) -> None:
    from config.warmup import web_process_warm

    web_process_warm()
