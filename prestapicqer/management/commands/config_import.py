"""Read a PrestaPicqer configuration JSON file (as written by config_export)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from prestapicqer.services.config_io import ConfigImportError, config_import_json


class Command(BaseCommand):
    help = (
        "Import accounts (by name), shops (by account and prefix) and their status "
        "mappings from JSON. All or nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="JSON file to read, or - for standard input.")

    def handle(self, *args, file: str, **options) -> None:
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}
            ) from None
        try:
            summary = config_import_json(text=text)
        except ConfigImportError as exc:
            raise CommandError(_("Nothing imported. %(error)s") % {"error": exc}) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Imported: %(created)d created, %(updated)d updated.")
                % {"created": len(summary.created), "updated": len(summary.updated)}
            )
        )
        for note in summary.notes:
            self.stdout.write(self.style.WARNING(note))
