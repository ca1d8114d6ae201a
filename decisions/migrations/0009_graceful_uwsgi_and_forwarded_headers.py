"""Brings stored config templates that still hold an earlier seed up to today's, in one new criteria version:

- uwsgi.ini stops gracefully on SIGTERM (uWSGI 2.0's die-on-term cut open requests off);
- gunicorn.conf.py and README.md say that the Uvicorn worker takes the client's address from X-Forwarded-For;
- README.md wraps a WSGI app on Hypercorn in Werkzeug's ProxyFix (Hypercorn's own is ASGI only), under the name
  the app's import path gives it.

A template whose body is not one the seed ever shipped (by its SHA-256) was edited by an admin and is left as it is.
"""

import hashlib

from django.db import migrations

from decisions.models import read_criteria, read_templates, record_version
from decisions.seeding import default_templates

EARLIER_SEED_BODIES = {
    "uwsgi.ini": {
        "0b2ed93916bc11e91696dec6eb3010eb94e94aab3e2310ecea569466d1839b02",
        "dd39a9808dad4f5d96e38f4cee2d4b17d7eb1fae8ab812eb19ec819e9cb39976",
    },
    "gunicorn.conf.py": {
        "8dea4638711840f226890b42fb25a37ca8ad1ce3dc811d8c29d30c5c675057b5",
        "8f9c7514d1cb85d9548e7f3147ef83cc8dfea47db66dcc0df2dc34ed9cb5ce05",
        "e933c8b064354cb7c4bc33218cfc00edc97364185ec0c58dc4440f9e72c9ad51",
        "fbb086638bfaeea34792361a6c0a5076f00e83a5c4943b7eb312109fb0c945b7",
    },
    "README.md": {
        "761fb1b820ac27dfb8e31dac67c115b9236815b0a8df127f09ef97d0759077a6",
        "7a714b934b0fd9a1b7801caa5b567d12d8cc6251d251b3276a4cbaeb19186884",
        "7f5b325cdf63d7db1e09cb64fb5fdf85241549f74e44c16d83793a51d2469b00",
    },
}


def update(apps, schema_editor):
    ConfigTemplate = apps.get_model("decisions", "ConfigTemplate")
    bodies = {row["filename"]: row["body"] for row in default_templates()}
    changed = False
    for template in ConfigTemplate.objects.filter(filename__in=EARLIER_SEED_BODIES):
        if hashlib.sha256(template.body.encode()).hexdigest() in EARLIER_SEED_BODIES[template.filename]:
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
        record_version(CriteriaVersion, CriteriaSnapshot, row, criteria, templates, "migration 0009")


class Migration(migrations.Migration):
    dependencies = [("decisions", "0008_configtemplate_help_text")]
    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
