"""Any change to the criteria or the config templates bumps the criteria version, so cached results are never stale."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models.signals import post_delete, post_save

from decisions.models import ConfigTemplate, CriteriaVersion, Effect, Option, Question, Server

CRITERIA_MODELS = (Server, Question, Option, Effect, ConfigTemplate)
_batch = threading.local()


@contextmanager
def one_version_bump() -> Iterator[None]:
    """Many changes, one new criteria version at the end (an import, a reset, a scoring matrix save)."""
    _batch.depth = getattr(_batch, "depth", 0) + 1
    try:
        yield
    finally:
        _batch.depth -= 1
    if _batch.depth == 0:
        CriteriaVersion.bump()


def bump_criteria_version(sender, raw: bool = False, **kwargs) -> None:
    if not raw and not getattr(_batch, "depth", 0):
        CriteriaVersion.bump()


for model in CRITERIA_MODELS:
    post_save.connect(bump_criteria_version, sender=model, dispatch_uid=f"bump-on-save-{model.__name__}")
    post_delete.connect(bump_criteria_version, sender=model, dispatch_uid=f"bump-on-delete-{model.__name__}")
