"""Any change to the criteria or the config templates bumps the criteria version, so cached results are never stale."""

from django.db.models.signals import post_delete, post_save

from decisions.models import ConfigTemplate, CriteriaVersion, Effect, Option, Question, Server

CRITERIA_MODELS = (Server, Question, Option, Effect, ConfigTemplate)


def bump_criteria_version(sender, raw: bool = False, **kwargs) -> None:
    if not raw:
        CriteriaVersion.bump()


for model in CRITERIA_MODELS:
    post_save.connect(bump_criteria_version, sender=model, dispatch_uid=f"bump-on-save-{model.__name__}")
    post_delete.connect(bump_criteria_version, sender=model, dispatch_uid=f"bump-on-delete-{model.__name__}")
