"""An index for the staff list's default order (newest submissions first, drafts last).

PostgreSQL only: SQLite cannot index « NULLS LAST », and its demo databases are small.
"""

from django.db import migrations

INDEX = "dossier_latest_submitted"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "applications_dossier" ("submitted_at" DESC NULLS LAST, "id" DESC)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("applications", "0002_dossier_anonymised_at")]

    operations = [migrations.RunPython(create, drop)]
