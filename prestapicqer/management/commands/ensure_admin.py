"""Create the first admin user when there is none (used by `make run`)."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from config.env import env


class Command(BaseCommand):
    help = "Create a superuser from DJANGO_ADMIN_USER/DJANGO_ADMIN_PASSWORD if none exists."

    def handle(self, *args, **options):
        user_model = get_user_model()
        if user_model.objects.filter(is_superuser=True).exists():
            return
        username = env.str("DJANGO_ADMIN_USER", default="admin")
        password = env.str("DJANGO_ADMIN_PASSWORD", default="")
        generated = not password
        password = password or secrets.token_urlsafe(12)
        user_model.objects.create_superuser(username=username, email="", password=password)
        if generated:
            # Printed once, on purpose: it is nowhere else. Change it in the admin.
            self.stdout.write(
                self.style.WARNING(f"Created admin user '{username}' with password: {password}")
            )
        else:
            self.stdout.write(f"Created admin user '{username}' (password from environment).")
