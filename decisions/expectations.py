"""Expectations: the guide's own regression tests. A set of answers and the server it must recommend (or none),
checked against any criteria. Pure: plain data in, verdicts out, shared by the admin, the snapshot's record and
the tests."""

from dataclasses import dataclass
from urllib.parse import parse_qsl

from decisions.domain import Criteria
from decisions.scoring import Ranking, ServerResult, rank, tie_breaker


@dataclass(frozen=True)
class ExpectationInfo:
    answers: str  # as in a share link's query: framework=fastapi&async=yes
    expected: str | None  # server slug; None: no server fits
    note: str
    source: str

    @property
    def choices(self) -> dict[str, str]:
        return dict(parse_qsl(self.answers))

    def label(self, criteria: Criteria) -> str:
        return f"{self.answers or 'no answers'} → {server_name(criteria, self.expected)}"


@dataclass(frozen=True)
class Verdict:
    expectation: ExpectationInfo
    recommended: str | None  # what the criteria recommend for its answers
    why: str  # "" when it passes: the scores and the reasons that decide it

    @property
    def passed(self) -> bool:
        return not self.why


def check(expectation: ExpectationInfo, criteria: Criteria) -> Verdict:
    unknown = [
        f"{question}={option}"
        for question, option in expectation.choices.items()
        if not (asked := criteria.question(question)) or not asked.option(option)
    ]
    if unknown:
        return Verdict(expectation, None, f"The criteria no longer offer the answer {', '.join(unknown)}.")
    ranking = rank(expectation.choices, criteria)
    recommended = ranking.recommended.server.slug if ranking.recommended else None
    if recommended == expectation.expected:
        return Verdict(expectation, recommended, "")
    return Verdict(expectation, recommended, _why(expectation, ranking, criteria))


def check_all(expectations: tuple[ExpectationInfo, ...], criteria: Criteria) -> tuple[Verdict, ...]:
    return tuple(check(expectation, criteria) for expectation in expectations)


def broken_by(expectations: tuple[ExpectationInfo, ...], before: Criteria, after: Criteria) -> tuple[Verdict, ...]:
    """The expectations that pass under `before` and fail under `after`: what an edit would break."""
    return tuple(
        verdict
        for expectation in expectations
        if check(expectation, before).passed and not (verdict := check(expectation, after)).passed
    )


def record(verdicts: tuple[Verdict, ...], criteria: Criteria) -> list[str]:
    """The lines a snapshot keeps of the expectations its edit broke."""
    return [f"{verdict.expectation.label(criteria)}: {verdict.why}" for verdict in verdicts]


def _why(expectation: ExpectationInfo, ranking: Ranking, criteria: Criteria) -> str:
    results = {result.server.slug: result for result in ranking.results}
    winner = ranking.recommended
    wanted = results.get(expectation.expected) if expectation.expected else None
    if expectation.expected and wanted is None:
        return f"No server has the slug {expectation.expected} any more."
    if winner is None:
        return f"No server fits: {server_name(criteria, wanted.server.slug)} is ruled out ({_exclusions(wanted)})."
    got = f"{winner.server.name} is recommended ({winner.score:+d})"
    if wanted is None:
        return f"{got}, where no server should fit."
    if not wanted.eligible:
        return f"{got}; {wanted.server.name} is ruled out ({_exclusions(wanted)})."
    if wanted.score == winner.score:
        return (
            f"{got}; {wanted.server.name} is tied on points and loses the tie: {tie_breaker(winner, wanted, criteria)}"
        )
    return f"{got}, {wanted.server.name} scores {wanted.score:+d}. {_deciding(winner, wanted)}"


def _exclusions(result: ServerResult) -> str:
    return "; ".join(reason.text for reason in result.excluded_because)


def _deciding(winner: ServerResult, wanted: ServerResult) -> str:
    """The answers whose points differ between the two servers, the largest gap first."""
    points = {}
    for sign, result in ((1, winner), (-1, wanted)):
        for reason in result.reasons:
            label, gap = points.get(reason.question, (reason.option_label, 0))
            points[reason.question] = (label, gap + sign * reason.points)
    gaps = sorted(((gap, label) for label, gap in points.values() if gap), key=lambda item: -abs(item[0]))
    shown = ", ".join(f"{label} {gap:+d} for {winner.server.name}" for gap, label in gaps[:3])
    return f"Deciding answers: {shown}." if shown else ""


def server_name(criteria: Criteria, slug: str | None) -> str:
    if slug is None:
        return "no server fits"
    server = criteria.server(slug)
    return server.name if server else slug
