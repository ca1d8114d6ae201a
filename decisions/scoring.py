"""rank(answers, criteria) -> Ranking: a pure function, no request and no database.

Each answered option adds its points to a server, with a reason, or rules the server out. Then a server that
cannot serve the user's app with every answered feature (decisions.appmodel) is ruled out, with the reason,
where the criteria have not ruled it out already.
Order: eligible servers first, then the higher score, then the lower `position` (the admin-set
order, most established first), then the slug, so equal inputs always rank the same way.
"""

from collections.abc import Mapping
from dataclasses import dataclass

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
