"""The criteria in force and their config templates, loaded from the models and memoised per criteria version."""

from threading import Lock

from decisions.domain import Criteria, TemplateInfo
from decisions.models import CriteriaVersion, stored_criteria, stored_templates

_memo: dict[str, object] = {}
_memo_lock = Lock()


def current() -> Criteria:
    """The criteria in force: one small query while the memo is fresh, three when it is not."""
    version, changed_at = CriteriaVersion.objects.values_list("number", "changed_at").get(pk=1)
    cached = _memo.get("criteria")
    if cached is not None and (cached.version, cached.changed_at) == (version, changed_at):
        return cached
    criteria = stored_criteria(version, changed_at)
    with _memo_lock:
        _memo["criteria"] = criteria
    return criteria


def current_templates(criteria: Criteria) -> tuple[TemplateInfo, ...]:
    """The config templates of `criteria`'s version: saving a template bumps that version, so one query per version."""
    cached = _memo.get("templates")
    if cached is not None and cached[0] == criteria.key:
        return cached[1]
    templates = stored_templates()
    with _memo_lock:
        _memo["templates"] = (criteria.key, templates)
    return templates


def forget() -> None:
    """Drops the memo, so the next call loads the criteria and templates again."""
    with _memo_lock:
        _memo.clear()
