"""rank(answers, criteria) -> Ranking: a pure function, no request and no database.

Each answered option adds its points to a server, with a reason, or rules the server out.
Order: eligible servers first, then the higher score, then the lower `position` (the admin-set
order, most established first), then the slug, so equal inputs always rank the same way.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from decisions.criteria import Criteria, ServerInfo


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
