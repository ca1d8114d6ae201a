"""The "Criteria editors" group: exactly the permissions to edit the criteria and config templates."""

from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes
from django.db import migrations

GROUP = "Criteria editors"
EDITABLE_MODELS = ("server", "question", "option", "effect", "configtemplate")
ACTIONS = ("add", "change", "delete", "view")


def create_group(apps, schema_editor):
    app_config = apps.get_app_config("decisions")
    app_config.models_module = True  # lets the management helpers run on migration state
    create_contenttypes(app_config, apps=apps, verbosity=0)
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in EDITABLE_MODELS for action in ACTIONS] + ["view_criteriaversion"]
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label="decisions", codename__in=codenames))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0004_seed_config_templates"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
