"""An admin's edit of the criteria, tried before it is kept: the edit runs in a transaction, and is rolled back
when the admin asked for a preview of its impact, or when it breaks an expectation and the admin did not tick
"save anyway". Every criteria form of the admin goes through held_edit()."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from decisions import store
from decisions.domain import Criteria
from decisions.expectations import Verdict, broken_by, server_name
from decisions.models import stored_criteria, stored_expectations
from decisions.signals import one_version_bump
from decisions.space import Impact, impact

PREVIEW = "_preview_impact"
SAVE_ANYWAY = "_save_anyway"
EXAMPLES_SHOWN = 5


@dataclass(frozen=True)
class Example:
    url: str  # the answer set's result under the current criteria
    answers: str
    after: str  # the server it would get after the save, or "no server fits"


@dataclass(frozen=True)
class MoveShown:
    before: str
    after: str
    count: str  # as people read numbers: 403,100 (1.49%)
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class EditReport:
    """What an edit would do: the expectations it breaks, and (on a preview) its impact on every answer set."""

    before: Criteria
    after: Criteria
    broken: tuple[Verdict, ...]
    impact: Impact | None
    preview: bool

    @property
    def changed(self) -> str:
        """E.g. "796,740 of 27,095,040 (2.94%)"."""
        return f"{self.impact.changed:,} of {self.impact.total:,} ({self.impact.share:.2%})"

    @property
    def message(self) -> str:
        if self.broken:
            count = len(self.broken)
            return (
                f"Not saved: this edit breaks {count} expectation{'s' if count > 1 else ''} (below). Change it, or"
                " tick “Save anyway” and save again."
            )
        return "Not saved: this is a preview of the edit's impact (below). Save to keep the edit."

    def moves(self) -> list[MoveShown]:
        if self.impact is None:
            return []
        return [
            MoveShown(
                server_name(self.before, move.before),
                server_name(self.after, move.after),
                f"{move.count:,} ({move.count / self.impact.total:.2%})",
                tuple(self._example(choices, move.after) for choices in move.examples[:EXAMPLES_SHOWN]),
            )
            for move in self.impact.moves
        ]

    def _example(self, choices: dict[str, str], after: str | None) -> Example:
        answers = urlencode(choices)
        query = "&".join(part for part in (answers, f"v={self.before.version}") if part)
        return Example(f"{reverse('result')}?{query}", answers or "no answers", server_name(self.after, after))


class HeldEdit(Exception):
    def __init__(self, report: EditReport):
        super().__init__(report.message)
        self.report = report


def held_edit(request: HttpRequest, by: str, save: Callable[[], bool]):
    """Runs `save` (True when it saved) in one transaction with its criteria version. Raises HeldEdit, having
    rolled the edit back, on a preview or when it breaks an expectation without "save anyway"."""
    before = store.current()
    preview = PREVIEW in request.POST
    with one_version_bump(by), transaction.atomic():
        if not save():
            return
        after = stored_criteria(before.version, before.changed_at)
        broken = broken_by(stored_expectations(), before, after)
        if preview or (broken and SAVE_ANYWAY not in request.POST):
            raise HeldEdit(EditReport(before, after, broken, impact(before, after) if preview else None, preview))
