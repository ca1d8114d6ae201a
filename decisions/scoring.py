"""rank(answers, criteria) -> Ranking: a pure function, no request and no database.

Each answered option adds its points to a server, with a reason, or rules the server out. Then a server that
cannot serve the user's app with every answered feature (decisions.appmodel) is ruled out, with the reason,
where the criteria have not ruled it out already.
Order: eligible servers first, then the higher score; on equal points, the tie rule (TIE_RULE, tie_breaker):
a server that meets every answer without an experimental feature first, then the more mature one, then the
earlier first release, then the slug. Never the admin's list position.

what_would_change(answers, criteria) -> Sensitivity: how close the call is (the margin between the first two
eligible servers) and which single changed answer would recommend another server, or none. Pure as well.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from decisions.appmodel import app_model, unfit_reasons
from decisions.domain import MATURITY, MATURITY_LEVELS, POSITION, Criteria, OptionInfo, ServerInfo

TIE_RULE = (
    "On equal points, a server that meets every answer without an experimental feature ranks first; then the"
    " more mature server (proven, widely deployed, growing, maintenance only); then the one first released earlier."
)
POSITION_TIE_RULE = "On equal points, the server listed first in this version of the criteria ranks first."


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
    experimental: tuple[Reason, ...] = ()  # the answers it meets only through an experimental feature

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
    experimental: dict[str, list[Reason]] = {server.slug: [] for server in criteria.servers}
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
            if effect.experimental:
                experimental[server_slug].append(reason)
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
            experimental=tuple(experimental[server.slug]),
        )
        for server in criteria.servers
    ]
    order = tie_order(criteria)
    results.sort(key=lambda r: (not r.eligible, precedence(r.score, bool(r.experimental), order[r.server.slug])))
    return Ranking(tuple(results))


def precedence(score: int, experimental: bool, place: int) -> tuple[int, tuple[bool, int]]:
    """rank()'s order among servers that nothing rules out, the smaller first: more points, then tie_key()."""
    return -score, tie_key(experimental, place)


def tie_key(experimental: bool, place: int) -> tuple[bool, int]:
    """On equal points, the smaller first: no experimental feature, then the place in tie_order()."""
    return experimental, place


def tie_order(criteria: Criteria) -> dict[str, int]:
    """Each server's place among servers on equal points that need no experimental feature (0 first): by
    maturity, then the first release, then the slug; in a format 1 snapshot, by position as it was then."""
    if criteria.tie_rule == POSITION:
        key = lambda server: (server.position, server.slug)  # noqa: E731
    else:
        key = lambda server: (server.maturity_level, server.first_release_year, server.slug)  # noqa: E731
    return {server.slug: place for place, server in enumerate(sorted(criteria.servers, key=key))}


def tie_breaker(first: ServerResult, second: ServerResult, criteria: Criteria) -> str:
    """Why `first` ranks above `second` on equal points, in words: the step of the tie rule that decided."""
    a, b = first.server, second.server
    if criteria.tie_rule == POSITION:
        return f"{a.name} was listed before {b.name} in this version of the criteria."
    if not first.experimental and second.experimental:
        return f"{b.name} needs an experimental feature for “{second.experimental[0].option_label}”, {a.name} does not."
    if a.maturity_level != b.maturity_level:
        return f"{a.name} is {_maturity(a)}, {b.name} {_maturity(b)}."
    if a.first_release_year != b.first_release_year:
        return f"{a.name} was first released in {a.first_release_year}, {b.name} in {b.first_release_year}."
    return "the two are equal on every other step, and the name decides."


def _maturity(server: ServerInfo) -> str:
    return MATURITY_LEVELS[server.maturity_level].partition(":")[0]


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
    tie_break: str  # when the first two eligible servers tie on points: the step of the tie rule that decided
    tie_rule: str  # the whole rule, stated

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
    def tied(self) -> bool:
        return self.margin == 0

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
                f"Tied on points: {leader.server.name} and {runner_up.server.name} both score {leader.score:+d}."
                f" The tie rule puts {leader.server.name} first: {self.tie_break}"
            )
        lead = f"{leader.server.name} leads {runner_up.server.name} by {margin} point{'' if margin == 1 else 's'}."
        return f"A close call: {lead}" if self.close_call else lead


@dataclass
class Tally:
    """Per server: the answers' points, how many rule it out, how many it meets only experimentally."""

    scores: dict[str, int]
    exclusions: dict[str, int]
    experimental: dict[str, int]

    def copy(self) -> "Tally":
        return Tally(dict(self.scores), dict(self.exclusions), dict(self.experimental))

    def add(self, option: OptionInfo | None, sign: int = 1) -> None:
        """Adds (sign 1) or takes back (-1) an answered option's effects, as rank() counts them."""
        if option is None:
            return
        for server_slug, effect in option.effects.items():
            if server_slug in self.scores:
                if effect.excluded:
                    self.exclusions[server_slug] += sign
                else:
                    self.scores[server_slug] += sign * effect.points
                if effect.experimental:
                    self.experimental[server_slug] += sign


def what_would_change(choices: Mapping[str, str], criteria: Criteria) -> Sensitivity:
    """Re-ranks with each single answer changed: every other option of every question, and unanswered.

    Each changed set needs only its best server, so it is worked out from the answers' tally with one answer's
    effects swapped, not ranked whole: the same order as rank(), without building its reasons."""
    ranking = rank(choices, criteria)
    recommended = _slug(ranking)
    zero = {server.slug: 0 for server in criteria.servers}
    tally = Tally(dict(zero), dict(zero), dict(zero))
    for question in criteria.questions:
        tally.add(question.option(choices.get(question.slug, "")))
    order = tie_order(criteria)
    changes = []
    for question in criteria.questions:
        current = question.option(choices.get(question.slug, ""))
        alternatives: list[OptionInfo | None] = [o for o in question.options if o is not current]
        if current is not None:
            alternatives.append(None)
        others = {slug: option for slug, option in choices.items() if slug != question.slug}
        unanswered = tally.copy()
        unanswered.add(current, -1)
        for option in alternatives:
            changed_tally = unanswered.copy()
            changed_tally.add(option)
            changed = others | {question.slug: option.slug} if option else others
            best = _best(changed, changed_tally, criteria, order)
            if (best.slug if best else None) != recommended:
                slug, label = (option.slug, option.label) if option else (None, "")
                changes.append(Change(question.slug, slug, question.text, label, best))
    rule = TIE_RULE if criteria.tie_rule == MATURITY else POSITION_TIE_RULE
    sensitivity = Sensitivity(ranking, tuple(changes), "", rule)
    if sensitivity.tied:
        sensitivity = replace(sensitivity, tie_break=tie_breaker(sensitivity.leader, sensitivity.runner_up, criteria))
    return sensitivity


def _best(choices: Mapping[str, str], tally: Tally, criteria: Criteria, order: dict[str, int]) -> ServerInfo | None:
    """rank()'s recommended server for this tally: the first in rank()'s order that nothing rules out."""
    app = app_model(choices)
    ranked = sorted(
        criteria.servers,
        key=lambda s: precedence(tally.scores[s.slug], tally.experimental[s.slug] > 0, order[s.slug]),
    )
    for server in ranked:
        if not tally.exclusions[server.slug] and not unfit_reasons(server.slug, app, choices):
            return server
    return None


def _slug(ranking: Ranking) -> str | None:
    return ranking.recommended.server.slug if ranking.recommended else None


@dataclass(frozen=True)
class Outdated:
    """The same answers ranked with a pinned version of the criteria and with today's, and what differs."""

    then: Ranking
    now: Ranking
    choices: dict[str, str]  # the answers today's criteria still offer, which `now` ranks
    changes: tuple[str, ...]  # per server: reasons added, removed, re-weighted; exclusions; answers dropped

    @property
    def same_recommendation(self) -> bool:
        return _slug(self.then) == _slug(self.now)


def compare_versions(choices: Mapping[str, str], then: Criteria, now: Criteria) -> Outdated:
    """Ranks `choices` with both versions; an answer today's criteria no longer offer is dropped, and said so."""
    kept = {q: o for q, o in choices.items() if (question := now.question(q)) and question.option(o)}
    changes = [
        f"Your answer {q}={o} is no longer offered, so today's result leaves it out."
        for q, o in choices.items()
        if q not in kept
    ]
    before, after = rank(choices, then), rank(kept, now)
    old_results = {result.server.slug: result for result in before.results}
    for result in after.results:
        old = old_results.get(result.server.slug)
        if old is None:
            changes.append(f"{result.server.name} is a new server.")
            continue
        changes += [f"{result.server.name}: {line}" for line in _reason_changes(old, result)]
    changes += [f"{slug} is no longer a server." for slug in old_results if now.server(slug) is None]
    return Outdated(before, after, kept, tuple(changes))


def _reason_changes(old: ServerResult, new: ServerResult) -> list[str]:
    def points(result: ServerResult) -> dict:
        return {(r.question, r.option): r for r in result.reasons}

    def exclusions(result: ServerResult) -> dict:
        return {(r.question, r.option, r.text): r for r in result.excluded_because}

    was, now = points(old), points(new)
    lines = [f"new reason “{r.text}” ({r.option_label}: {r.points:+d})" for key, r in now.items() if key not in was]
    lines += [f"reason dropped “{r.text}” (was {r.points:+d})" for key, r in was.items() if key not in now]
    lines += [
        f"“{r.text}” re-weighted {was[key].points:+d} → {r.points:+d}"
        for key, r in now.items()
        if key in was and was[key].points != r.points
    ]
    lines += [
        f"“{r.text}” reworded (was “{was[key].text}”)"
        for key, r in now.items()
        if key in was and was[key].points == r.points and was[key].text != r.text
    ]
    was_out, now_out = exclusions(old), exclusions(new)
    lines += [f"now ruled out: {r.text}" for key, r in now_out.items() if key not in was_out]
    lines += [f"no longer ruled out: {r.text}" for key, r in was_out.items() if key not in now_out]
    return lines
