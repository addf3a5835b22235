"""The applied Picqer status of an order moves from OrderStatusState onto its OrderLink.

Each OrderStatusState row is copied onto the link with the same (shop, PrestaShop order id):
the applied status, state and time, and a claim in flight (its status and expiry; it has no
token, so it simply runs out). A row without a link cannot be acted on (a status is applied
to linked orders only), so it is dropped; how many were is printed. Reversible: going back
writes one OrderStatusState row per link that has an applied or claimed status.
"""

from django.db import migrations, models

BATCH = 500


def statuses_onto_links(apps, schema_editor):
    OrderStatusState = apps.get_model("sync", "OrderStatusState")
    OrderLink = apps.get_model("sync", "OrderLink")
    copied = unlinked = 0
    for row in OrderStatusState.objects.order_by("pk").iterator(chunk_size=BATCH):
        if OrderLink.objects.filter(shop_id=row.shop_id, ps_order_id=row.ps_order_id).update(
            applied_status=row.applied_status,
            applied_state_id=row.applied_state_id,
            applied_at=row.applied_at,
            claimed_status=row.claimed_status,
            status_claimed_until=row.claimed_until,
        ):
            copied += 1
        else:
            unlinked += 1
    if copied or unlinked:
        print(
            f"\n  Order statuses moved onto order links: {copied} copied, "
            f"{unlinked} without an order link (dropped: nothing can be applied to them)."
        )


def links_onto_statuses(apps, schema_editor):
    OrderStatusState = apps.get_model("sync", "OrderStatusState")
    OrderLink = apps.get_model("sync", "OrderLink")
    links = OrderLink.objects.exclude(
        applied_status="", claimed_status="", applied_state_id__isnull=True
    ).order_by("pk")
    batch = []
    for link in links.iterator(chunk_size=BATCH):
        batch.append(
            OrderStatusState(
                shop_id=link.shop_id,
                ps_order_id=link.ps_order_id,
                picqer_idorder=link.picqer_idorder,
                applied_status=link.applied_status,
                applied_state_id=link.applied_state_id,
                applied_at=link.applied_at,
                claimed_status=link.claimed_status,
                claimed_until=link.status_claimed_until,
            )
        )
        if len(batch) == BATCH:
            OrderStatusState.objects.bulk_create(batch)
            batch = []
    OrderStatusState.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0011_product_import_runs"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderlink",
            name="applied_status",
            field=models.CharField(
                blank=True, max_length=20, verbose_name="applied Picqer status"
            ),
        ),
        migrations.AddField(
            model_name="orderlink",
            name="applied_state_id",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="applied PrestaShop status"
            ),
        ),
        migrations.AddField(
            model_name="orderlink",
            name="applied_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="applied at"),
        ),
        migrations.AddField(
            model_name="orderlink",
            name="claimed_status",
            field=models.CharField(blank=True, max_length=20, verbose_name="claimed status"),
        ),
        migrations.AddField(
            model_name="orderlink",
            name="status_claimed_until",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="status claimed until"
            ),
        ),
        migrations.AddField(
            model_name="orderlink",
            name="status_claim_token",
            field=models.CharField(
                blank=True, max_length=32, verbose_name="status claim token"
            ),
        ),
        migrations.RunPython(statuses_onto_links, links_onto_statuses),
        migrations.DeleteModel(name="OrderStatusState"),
    ]
