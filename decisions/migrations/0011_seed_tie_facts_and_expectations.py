"""The tie rule's facts and the guide's expectations, in one new criteria version:

- each seeded server's maturity level and first release year, and the effects the seed marks experimental
  (Hypercorn's HTTP/3, a draft of the specification through aioquic);
- the seeded expectations (decisions/seed/expectations.json), which all pass under the seeded criteria.

Servers and effects an admin added keep the defaults: growing, and not experimental.
"""

from django.db import migrations

from decisions.models import read_criteria, read_templates, record_version
from decisions.seeding import default_criteria, default_expectations, replace_expectations


def seed(apps, schema_editor):
    Server, Option = apps.get_model("decisions", "Server"), apps.get_model("decisions", "Option")
    Effect, Expectation = apps.get_model("decisions", "Effect"), apps.get_model("decisions", "Expectation")
    data = default_criteria()
    for row in data["servers"]:
        Server.objects.filter(slug=row["slug"]).update(
            maturity_level=row["maturity_level"], first_release_year=row["first_release_year"]
        )
    for question in data["questions"]:
        for option in question["options"]:
            for server, effect in option["effects"].items():
                if effect["experimental"]:
                    Effect.objects.filter(
                        option__question__slug=question["slug"], option__slug=option["slug"], server__slug=server
                    ).update(experimental=True)
    replace_expectations(default_expectations(), Expectation)
    # Migrations use historical models, which send no signal: record the version as a save would.
    CriteriaVersion = apps.get_model("decisions", "CriteriaVersion")
    CriteriaSnapshot = apps.get_model("decisions", "CriteriaSnapshot")
    ConfigTemplate = apps.get_model("decisions", "ConfigTemplate")
    row = CriteriaVersion.objects.select_for_update().filter(pk=1).first()
    criteria, templates = read_criteria(Server, Option), read_templates(ConfigTemplate)
    record_version(CriteriaVersion, CriteriaSnapshot, row, criteria, templates, "migration 0011")


class Migration(migrations.Migration):
    dependencies = [("decisions", "0010_tie_rule_and_expectations")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
