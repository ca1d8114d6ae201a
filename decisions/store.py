"""The criteria in force and their config templates, and the measuring run each version shows, loaded from the models
and memoised per criteria version."""

import functools
import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Lock

from django.db import connection

from decisions.domain import Criteria, TemplateInfo
from decisions.measured import MeasuredRun, parse_run
from decisions.models import CriteriaSnapshot, MeasurementRun, stored_criteria, stored_templates

_memo: dict[str, object] = {}
_memo_lock = Lock()
# Snapshots never change, so each is loaded once: by version number, the least recently used dropped first.
_snapshots: OrderedDict[int, tuple[Criteria, tuple[TemplateInfo, ...]]] = OrderedDict()
SNAPSHOTS_KEPT = 16
# The run each version shows, by the version's key: the current one's and those of the snapshots kept.
_runs: OrderedDict[str, "ShownRun | None"] = OrderedDict()
RUNS_KEPT = SNAPSHOTS_KEPT + 1


@dataclass(frozen=True)
class ShownRun:
    id: int  # the MeasurementRun row's
    run: MeasuredRun


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


def version(number: int) -> tuple[Criteria, tuple[TemplateInfo, ...]] | None:
    """The criteria and templates of version `number` as its snapshot froze them (None: no such version); one query
    when not memoised."""
    with _memo_lock:
        if number in _snapshots:
            _snapshots.move_to_end(number)
            return _snapshots[number]
    snapshot = CriteriaSnapshot.objects.select_related("measurement_run").filter(number=number).first()
    if snapshot is None:
        return None
    frozen = snapshot.frozen()
    with _memo_lock:
        _snapshots[number] = frozen
        while len(_snapshots) > SNAPSHOTS_KEPT:
            _snapshots.popitem(last=False)
    _keep_run(frozen[0], snapshot.measurement_run)
    return frozen


def shown_run(criteria: Criteria) -> ShownRun | None:
    """The measuring run the pages show with `criteria`'s version (None: no run yet); one query when not memoised
    (a pinned version's comes with its snapshot)."""
    with _memo_lock:
        if criteria.key in _runs:
            _runs.move_to_end(criteria.key)
            return _runs[criteria.key]
    snapshot = CriteriaSnapshot.objects.filter(number=criteria.version)
    return _keep_run(criteria, MeasurementRun.objects.filter(pk__in=snapshot.values("measurement_run")).first())


def _keep_run(criteria: Criteria, row: MeasurementRun | None) -> ShownRun | None:
    shown = ShownRun(row.pk, _parsed(row.source)) if row else None
    with _memo_lock:
        _runs[criteria.key] = shown
        while len(_runs) > RUNS_KEPT:
            _runs.popitem(last=False)
    return shown


@functools.lru_cache(maxsize=4)
def _parsed(source: str) -> MeasuredRun:
    """A run file read once, however many versions show it."""
    return parse_run(json.loads(source))


def changelog() -> list[CriteriaSnapshot]:
    """Every version's number, date and changes, newest first, without the snapshots' data."""
    return list(CriteriaSnapshot.objects.only("number", "created_at", "summary", "changes", "broken_expectations"))


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
        _snapshots.clear()
        _runs.clear()
