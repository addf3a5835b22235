"""manage.py catalogue_import --shop ID --report ID [--dry-run] [--update-matched FIELDS]:
create in Picqer the products of a match report that are only in PrestaShop (or update
chosen fields of the matched ones), here, in this process, within the shared Picqer budget.

A real run of the same report that a killed process left "running" is resumed once its
worker has shown no sign of life for PRODUCT_IMPORT_STALE_SECONDS."""

import time

from django.core.management.base import BaseCommand, CommandError

from sync.http.errors import ApiError
from sync.models.catalogue import CatalogueReport, ProductImportRun
from sync.services.catalogue_import import (
    ImportRefused,
    product_import_claim,
    product_import_execute,
    product_import_items_shown,
    product_import_request,
    product_import_sweep,
)

Kind = ProductImportRun.Kind


class Command(BaseCommand):
    help = "Create (or update) Picqer products from a catalogue match report."

    def add_arguments(self, parser):
        parser.add_argument("--shop", type=int, required=True, help="Shop id.")
        parser.add_argument("--report", type=int, required=True, help="Catalogue report id.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only show what would be sent; nothing is written.",
        )
        parser.add_argument(
            "--update-matched",
            metavar="FIELDS",
            default="",
            help="Update these fields of matched products instead "
            "(comma-separated: name,price,barcode).",
        )

    def handle(self, *args, shop, report, dry_run=False, update_matched="", **options):
        found = (
            CatalogueReport.objects.select_related("shop__account")
            .filter(pk=report, shop_id=shop)
            .first()
        )
        if found is None:
            raise CommandError(f"No catalogue report {report} of shop {shop}.")
        fields = [f.strip() for f in update_matched.split(",") if f.strip()]
        kind = Kind.UPDATE if fields else Kind.CREATE
        product_import_sweep()  # a run a killed process left behind goes back to the queue
        try:
            run = product_import_request(
                report=found,
                kind=kind,
                dry_run=dry_run,
                fields=fields,
                requested_by="manage.py",
                publish=False,
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        claimed = product_import_claim(run.pk)
        if claimed is None:
            raise CommandError(
                f"{run} is being worked on by another process "
                f"({run.progress}); it shows in the admin."
            )
        try:
            while (wait := product_import_execute(claimed)) is not None:
                self.stderr.write(f"{claimed}: waiting {wait:.0f} s")
                time.sleep(wait)
                claimed = product_import_claim(run.pk)
                if claimed is None:
                    raise CommandError(f"{run} was taken over by another process.")
        except ApiError as exc:
            raise CommandError(f"{run}: {exc}") from None
        claimed.refresh_from_db()
        if dry_run:
            for item in product_import_items_shown(claimed):
                self.stdout.write(
                    f"{item['reference']}\t{item['state']}\t{item['body']}\t{item['detail']}"
                )
        self.stdout.write(f"{claimed}: {claimed.message}")
