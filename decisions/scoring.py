"""rank(answers, criteria) -> Ranking: a pure function, no request and no database.

Each answered option adds its points to a server, with a reason, or rules the server out. Then a server that
cannot serve the user's app with every answered feature (decisions.appmodel) is ruled out, with the reason,
where the criteria have not ruled it out already.
Order: eligible servers first, then the higher score, then the lower `position` (the admin-set
order, most established first), then the slug, so equal inputs always rank the same way.

what_would_change(answers, criteria) -> Sensitivity: how close the call is (the margin between the first two
eligible servers) and which single changed answer would recommend another server, or none. Pure as well.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from decisions.appmodel import app_model, unfit_reasons
from decisions.domain import Criteria, ServerInfo


@dataclass(frozen=True)
class Reason:
    question: str
    option: str
    text: str
    points: int
    question_text: str
    option_label: str


@dataclass(frozen=True)
class ServerResult:
    server: ServerInfo
    score: int
    reasons: tuple[Reason, ...]
    excluded_because: tuple[Reason, ...]

    @property
    def eligible(self) -> bool:
        return not self.excluded_because


@dataclass(frozen=True)
class Ranking:
    results: tuple[ServerResult, ...]

    @property
    def recommended(self) -> ServerResult | None:
        best = self.results[0] if self.results else None
        return best if best is not None and best.eligible else None

    @property
    def ineligible(self) -> tuple[ServerResult, ...]:
        return tuple(result for result in self.results if not result.eligible)


def rank(choices: Mapping[str, str], criteria: Criteria) -> Ranking:
    reasons: dict[str, list[Reason]] = {server.slug: [] for server in criteria.servers}
    exclusions: dict[str, list[Reason]] = {server.slug: [] for server in criteria.servers}
    for question in criteria.questions:
        option = question.option(choices.get(question.slug, ""))
        if option is None:
            continue
        for server_slug, effect in option.effects.items():
            if server_slug not in reasons:
                continue
            points = 0 if effect.excluded else effect.points
            reason = Reason(question.slug, option.slug, effect.reason, points, question.text, option.label)
            (exclusions if effect.excluded else reasons)[server_slug].append(reason)
    app = app_model(choices)
    for server_slug, excluded in exclusions.items():
        if not excluded:
            excluded.extend(_reason(criteria, *unfit) for unfit in unfit_reasons(server_slug, app, choices))
    results = [
        ServerResult(
            server=server,
            score=sum(reason.points for reason in reasons[server.slug]),
            reasons=tuple(reasons[server.slug]),
            excluded_because=tuple(exclusions[server.slug]),
        )
        for server in criteria.servers
    ]
    results.sort(key=lambda r: (not r.eligible, -r.score, r.server.position, r.server.slug))
    return Ranking(tuple(results))


def _reason(criteria: Criteria, question_slug: str, option_slug: str, text: str) -> Reason:
    """A reason of Serverwise's own, shown at the answer that causes it."""
    question = criteria.question(question_slug)
    option = question.option(option_slug) if question else None
    question_text = question.text if question else question_slug
    return Reason(question_slug, option_slug, text, 0, question_text, option.label if option else option_slug)


CLOSE_CALL_POINTS = 1  # a margin this small or smaller is a close call


@dataclass(frozen=True)
class Change:
    """One answer changed (option None, label "": left unanswered) and the server it would recommend (None: none
    fits)."""

    question: str
    option: str | None
    question_text: str
    option_label: str
    recommended: ServerInfo | None

    def applied_to(self, choices: Mapping[str, str]) -> dict[str, str]:
        changed = {slug: option for slug, option in choices.items() if slug != self.question}
        return changed | ({self.question: self.option} if self.option is not None else {})


@dataclass(frozen=True)
class Sensitivity:
    ranking: Ranking  # of the answers as given
    changes: tuple[Change, ...]  # in question order, then option order, then "unanswered"

    @property
    def leader(self) -> ServerResult | None:
        return self.ranking.recommended

    @property
    def runner_up(self) -> ServerResult | None:
        eligible = [result for result in self.ranking.results if result.eligible]
        return eligible[1] if len(eligible) > 1 else None

    @property
    def margin(self) -> int | None:
        """Points between the first two eligible servers; None when fewer than two are eligible."""
        if self.leader is None or self.runner_up is None:
            return None
        return self.leader.score - self.runner_up.score

    @property
    def close_call(self) -> bool:
        return self.margin is not None and self.margin <= CLOSE_CALL_POINTS

    @property
    def lead(self) -> str:
        """How close the call is, in words; "" when no server fits."""
        leader, runner_up, margin = self.leader, self.runner_up, self.margin
        if leader is None:
            return ""
        if runner_up is None or margin is None:
            return f"Only {leader.server.name} fits every answer."
        if margin == 0:
            return (
                f"A close call: {leader.server.name} and {runner_up.server.name} both score {leader.score:+d};"
                f" {leader.server.name} ranks first as the more established server."
            )
        lead = f"{leader.server.name} leads {runner_up.server.name} by {margin} point{'' if margin == 1 else 's'}."
        return f"A close call: {lead}" if self.close_call else lead


def what_would_change(choices: Mapping[str, str], criteria: Criteria) -> Sensitivity:
    """Re-ranks with each single answer changed: every other option of every question, and unanswered."""
    ranking = rank(choices, criteria)
    recommended = _slug(ranking)
    changes = []
    for question in criteria.questions:
        current = choices.get(question.slug)
        alternatives = [(o.slug, o.label) for o in question.options if o.slug != current]
        if question.option(current or "") is not None:
            alternatives.append((None, ""))
        for option, label in alternatives:
            change = Change(question.slug, option, question.text, label, None)
            changed = rank(change.applied_to(choices), criteria)
            if _slug(changed) != recommended:
                changes.append(replace(change, recommended=changed.recommended.server if changed.recommended else None))
    return Sensitivity(ranking, tuple(changes))


def _slug(ranking: Ranking) -> str | None:
    return ranking.recommended.server.slug if ranking.recommended else None
