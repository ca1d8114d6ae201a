"""Any change to the criteria or the config templates makes a new criteria version with its snapshot, in the
change's own transaction, so cached results are never stale and pinned links keep what they showed."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from decisions.models import ConfigTemplate, CriteriaVersion, Effect, Option, Question, Server

CRITERIA_MODELS = (Server, Question, Option, Effect, ConfigTemplate)
_batch = threading.local()


@contextmanager
def one_version_bump(by: str = "") -> Iterator[None]:
    """Many changes, one new criteria version at the end, inside one transaction (an admin save with its inlines,
    an import, a reset, a scoring matrix save); none when nothing changed. `by` names who made the change; the
    outermost batch's name counts."""
    outermost = not getattr(_batch, "depth", 0)
    if outermost:
        _batch.changed, _batch.by = False, by
    _batch.depth = getattr(_batch, "depth", 0) + 1
    try:
        with transaction.atomic():
            yield
            if outermost and _batch.changed:
                CriteriaVersion.bump(_batch.by)
    finally:
        _batch.depth -= 1


def bump_criteria_version(sender, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    if getattr(_batch, "depth", 0):
        _batch.changed = True
    else:
        CriteriaVersion.bump()


for model in CRITERIA_MODELS:
    post_save.connect(bump_criteria_version, sender=model, dispatch_uid=f"bump-on-save-{model.__name__}")
    post_delete.connect(bump_criteria_version, sender=model, dispatch_uid=f"bump-on-delete-{model.__name__}")
