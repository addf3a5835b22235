"""Settings from the environment: a blank value means the default for every type, and
`.env.example` copied as is (read the way django-environ, python-dotenv and docker compose
read it) gives exactly the settings of an empty environment."""

import json
import os
import subprocess
import sys
from urllib.parse import urlparse

import pytest
from django.core.exceptions import ImproperlyConfigured
from dotenv import dotenv_values

from config.env import BASE_DIR, BlankIsUnset, Env

EXAMPLE = BASE_DIR / ".env.example"


def env_of(**values: str) -> Env:
    reader = Env()
    reader.ENVIRON = BlankIsUnset(dict(values))
    return reader


@pytest.mark.parametrize(
    "read, default",
    [
        (lambda e: e.str("X", default="admin/"), "admin/"),
        (lambda e: e.int("X", default=5), 5),
        (lambda e: e.float("X", default=2.5), 2.5),
        (lambda e: e.bool("X", default=True), True),
        (lambda e: e.list("X", default=["127.0.0.1", "localhost"]), ["127.0.0.1", "localhost"]),
        (lambda e: e.db("X", default="sqlite:////tmp/x.sqlite3")["NAME"], "/tmp/x.sqlite3"),
        (lambda e: e.url("X", default="https://sync.example.com").netloc, "sync.example.com"),
    ],
)
@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_value_means_the_default(read, default, blank):
    assert read(env_of(X=blank)) == default
    assert read(env_of()) == default  # unset, for comparison


@pytest.mark.parametrize(
    "read, raw, value",
    [
        (lambda e: e.int("X", default=5), "7", 7),
        (lambda e: e.bool("X", default=True), "False", False),
        (lambda e: e.list("X", default=["a"]), "b,c", ["b", "c"]),
        (
            lambda e: e.db("X", default="sqlite:///x")["ENGINE"],
            "postgres://u:p@db:5432/n",
            "django.db.backends.postgresql",
        ),
    ],
)
def test_a_set_value_still_wins(read, raw, value):
    assert read(env_of(X=raw)) == value


def test_a_blank_value_without_a_default_is_an_error():
    with pytest.raises(ImproperlyConfigured, match="Set the X environment variable"):
        env_of(X="").str("X")


def test_an_inline_comment_read_as_the_value_is_a_clear_error():
    # An old .env line `DATABASE_URL=      # default sqlite` reaches django-environ like this.
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL is set to a comment"):
        env_of(DATABASE_URL="      # default sqlite under var/").db("DATABASE_URL", default="x")


def test_blank_variables_look_absent_and_writes_reach_the_environment():
    backing = {"A": "", "B": "1"}
    view = BlankIsUnset(backing)
    assert "A" not in view and "B" in view and list(view) == ["B"]
    view.setdefault("A", "from-file")  # read_env: a blank environment value is unset
    assert backing["A"] == "from-file"


# --- .env.example as a whole, in fresh processes (settings are read once per process)

SETTINGS_DUMP = """
import json, runpy
from django.conf import settings
settings._setup()
out = {k: repr(getattr(settings, k)) for k in dir(settings) if k.isupper()}
gunicorn = runpy.run_path("config/gunicorn.conf.py")
out["gunicorn bind, workers"] = repr((gunicorn["bind"], gunicorn["workers"]))
print(json.dumps(out))
"""
PRODUCTION = {"DJANGO_DEBUG": "False", "SECRET_KEY": "s" * 50, "FIELD_ENCRYPTION_KEY": "k"}


def settings_with(*, env: dict, env_file: str) -> dict:
    """Every Django setting (and gunicorn's) of a process with `env` and the .env `env_file`."""
    listed = set(dotenv_values(EXAMPLE))
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in listed and k.removesuffix("_FILE") not in listed
    }
    clean |= {"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_ENV_FILE": env_file, **env}
    done = subprocess.run(
        [sys.executable, "-c", SETTINGS_DUMP],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("overrides", [{}, PRODUCTION], ids=["defaults", "production"])
def test_env_example_copied_as_is_gives_the_default_settings(overrides):
    defaults = settings_with(env=overrides, env_file=os.devnull)
    # django-environ reading .env (make run)
    assert settings_with(env=overrides, env_file=str(EXAMPLE)) == defaults
    # python-dotenv, as docker compose's env_file: blank lines arrive as ""
    from_compose = {k: v or "" for k, v in dotenv_values(EXAMPLE).items()} | overrides
    assert settings_with(env=from_compose, env_file=os.devnull) == defaults
    if overrides:  # the HTTPS redirect and HSTS stay on in production
        assert defaults["SECURE_SSL_REDIRECT"] == "True"
        assert defaults["SECURE_HSTS_SECONDS"] == "31536000"


def test_env_example_has_no_inline_comments_and_parses_alike():
    by_dotenv = dotenv_values(EXAMPLE)
    for line in EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert "#" not in value, f"{name}: put the comment on its own line"
            assert by_dotenv[name] == value, name


def test_the_makefile_reads_public_base_url_like_the_settings(tmp_path):
    """`make run` takes PUBLIC_BASE_URL from the environment or .env, blank = its own address."""
    env_file = tmp_path / ".env"

    def read(file_text: str, **env: str) -> str:
        env_file.write_text(file_text)
        clean = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"}
        done = subprocess.run(
            [sys.executable, "-m", "config.env", "PUBLIC_BASE_URL", "http://127.0.0.1:18301"],
            cwd=BASE_DIR,
            env={**clean, "DJANGO_ENV_FILE": str(env_file), **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip()

    assert read("PUBLIC_BASE_URL=\n") == "http://127.0.0.1:18301"
    assert read("PUBLIC_BASE_URL=\n", PUBLIC_BASE_URL="") == "http://127.0.0.1:18301"
    assert read("PUBLIC_BASE_URL=https://tunnel.example.com\n") == "https://tunnel.example.com"
    assert (
        urlparse(read("", PUBLIC_BASE_URL="https://sync.example.com")).netloc == "sync.example.com"
    )
