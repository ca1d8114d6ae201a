"""Each criteria version names the run of `make measure` its pages show, so a pinned link keeps showing the run it
was made with; the run the seed shipped (migration 0012) gets the version that shows it."""

import django.db.models.deletion
from django.db import migrations, models

from decisions.models import record_measurements


def show_seeded_run(apps, schema_editor):
    CriteriaVersion = apps.get_model("decisions", "CriteriaVersion")
    row = CriteriaVersion.objects.select_for_update().filter(pk=1).first()
    CriteriaSnapshot, MeasurementRun = (
        apps.get_model("decisions", "CriteriaSnapshot"),
        apps.get_model("decisions", "MeasurementRun"),
    )
    record_measurements(CriteriaVersion, CriteriaSnapshot, MeasurementRun, row, "migration 0015")


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0014_carried_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="criteriasnapshot",
            name="measurement_run",
            field=models.ForeignKey(
                blank=True,
                help_text="The run of `make measure` the pages showed with this version; none before runs were shown.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="decisions.measurementrun",
            ),
        ),
        migrations.RunPython(show_seeded_run, migrations.RunPython.noop),
    ]
