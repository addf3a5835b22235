"""gunicorn settings of the web process: `gunicorn -c config/gunicorn.conf.py config.wsgi`,
from the project root (the Docker image, `make run`, `make demo`). Command-line options (the
Procfiles' and benchmarks' --bind and --workers) override these."""

# gunicorn puts the working directory on sys.path before it reads this file; the settings'
# reader makes a blank GUNICORN_BIND or WEB_CONCURRENCY mean the default, as everywhere else.
# Module names that are not gunicorn settings start with "_": gunicorn reads every other one.
from config.env import env as _env

bind = _env.str("GUNICORN_BIND", default="0.0.0.0:8000")
workers = _env.int("WEB_CONCURRENCY", default=3)
# Webhook requests must answer well inside Picqer's 10 s: a short worker timeout.
timeout = 30
# The runtime control socket (gunicornc) is unused, and its default path is one per user
# ($HOME/.gunicorn/gunicorn.ctl), taken over by each new gunicorn: make run beside a benchmark.
control_socket_disable = True
accesslog = "-"
# The default format logs the request line with its query string, and the full-sync URL
# carries its secret token there (so would a Referer from the status page): path only.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


def post_worker_init(worker: object) -> None:
    from config.warmup import web_process_warm

    web_process_warm()
