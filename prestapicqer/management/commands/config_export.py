"""Write the PrestaPicqer configuration as JSON (stdout or a file)."""

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from prestapicqer.services.config_io import config_export


class Command(BaseCommand):
    help = "Export accounts, shops and status mappings as JSON (secrets only if asked for)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--include-secrets",
            action="store_true",
            help="Also export API keys, webservice keys, webhook secrets and "
            "stock sync tokens. Keep such a file safe.",
        )
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")

    def handle(self, *args, include_secrets: bool, output: str | None, **options) -> None:
        text = json.dumps(config_export(include_secrets=include_secrets), indent=2) + "\n"
        if output:
            path = Path(output)
            # With credentials the file is private from its first byte, not after a chmod.
            mode = 0o600 if include_secrets else 0o644
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            if include_secrets:
                os.fchmod(fd, 0o600)  # a file that already existed keeps its old mode
            with os.fdopen(fd, "w") as file:
                file.write(text)
            self.stderr.write(_("Configuration written to %(path)s.") % {"path": path})
        else:
            self.stdout.write(text, ending="")
