"""Create the first admin user when there is none (`make run`, `make demo`, docker compose's
migrate step), and say where the admin is."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from config.env import env, env_secret


class Command(BaseCommand):
    help = (
        "Create a superuser from DJANGO_ADMIN_USER/DJANGO_ADMIN_PASSWORD (or "
        "DJANGO_ADMIN_PASSWORD_FILE) if none exists."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--site-url",
            default="",
            help="Print the admin's address under this base URL, e.g. "
            "http://127.0.0.1:8000 (where `make run` serves).",
        )
        parser.add_argument(
            "--no-generate",
            action="store_true",
            help="Without DJANGO_ADMIN_PASSWORD create no user rather than "
            "print a generated password (container logs are kept).",
        )

    def handle(self, *args, site_url: str, no_generate: bool, **options) -> None:
        if site_url:
            self.stdout.write(
                _("Admin: %(url)s") % {"url": f"{site_url.rstrip('/')}/{settings.ADMIN_URL}"}
            )
        user_model = get_user_model()
        if user_model.objects.filter(is_superuser=True).exists():
            return
        username = env.str("DJANGO_ADMIN_USER", default="admin")
        password = env_secret("DJANGO_ADMIN_PASSWORD", default="")
        if not password and no_generate:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "No admin user yet: set DJANGO_ADMIN_PASSWORD, or run "
                        "`manage.py createsuperuser`."
                    )
                )
            )
            return
        generated = not password
        password = password or secrets.token_urlsafe(12)
        user_model.objects.create_superuser(username=username, email="", password=password)
        if generated:
            # Printed once, on purpose: it is nowhere else. Change it in the admin.
            self.stdout.write(
                self.style.WARNING(
                    _("Created admin user '%(user)s' with password: %(password)s")
                    % {"user": username, "password": password}
                )
            )
        else:
            self.stdout.write(
                _("Created admin user '%(user)s' (password from environment).") % {"user": username}
            )
