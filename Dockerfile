# One image; web, worker and beat differ only by command (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    DJANGO_DEBUG=False \
    SANDBOX_ENABLED=False

WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --home-dir /app app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=app:app . .
# collectstatic needs a SECRET_KEY to import settings; this throwaway one is never used at runtime.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown app:app /app/var

USER app
EXPOSE 8000
# Podman keeps HEALTHCHECK only in the Docker image format: `podman build --format docker`.
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["python", "config/healthcheck.py"]
# Workers, timeout and the warm-up hook: config/gunicorn.conf.py (WEB_CONCURRENCY sets workers).
# gunicorn itself reads WEB_CONCURRENCY at import and fails on "" (a blank line in env_file):
# blank means the default, so unset it first.
CMD ["sh", "-c", "[ -n \"$WEB_CONCURRENCY\" ] || unset WEB_CONCURRENCY; exec gunicorn -c config/gunicorn.conf.py config.wsgi:application"]
