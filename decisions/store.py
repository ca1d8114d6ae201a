"""The criteria in force and their config templates, loaded from the models and memoised per criteria version."""

from datetime import UTC, datetime
from threading import Lock

from django.db import connection

from decisions.domain import Criteria, TemplateInfo
from decisions.models import stored_criteria, stored_templates

_memo: dict[str, object] = {}
_memo_lock = Lock()


Stamp = tuple[int, datetime]  # (number, changed_at) of the CriteriaVersion row, as the database returns them


def read_stamp() -> Stamp:
    """The stored criteria version. Every result request reads it, on every worker and instance, so an edit shows
    at once; a raw query, because the ORM's query building costs several times the read itself."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT number, changed_at FROM decisions_criteriaversion WHERE id = 1")
        return cursor.fetchone()


def current(stamp: Stamp | None = None) -> Criteria:
    """The criteria in force at `stamp` (read here when not given): no more queries while the memo is fresh, three
    when it is not."""
    stamp = stamp or read_stamp()
    cached = _memo.get("criteria")
    if cached is not None and cached[0] == stamp:
        return cached[1]
    number, changed_at = stamp
    if changed_at.tzinfo is None:  # SQLite gives the stored UTC time without its zone, PostgreSQL with it
        changed_at = changed_at.replace(tzinfo=UTC)
    criteria = stored_criteria(number, changed_at)
    with _memo_lock:
        _memo["criteria"] = (stamp, criteria)
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
