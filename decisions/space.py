"""The whole answer space of the criteria, walked exactly, and what an edit of the criteria changes in it.

An answer set gives each question "unanswered" or one of its options: with the seed's twelve questions that is
27,095,040 sets. The app model and the server's plan read only the FEATURES questions; the others only add points
or rule servers out. So the space is walked as feature sets x rest sets. Each is grouped by its tally (per server:
points, exclusions, answers it meets only experimentally; a feature set's exclusions include the servers the app
model finds unfit), and each feature group is ranked against every rest group at once (Lanes), in rank()'s order:
scoring.precedence() over scoring.tie_order().

impact(before, after) walks every answer set of `after` and ranks each with both criteria: an answer `before` does
not offer counts there as unanswered, as compare_versions() drops it.
"""

import functools
import heapq
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from decisions.appmodel import app_model, unfit_reasons
from decisions.contract import ASYNC, ASYNCLIB, DEPLOY, FRAMEWORK, HTTP, REALTIME, TLS, WORKLOAD
from decisions.domain import Criteria, OptionInfo
from decisions.scoring import tie_key, tie_order

# The questions whose answers the app model and the server's plan read (tests/test_answer_space.py records what the
# plan reads), walked answer by answer: every other question only adds points or rules servers out.
FEATURES = (FRAMEWORK, ASYNC, REALTIME, HTTP, ASYNCLIB, WORKLOAD, DEPLOY, TLS)
EXAMPLES = 5  # example answer sets per move
POINTS, EXCLUSIONS, EXPERIMENTAL = range(3)  # the fields of a server in a packed tally

Answers = tuple[str | None, ...]


def answers(criteria: Criteria, slug: str) -> Answers:
    """A question's possible answers: unanswered (None), then each option."""
    return (None, *(option.slug for option in criteria.question(slug).options))


def answer_sets(criteria: Criteria, slugs: Sequence[str]) -> Iterator[dict[str, str]]:
    """Every combination of the questions' answers, as choices (unanswered ones left out)."""
    for values in itertools.product(*(answers(criteria, slug) for slug in slugs)):
        yield _choices(slugs, values)


def space_size(criteria: Criteria) -> int:
    return math.prod(len(question.options) + 1 for question in criteria.questions)


def partition(criteria: Criteria) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The criteria's questions: the FEATURES it asks, then the rest."""
    slugs = [question.slug for question in criteria.questions]
    return tuple(slug for slug in FEATURES if slug in slugs), tuple(slug for slug in slugs if slug not in FEATURES)


def _choices(slugs: Sequence[str], values: Iterable[str | None]) -> dict[str, str]:
    return {slug: value for slug, value in zip(slugs, values, strict=True) if value is not None}


@dataclass(frozen=True)
class Questions:
    """Some questions and their answers: answer set number i is the i-th of their product (the last varies first)."""

    slugs: tuple[str, ...]
    answers: tuple[Answers, ...]

    @classmethod
    def of(cls, criteria: Criteria, slugs: tuple[str, ...]) -> "Questions":
        return cls(slugs, tuple(answers(criteria, slug) for slug in slugs))

    @property
    def size(self) -> int:
        return math.prod(len(options) for options in self.answers)

    def choices(self, index: int) -> dict[str, str]:
        values = []
        for options in reversed(self.answers):
            index, digit = divmod(index, len(options))
            values.append(options[digit])
        return _choices(self.slugs, reversed(values))

    def index(self, choices: Mapping[str, str]) -> int:
        index = 0
        for slug, options in zip(self.slugs, self.answers, strict=True):
            index = index * len(options) + options.index(choices.get(slug))
        return index

    @functools.cached_property
    def answered(self) -> list[int]:
        """How many questions each answer set answers."""
        counts = [0]
        for options in self.answers:
            counts = [count + (value is not None) for count in counts for value in options]
        return counts


@functools.lru_cache(maxsize=8)
def unfit_masks(servers: tuple[str, ...], slugs: tuple[str, ...], offered: tuple[Answers, ...]) -> tuple[int, ...]:
    """For every answer set of the questions (product order), the servers the app model finds unfit: bit i for
    servers[i]. `offered` may repeat None where the criteria do not offer an answer that is walked.

    A cache, as the masks depend only on the answers and the server slugs, never on points or exclusions: every
    preview of a weight edit after the first reuses them. The key holds all they depend on, so an edit that adds an
    option or a server makes a new entry instead of a stale one; the least recently used of 8 goes (an entry is one
    int per feature set, 60,480 with the seed). Only a change of decisions/appmodel.py's code would invalidate an
    entry, and code changes restart the process.
    """
    masks = []
    for values in itertools.product(*offered):
        choices = _choices(slugs, values)
        app = app_model(choices)
        masks.append(sum(1 << i for i, server in enumerate(servers) if unfit_reasons(server, app, choices)))
    return tuple(masks)


class Side:
    """One criteria's tallies of answer sets, packed in one int: per server (in the criteria's order) three signed
    fields of `width` bits, POINTS, EXCLUSIONS and EXPERIMENTAL answers, so that adding tallies adds every field.
    Counted as scoring.Tally counts them; an answer the criteria do not offer counts as unanswered."""

    def __init__(self, criteria: Criteria):
        self.criteria = criteria
        self.servers = tuple(server.slug for server in criteria.servers)
        self.index = {slug: i for i, slug in enumerate(self.servers)}
        order = tie_order(criteria)
        self.places = tuple(order[slug] for slug in self.servers)
        self.points_bound = sum(
            max((abs(effect.points) for option in question.options for effect in option.effects.values()), default=0)
            for question in criteria.questions
        )
        self.width = max(self.points_bound, len(criteria.questions) + 1).bit_length() + 2

    def tallies(self, questions: Questions, unfit: bool) -> list[int]:
        """The tally of every answer set of `questions`, in their order; with `unfit`, a server the app model finds
        unfit for the answers counts one exclusion more."""
        totals = [0]
        for slug, options in zip(questions.slugs, questions.answers, strict=True):
            step = [self._tally(self._option(slug, value)) for value in options]
            totals = [total + tally for total in totals for tally in step]
        if not unfit:
            return totals
        masks = unfit_masks(self.servers, questions.slugs, self._offered(questions))
        exclusions = {mask: self._unfit_tally(mask) for mask in set(masks)}
        return [total + exclusions[mask] for total, mask in zip(totals, masks, strict=True)]

    def unpack(self, tally: int) -> list[tuple[int, int, int]]:
        """Per server: (points, exclusions, experimental answers)."""
        fields, sign, full = [], 1 << (self.width - 1), 1 << self.width
        for _ in range(3 * len(self.servers)):
            low = tally & (full - 1)
            value = low - full if low & sign else low
            fields.append(value)
            tally = (tally - value) >> self.width
        return [tuple(fields[i : i + 3]) for i in range(0, len(fields), 3)]

    def _field(self, server: int, field: int, value: int = 1) -> int:
        return value << (self.width * (3 * server + field))

    def _tally(self, option: OptionInfo | None) -> int:
        tally = 0
        for slug, effect in option.effects.items() if option else ():
            if slug in self.index:
                server = self.index[slug]
                tally += (
                    self._field(server, EXCLUSIONS) if effect.excluded else self._field(server, POINTS, effect.points)
                )
                tally += self._field(server, EXPERIMENTAL) if effect.experimental else 0
        return tally

    def _unfit_tally(self, mask: int) -> int:
        return sum(self._field(server, EXCLUSIONS) for server in range(len(self.servers)) if mask >> server & 1)

    def _option(self, slug: str, value: str | None) -> OptionInfo | None:
        question = self.criteria.question(slug)
        return question.option(value) if question and value is not None else None

    def _offered(self, questions: Questions) -> tuple[Answers, ...]:
        return tuple(
            tuple(value if self._option(slug, value) else None for value in options)
            for slug, options in zip(questions.slugs, questions.answers, strict=True)
        )


class Lanes:
    """`count` non-negative numbers side by side in one int, in lanes of `width` bits whose top bit stays clear, so
    that one big-int operation compares or picks in every lane at once. A set of lanes is given as flags: bit
    `width * lane` set for each."""

    def __init__(self, count: int, width: int):
        self.width = width
        self.ones = sum(1 << (width * lane) for lane in range(count))
        self.guards = self.ones << (width - 1)
        self.lane = (1 << width) - 1

    def pack(self, values: Iterable[int]) -> int:
        return sum(value << (self.width * lane) for lane, value in enumerate(values))

    def spread(self, flags: int) -> int:
        """The flagged lanes, every bit set."""
        return flags * self.lane

    def at_least(self, a: int, b: int) -> int:
        return (((a | self.guards) - b) & self.guards) >> (self.width - 1)

    def maximum(self, a: int, b: int) -> int:
        a_wins = self.spread(self.at_least(a, b))
        return (a & a_wins) | (b & ~a_wins)

    def nonzero(self, a: int) -> int:
        return ((a + self.guards - self.ones) & self.guards) >> (self.width - 1)

    def total(self, values: int, flags: int) -> int:
        """The sum of the flagged lanes' values (less than a lane can hold: see Walk)."""
        return (values & self.spread(flags)) % self.lane

    def first(self, flags: int) -> int:
        return ((flags & -flags).bit_length() - 1) // self.width

    def each(self, flags: int) -> Iterator[int]:
        while flags:
            yield self.first(flags)
            flags &= flags - 1


class Ranker:
    """One criteria's recommendation for a feature tally with every rest group, one lane each. A server's place in
    rank()'s order is one number per lane, the highest first: (points + bias) * step + its tie value (tie_key()
    ranked: 2 x servers values, below one point's step); 0 where it is ruled out."""

    def __init__(self, side: Side, lanes: Lanes, rest: Sequence[int], bias: int):
        self.side, self.lanes = side, lanes
        count = len(side.servers)
        self.step = 2 * count + 1
        ties = sorted(itertools.product((False, True), side.places), key=lambda tie: tie_key(*tie), reverse=True)
        value = {tie: n + 1 for n, tie in enumerate(ties)}
        tallies = [side.unpack(tally) for tally in rest]
        self.scores, self.open, self.plain_ties, self.experimental_ties = [], [], [], []
        for i, place in enumerate(side.places):
            self.scores.append(lanes.pack((fields[i][POINTS] + bias) * self.step for fields in tallies))
            self.open.append(lanes.spread(lanes.pack(not fields[i][EXCLUSIONS] for fields in tallies)))
            experimental = lanes.pack(fields[i][EXPERIMENTAL] > 0 for fields in tallies)
            plain, flagged = value[False, place], value[True, place]
            self.plain_ties.append(lanes.ones * plain + experimental * (flagged - plain))
            self.experimental_ties.append(lanes.ones * flagged)
        self._winners: dict[int, dict[str | None, int]] = {}

    def winners(self, feature: int) -> dict[str | None, int]:
        """The lanes (rest groups) each server is recommended in, None where no server fits; empty ones left out."""
        if feature not in self._winners:
            self._winners[feature] = self._rank(feature)
        return self._winners[feature]

    def _rank(self, feature: int) -> dict[str | None, int]:
        lanes = self.lanes
        keys = {}
        for i, (points, exclusions, experimental) in enumerate(self.side.unpack(feature)):
            if not exclusions:
                ties = self.experimental_ties[i] if experimental else self.plain_ties[i]
                keys[self.side.servers[i]] = (self.scores[i] + points * self.step * lanes.ones + ties) & self.open[i]
        best = functools.reduce(lanes.maximum, keys.values(), 0)
        winners = {slug: lanes.nonzero(key) & ~lanes.nonzero(best - key) for slug, key in keys.items()}
        winners[None] = lanes.ones & ~lanes.nonzero(best)
        return {slug: flags for slug, flags in winners.items() if flags}


@dataclass(frozen=True)
class Outcome:
    recommended: str | None  # server slug; None when every server is ruled out
    answer_sets: int  # how many rest sets lead to it with these feature answers
    example: dict[str, str]  # answers to the rest that lead to it


class Walk:
    """Every answer set of `walked`, grouped by its tallies in each of `sides`: feature groups, and rest groups
    (the lanes, the simplest first), ranked by each side."""

    def __init__(self, walked: Criteria, sides: Sequence[Criteria]):
        self.walked = walked
        features, rest = partition(walked)
        self.features, self.rest = Questions.of(walked, features), Questions.of(walked, rest)
        per_side = tuple(Side(criteria) for criteria in sides)
        self.feature_keys = list(zip(*(side.tallies(self.features, unfit=True) for side in per_side), strict=True))
        self.feature_groups = _group(self.feature_keys)
        self.rest_keys = list(zip(*(side.tallies(self.rest, unfit=False) for side in per_side), strict=True))
        answered = self.rest.answered
        rest_groups = [
            (key, sorted(members, key=answered.__getitem__)) for key, members in _group(self.rest_keys).items()
        ]
        rest_groups.sort(key=lambda group: answered[group[1][0]])
        self.rest_members = [members for _, members in rest_groups]
        self.lane_of = {key: lane for lane, (key, _) in enumerate(rest_groups)}
        bias = max(side.points_bound for side in per_side)
        steps = max(2 * len(side.servers) + 1 for side in per_side)
        # A lane holds a place in the order (see Ranker) and the sum of every lane's rest set count.
        width = max((2 * bias + 1) * steps, self.rest.size).bit_length() + 1
        self.lanes = Lanes(len(rest_groups), width)
        self.rest_counts = self.lanes.pack(len(members) for members in self.rest_members)
        self.rankers = tuple(
            Ranker(side, self.lanes, [key[k] for key, _ in rest_groups], bias) for k, side in enumerate(per_side)
        )
        self._simplest: dict[tuple[int, ...], list[int]] = {}

    def recommendations(self, choices: Mapping[str, str]) -> tuple[str | None, ...]:
        """Each side's recommendation for one answer set of `walked`, read off the walk's groups."""
        feature_key = self.feature_keys[self.features.index(choices)]
        lane = self.lane_of[self.rest_keys[self.rest.index(choices)]]
        return tuple(
            next(slug for slug, flags in ranker.winners(key).items() if flags >> (self.lanes.width * lane) & 1)
            for ranker, key in zip(self.rankers, feature_key, strict=True)
        )

    def outcomes(self) -> Iterator[tuple[dict[str, str], tuple[Outcome, ...]]]:
        """Every feature set with what the first side recommends over the rest sets, by server slug."""
        by_key: dict[tuple[int, ...], tuple[Outcome, ...]] = {}
        for index, key in enumerate(self.feature_keys):
            if key not in by_key:
                winners = sorted(self.rankers[0].winners(key[0]).items(), key=lambda item: str(item[0]))
                by_key[key] = tuple(
                    Outcome(slug, self.lanes.total(self.rest_counts, flags), self.rest_example(flags))
                    for slug, flags in winners
                )
            yield self.features.choices(index), by_key[key]

    def rest_example(self, flags: int) -> dict[str, str]:
        return self.rest.choices(self.rest_members[self.lanes.first(flags)][0])

    def examples(self, found: Sequence[tuple[tuple[int, ...], int]]) -> tuple[dict[str, str], ...]:
        """Up to EXAMPLES answer sets among these (feature group, rest lanes), the fewest answers first."""

        def answered(feature: int, rest: int) -> int:
            return self.features.answered[feature] + self.rest.answered[rest]

        best = heapq.nsmallest(
            EXAMPLES, found, key=lambda item: answered(self._feature_sets(item[0])[0], self._rest_sets(item[1])[0])
        )
        candidates = [
            (answered(f, r), f, r)
            for key, flags in best
            for f in self._feature_sets(key)
            for r in self._rest_sets(flags)
        ]
        return tuple(self._example(f, r) for _, f, r in heapq.nsmallest(EXAMPLES, candidates))

    def _feature_sets(self, key: tuple[int, ...]) -> list[int]:
        """The first EXAMPLES feature sets of a feature group, the fewest answers first."""
        if key not in self._simplest:
            members = self.feature_groups[key]
            self._simplest[key] = heapq.nsmallest(EXAMPLES, members, key=self.features.answered.__getitem__)
        return self._simplest[key]

    def _rest_sets(self, flags: int) -> list[int]:
        """The first EXAMPLES rest sets of the flagged lanes, the simplest lanes first."""
        return list(
            itertools.islice(
                itertools.chain.from_iterable(map(self.rest_members.__getitem__, self.lanes.each(flags))), EXAMPLES
            )
        )

    def _example(self, feature: int, rest: int) -> dict[str, str]:
        choices = self.features.choices(feature) | self.rest.choices(rest)
        return {question.slug: choices[question.slug] for question in self.walked.questions if question.slug in choices}


def _group(keys: Iterable[tuple[int, ...]]) -> dict[tuple[int, ...], list[int]]:
    groups: dict[tuple[int, ...], list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    return groups


@dataclass(frozen=True)
class Move:
    """Answer sets recommended `before` before the edit and `after` after it (None: no server fits)."""

    before: str | None
    after: str | None
    count: int
    examples: tuple[dict[str, str], ...]  # up to EXAMPLES of them, as choices, the fewest answers first


@dataclass(frozen=True)
class Impact:
    total: int  # every reachable answer set of the edited criteria
    changed: int  # those recommended another server, or none, than before the edit
    moves: tuple[Move, ...]  # the changed ones by (before, after), the most first

    @property
    def share(self) -> float:
        return self.changed / self.total


def impact(before: Criteria, after: Criteria) -> Impact:
    """What an edit from `before` to `after` changes: every answer set of `after`, ranked with both, exactly."""
    walk = Walk(after, (before, after))
    counts: Counter = Counter()
    found: dict[tuple[str | None, str | None], list[tuple[tuple[int, ...], int]]] = {}
    for key, members in walk.feature_groups.items():
        then, now = (ranker.winners(tally) for ranker, tally in zip(walk.rankers, key, strict=True))
        for old, old_flags in then.items():
            for new, new_flags in now.items():
                if old != new and (flags := old_flags & new_flags):
                    counts[old, new] += len(members) * walk.lanes.total(walk.rest_counts, flags)
                    found.setdefault((old, new), []).append((key, flags))
    moves = [Move(old, new, count, walk.examples(found[old, new])) for (old, new), count in counts.items()]
    moves.sort(key=lambda move: (-move.count, move.before or "", move.after or ""))
    return Impact(walk.features.size * walk.rest.size, sum(counts.values()), tuple(moves))
