"""compare.py joins every bundle, and the bundle's README says how to use it and how to read its numbers, in one new
criteria version:

- the compare.py template is added where no template writes compare.py yet (a database seeded after it was added to
  decisions/seed/configs/ has it from migration 0004);
- README.md gains "Measure it on your app" and a row in its list of files.

A README whose body is not one the seed ever shipped (by its SHA-256) was edited by an admin and is left as it is.
"""

import hashlib

from django.db import migrations

from decisions.models import read_criteria, read_templates, record_version
from decisions.seeding import default_templates

KIT = "compare.py"
EARLIER_README_BODIES = {
    "4f03151e3e5f72a35d59f0b3a244bbd9144aeeabb01996477e38c8f47d15d41b",
    "6b53976f8ccda68e1a6ab08b95abbb531f3f4163dfdd2b65dcce2cdc88af8296",
    "761fb1b820ac27dfb8e31dac67c115b9236815b0a8df127f09ef97d0759077a6",
    "7a714b934b0fd9a1b7801caa5b567d12d8cc6251d251b3276a4cbaeb19186884",
    "7f5b325cdf63d7db1e09cb64fb5fdf85241549f74e44c16d83793a51d2469b00",
    "fc448eb87a3f054bab724db7190f3e5c5debda9feb716c31cdd930a3c89743bb",
}


def update(apps, schema_editor):
    ConfigTemplate = apps.get_model("decisions", "ConfigTemplate")
    seeded = {row["filename"]: row for row in default_templates()}
    changed = False
    if not ConfigTemplate.objects.filter(filename=KIT).exists():
        kit = seeded[KIT]
        ConfigTemplate.objects.create(**kit | {name: ", ".join(kit[name]) for name in ("servers", "deploys")})
        changed = True
    for readme in ConfigTemplate.objects.filter(filename="README.md"):
        if hashlib.sha256(readme.body.encode()).hexdigest() in EARLIER_README_BODIES:
            readme.body = seeded["README.md"]["body"]
            readme.save(update_fields=["body"])
            changed = True
    if changed:
        # Migrations use historical models, which send no signal: record the version as a save would.
        CriteriaVersion = apps.get_model("decisions", "CriteriaVersion")
        CriteriaSnapshot = apps.get_model("decisions", "CriteriaSnapshot")
        Server, Option = apps.get_model("decisions", "Server"), apps.get_model("decisions", "Option")
        row = CriteriaVersion.objects.select_for_update().filter(pk=1).first()
        criteria, templates = read_criteria(Server, Option), read_templates(ConfigTemplate)
        record_version(CriteriaVersion, CriteriaSnapshot, row, criteria, templates, "migration 0013")


class Migration(migrations.Migration):
    dependencies = [("decisions", "0012_measurements")]
    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
