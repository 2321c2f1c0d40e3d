# The index of the API's keyset pagination of dossiers (api/v1/pagination.py): (updated_at, id).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0005_projects_phases_and_second_step'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(fields=['updated_at', 'id'], name='dossier_updated_keyset'),
        ),
    ]
