"""Money is written once: a payment's reference is unique within its project, payments and convention
generations carry the idempotency key of their form, and a convention's tranches have distinct orders."""

import django.db.models.deletion
from django.db import migrations, models


def fill_payment_dossier(apps, schema_editor):
    """Each payment gets its tranche's project; a reference met twice in one project (recorded before
    the rule) is suffixed « (2) », « (3) »… so that the constraint can hold and no payment is lost."""
    Payment = apps.get_model("funding", "Payment")
    seen = set()
    for payment in Payment.objects.select_related("tranche__convention").order_by("pk"):
        payment.dossier_id = payment.tranche.convention.dossier_id
        reference, number = payment.reference, 1
        while (payment.dossier_id, reference) in seen:
            number += 1
            reference = f"{payment.reference} ({number})"[:100]
        seen.add((payment.dossier_id, reference))
        payment.reference = reference
        payment.save(update_fields=["dossier", "reference"])
    if schema_editor.connection.vendor == "postgresql":
        # The new foreign key is checked at commit; check it now, before the column is altered.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0003_dossier_latest_submitted_index"),
        ("funding", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="convention",
            name="idempotency_key",
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddConstraint(
            model_name="tranche",
            constraint=models.UniqueConstraint(fields=("convention", "order"), name="tranche_unique_order"),
        ),
        migrations.AddField(
            model_name="payment",
            name="idempotency_key",
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="payment",
            name="reference",
            field=models.CharField(
                help_text="La référence du paiement dans le système financier (mandat, virement).",
                max_length=100,
                verbose_name="référence",
            ),
        ),
        migrations.AddField(
            model_name="payment",
            name="dossier",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="applications.dossier",
            ),
        ),
        migrations.RunPython(fill_payment_dossier, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="payment",
            name="dossier",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="applications.dossier",
            ),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.UniqueConstraint(fields=("dossier", "reference"), name="payment_reference_unique_per_project"),
        ),
    ]
