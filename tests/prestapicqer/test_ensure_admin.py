"""`manage.py ensure_admin`: the first admin of `make run` (generated password, printed once)
and of docker compose's migrate step (from DJANGO_ADMIN_PASSWORD, never generated into logs)."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def ensure_admin(*args: str) -> str:
    out = StringIO()
    call_command("ensure_admin", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_admin_address_under_the_site_url(settings, monkeypatch):
    monkeypatch.setenv("DJANGO_ADMIN_PASSWORD", "")
    out = ensure_admin("--site-url", "http://127.0.0.1:18301")
    assert f"Admin: http://127.0.0.1:18301/{settings.ADMIN_URL}" in out
    password = out.split("with password: ")[1].split()[0]
    assert get_user_model().objects.get(username="admin").check_password(password)
    # Printed once: the next run only says where the admin is.
    again = ensure_admin("--site-url", "http://127.0.0.1:18301")
    assert "password" not in again and "Admin: http://127.0.0.1:18301/" in again


def test_compose_creates_the_admin_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_ADMIN_USER", "ops")
    monkeypatch.setenv("DJANGO_ADMIN_PASSWORD", "from-the-env-file-123")
    out = ensure_admin("--no-generate")
    assert "from-the-env-file-123" not in out
    assert get_user_model().objects.get(username="ops").check_password("from-the-env-file-123")


@pytest.mark.parametrize("blank", ["", None])
def test_without_a_password_compose_creates_no_user_and_prints_no_secret(monkeypatch, blank):
    if blank is None:
        monkeypatch.delenv("DJANGO_ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("DJANGO_ADMIN_PASSWORD", blank)
    out = ensure_admin("--no-generate")
    assert "No admin user yet: set DJANGO_ADMIN_PASSWORD" in out
    assert not get_user_model().objects.exists()


def test_the_password_can_come_from_a_secret_file(monkeypatch, tmp_path):
    secret = tmp_path / "admin_password"
    secret.write_text("file-secret-456\n")
    monkeypatch.setenv("DJANGO_ADMIN_PASSWORD_FILE", str(secret))
    ensure_admin("--no-generate")
    assert get_user_model().objects.get(username="admin").check_password("file-secret-456")
