"""Brings stored config templates that still hold a seed the project shipped up to today's, in one new criteria
version: the settings carried over from a team's current server (issue 20) reach the files.

- gunicorn.conf.py, uwsgi.ini and hypercorn.toml write the carried timeout, keep-alive, backlog and header limits;
- nginx.conf serves the carried static files;
- app.service, supervisor.conf, the Dockerfile (docker) and kubernetes.yaml set the carried environment variables;
- README.md has a "Migrating from <server>" table, and says how the app serves static files where no nginx can.

Rendered without carried settings, every file is what it was. A template whose body is not one the seed ever
shipped (by its SHA-256, every version in the repository's history) was edited by an admin and is left as it is.
"""

import hashlib

from django.db import migrations

from decisions.models import read_criteria, read_templates, record_version
from decisions.seeding import default_templates

EARLIER_SEED_BODIES = {
    "gunicorn.conf.py": {
        "8dea4638711840f226890b42fb25a37ca8ad1ce3dc811d8c29d30c5c675057b5",
        "8f9c7514d1cb85d9548e7f3147ef83cc8dfea47db66dcc0df2dc34ed9cb5ce05",
        "c44f65e53830f5248823243c0bcd72521b47dc60a00c2b5e927025d981d25e85",
        "e933c8b064354cb7c4bc33218cfc00edc97364185ec0c58dc4440f9e72c9ad51",
        "fbb086638bfaeea34792361a6c0a5076f00e83a5c4943b7eb312109fb0c945b7",
    },
    "uwsgi.ini": {
        "0b2ed93916bc11e91696dec6eb3010eb94e94aab3e2310ecea569466d1839b02",
        "d7d5871b3622fd77e90f4a21b921f3971b94325f2fd672f958f1336ba020a92f",
        "dd39a9808dad4f5d96e38f4cee2d4b17d7eb1fae8ab812eb19ec819e9cb39976",
    },
    "hypercorn.toml": {
        "617c4ae22d432ee03c377055d7c1e43d5772a5a9284a2ad615d4a816f109adc6",
        "a43d34c676fd6729f93311cfbe3bc2546755a91aa6d60dea93ed0fba5254b097",
        "d6284daba7beae41803e6787927129fb3c4785b484feff3c451108f23099c027",
    },
    "nginx.conf": {
        "50e6395564499bfde3f03b9d157b071af95e52ecd60c6dfa069853127c38b312",
        "e5171f7e60e06d7beab34d04af5c0a5f771f23320544f4c34f993150e2035cab",
    },
    "app.service": {
        "3b6fc3e279da95d3fc5ffba7c94df9077338afee3ba7ad3e24d9fe4d2a2fe1f3",
        "683f16c3c6e7cffe4c453af177bcc31c579209047416d7512b2aa10c60e1b098",
    },
    "supervisor.conf": {
        "78275eda19ecf5142c3fd7e8442c61353d5484aaaccbf7caa78e34b2795a9ca3",
        "c4bc66a105b4f6b41733ae4f687fd90ea85daffec916fac5042bd7aba7e8a389",
    },
    "Dockerfile": {
        "ef5f301c4d7e6465d9396bf8b139288e6d35e9d3f5adaa075d9802228fe1b4fe",
    },
    "kubernetes.yaml": {
        "3b9933ff8432ea1006888a59f5e492ed4df68399a9de43d18f016c64dfceff31",
        "f5483c94d2d285c219f60a051d347c280104f0d9c43c9b77962307b39a0973d4",
    },
    "README.md": {
        "4f03151e3e5f72a35d59f0b3a244bbd9144aeeabb01996477e38c8f47d15d41b",
        "6b53976f8ccda68e1a6ab08b95abbb531f3f4163dfdd2b65dcce2cdc88af8296",
        "761fb1b820ac27dfb8e31dac67c115b9236815b0a8df127f09ef97d0759077a6",
        "7f5b325cdf63d7db1e09cb64fb5fdf85241549f74e44c16d83793a51d2469b00",
        "fc448eb87a3f054bab724db7190f3e5c5debda9feb716c31cdd930a3c89743bb",
    },
}


def update(apps, schema_editor):
    ConfigTemplate = apps.get_model("decisions", "ConfigTemplate")
    bodies = {row["filename"]: row["body"] for row in default_templates()}
    changed = False
    for template in ConfigTemplate.objects.filter(filename__in=EARLIER_SEED_BODIES):
        unedited = hashlib.sha256(template.body.encode()).hexdigest() in EARLIER_SEED_BODIES[template.filename]
        if unedited and template.body != bodies[template.filename]:
            template.body = bodies[template.filename]
            template.save(update_fields=["body"])
            changed = True
    if changed:
        # Migrations use historical models, which send no signal: record the version as a save would.
        CriteriaVersion = apps.get_model("decisions", "CriteriaVersion")
        CriteriaSnapshot = apps.get_model("decisions", "CriteriaSnapshot")
        Server, Option = apps.get_model("decisions", "Server"), apps.get_model("decisions", "Option")
        row = CriteriaVersion.objects.select_for_update().filter(pk=1).first()
        criteria, templates = read_criteria(Server, Option), read_templates(ConfigTemplate)
        record_version(CriteriaVersion, CriteriaSnapshot, row, criteria, templates, "migration 0014")


class Migration(migrations.Migration):
    dependencies = [("decisions", "0013_compare_kit")]
    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
