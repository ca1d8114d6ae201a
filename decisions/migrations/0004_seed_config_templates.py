"""Seeds the starter-config templates from decisions/seed/configs/, where admins can later edit them."""

from django.db import migrations
from django.db.models import F
from django.utils import timezone

from decisions.seeding import default_templates, replace_templates


def seed(apps, schema_editor):
    replace_templates(default_templates(), apps.get_model("decisions", "ConfigTemplate"))
    # Migrations use historical models, which send no signal: bump the version as a save would.
    CriteriaVersion = apps.get_model("decisions", "CriteriaVersion")
    CriteriaVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("decisions", "0003_configtemplate")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
