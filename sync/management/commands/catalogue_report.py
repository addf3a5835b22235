"""manage.py catalogue_report --shop ID [--csv FILE]: how every reference pairs up between
Picqer and the shop, here and now (the same API cost as a full sync, nothing written)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from prestapicqer.models import Shop
from sync.http.errors import ApiError
from sync.models.catalogue import CatalogueReport
from sync.services.stock.report import catalogue_report_build, catalogue_report_csv


class Command(BaseCommand):
    help = "Catalogue match report of one shop; the rows are kept and shown in the admin."

    def add_arguments(self, parser):
        parser.add_argument("--shop", type=int, required=True, help="Shop id.")
        parser.add_argument("--csv", metavar="FILE", help="Also write the rows to FILE.")

    def handle(self, *args, shop, csv=None, **options):
        found = Shop.objects.select_related("account").filter(pk=shop).first()
        if found is None:
            raise CommandError(_("No shop with id %(id)s.") % {"id": shop})
        report = CatalogueReport.objects.create(shop=found)
        try:
            catalogue_report_build(report=report)
        except ApiError as exc:
            raise CommandError(f"{found}: {exc}") from None
        if csv:
            with open(csv, "w", newline="", encoding="utf-8") as out:
                out.writelines(catalogue_report_csv(report=report))
        self.stdout.write(
            _("%(shop)s: report %(id)s: %(message)s")
            % {"shop": found, "id": report.pk, "message": report.message}
        )
