"""One decision per dossier and jury (held by the database), reorientations across calls stated,
and the idempotency key of a deliberation form."""

import django.db.models.deletion
from django.db import migrations, models


def fill_decision_jury(apps, schema_editor):
    Decision = apps.get_model("juries", "Decision")
    Deliberation = apps.get_model("juries", "Deliberation")
    for deliberation_id, jury_id in Deliberation.objects.values_list("pk", "jury_id"):
        Decision.objects.filter(deliberation_id=deliberation_id).update(jury_id=jury_id)
    if schema_editor.connection.vendor == "postgresql":
        # The new foreign key is checked at commit; check it now, before the column is altered.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("juries", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="deliberation",
            name="idempotency_key",
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="decision",
            name="across_calls",
            field=models.BooleanField(
                default=False,
                help_text="Une réorientation ou un redépôt reste dans l'appel du jury, sauf décision expresse contraire.",
                verbose_name="vers un autre appel du programme",
            ),
        ),
        migrations.AddField(
            model_name="decision",
            name="jury",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="juries.jury",
            ),
        ),
        migrations.RunPython(fill_decision_jury, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="decision",
            name="jury",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="juries.jury",
            ),
        ),
        migrations.AddConstraint(
            model_name="decision",
            constraint=models.UniqueConstraint(fields=("jury", "dossier"), name="decision_unique_per_jury"),
        ),
    ]
