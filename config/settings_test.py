"""Test settings: the production settings plus what real worker processes in tests need.

End-to-end tests start real Celery workers in subprocesses. They must see the test
database (so SQLite uses a file, not memory) and a broker of their own (so a developer's
`make run` worker never steals a test's task).
"""

import os

from .env import VAR_DIR as _VAR_DIR
from .env import env as _env

# Blank counts as unset (config/env.py): a copied .env.example's "CELERY_FILESYSTEM_DIR="
# must not put the tests on the developer's broker.
if "CELERY_FILESYSTEM_DIR" not in _env.ENVIRON:
    os.environ["CELERY_FILESYSTEM_DIR"] = str(_VAR_DIR / "test-broker")

from .settings import *  # noqa: F403
from .settings import CELERY_BROKER_URL, DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

# A worker subprocess is pointed at the test database by name.
if os.environ.get("E2E_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["E2E_DATABASE_NAME"]

if CELERY_BROKER_URL.startswith("redis"):
    # Database 15 of the same Redis: never the queue of a running instance.
    CELERY_BROKER_URL = CELERY_BROKER_URL.rsplit("/", 1)[0] + "/15"
