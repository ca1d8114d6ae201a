"""Seeds the guide from the article, as corrected by the server facts (decisions/seed/criteria.json)."""

from django.db import migrations
from django.utils import timezone

from decisions.seeding import default_criteria, replace_criteria


def seed(apps, schema_editor):
    models = [apps.get_model("decisions", name) for name in ("Server", "Question", "Option", "Effect")]
    replace_criteria(default_criteria(), *models)
    CriteriaVersion = apps.get_model("decisions", "CriteriaVersion")
    CriteriaVersion.objects.update_or_create(pk=1, defaults={"number": 1, "changed_at": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
