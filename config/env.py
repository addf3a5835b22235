"""Environment access for settings: one `env`, plus helpers that fail loudly.

A variable set to nothing (`KEY=` in `.env`, or an `env_file` line under docker compose, which
passes it on as "") means "use the default", for every type: django-environ alone would read
"" as False, [], or fail to make an int of it.

`python -m config.env NAME DEFAULT` prints NAME as the settings read it (environment, then
`.env`; blank means DEFAULT): the Makefile uses it so `make run` follows the same rules.
"""

import os
import sys
from collections.abc import Iterator, MutableMapping
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


class BlankIsUnset(MutableMapping):
    """os.environ as settings see it: a blank value is absent, so the default applies.

    Writes go to the real environment (read_env fills it from `.env`), so subprocesses and
    libraries that read os.environ see the same values.
    """

    def __init__(self, environ_: MutableMapping[str, str]) -> None:
        self._environ = environ_

    def __getitem__(self, key: str) -> str:
        value = self._environ[key]
        if not value.strip():
            raise KeyError(key)
        if value[0].isspace() and value.lstrip().startswith("#"):
            # `KEY=   # comment` in an old .env: django-environ reads the comment as the value
            # (a database URL of "# default sqlite..." fails far from here, as KeyError 'ENGINE').
            raise ImproperlyConfigured(
                f"{key} is set to a comment ({value.strip()[:30]!r}...): in .env, put comments "
                f"on their own line and leave {key}= empty for the default."
            )
        return value

    def __setitem__(self, key: str, value: str) -> None:
        self._environ[key] = value

    def __delitem__(self, key: str) -> None:
        del self._environ[key]

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._environ if key in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self._environ.get(key, "").strip())


class Env(environ.Env):
    """environ.Env where a blank variable counts as unset: env.int("X", default=5) with X=""
    gives 5 (str, int, float, bool, list, db, url and the rest alike)."""

    ENVIRON = BlankIsUnset(os.environ)


env = Env()
# The environment wins over the file, except where it is blank (blank is unset, everywhere).
# DJANGO_ENV_FILE points at another file (tests read .env.example through it).
Env.read_env(env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)


def env_secret(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    file_name = env.str(f"{name}_FILE", default="")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points at an unreadable file") from exc
    return env.str(name, default=default)


def local_secret_key() -> str:
    """A per-installation secret kept under var/, for the embedded (non-production) mode.

    Encrypted fields derive their key from SECRET_KEY, so it must survive restarts:
    a random key per process would make every stored credential unreadable.
    """
    from django.core.management.utils import get_random_secret_key

    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


if __name__ == "__main__":
    print(env.str(sys.argv[1], default=sys.argv[2] if len(sys.argv) > 2 else ""))
