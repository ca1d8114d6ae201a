"""The whole answer space of the criteria, walked exactly, and what an edit of the criteria changes in it.

An answer set gives each question "unanswered" or one of its options: with the seed's twelve questions that is
27,095,040 sets. The app model and the server's plan read only the FEATURES questions; the others only add points
or rule servers out. So the space is walked as feature sets x rest sets. Each is grouped by its tally (per server:
points, exclusions, answers it meets only experimentally; a feature set's exclusions include the servers the app
model finds unfit), and every feature group is ranked with every rest group at once, as numpy arrays shaped
(servers, feature groups, rest groups), in rank()'s order: scoring.precedence() over scoring.tie_order().

impact(before, after) walks every answer set of `after` and ranks each with both criteria: an answer `before` does
not offer counts there as unanswered, as compare_versions() drops it.
"""

import functools
import heapq
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from decisions.appmodel import app_model, unfit_reasons
from decisions.contract import ASYNC, ASYNCLIB, DEPLOY, FRAMEWORK, HTTP, REALTIME, TLS, WORKLOAD
from decisions.domain import Criteria, OptionInfo
from decisions.scoring import tie_key, tie_order

# The questions whose answers the app model and the server's plan read (tests/scoring/test_answer_space.py
# records what the plan reads), walked answer by answer: every other question only adds points or rules servers out.
FEATURES = (FRAMEWORK, ASYNC, REALTIME, HTTP, ASYNCLIB, WORKLOAD, DEPLOY, TLS)
EXAMPLES = 5  # example answer sets per move
POINTS, EXCLUSIONS, EXPERIMENTAL = range(3)  # the first axis of a tally array

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
    def answered(self) -> np.ndarray:
        """How many questions each answer set answers."""
        counts = np.zeros(1, dtype=int)
        for options in self.answers:
            counts = (counts[:, None] + [value is not None for value in options]).ravel()
        return counts


@functools.lru_cache(maxsize=8)
def unfit_masks(servers: tuple[str, ...], slugs: tuple[str, ...], offered: tuple[Answers, ...]) -> np.ndarray:
    """For every answer set of the questions (product order), the servers the app model finds unfit: a read-only
    bool array, a row per answer set, a column per server. `offered` may repeat None where the criteria do not offer
    an answer that is walked.

    A cache, as the masks depend only on the answers and the server slugs, never on points or exclusions: every
    preview of a weight edit after the first reuses them. The key holds all they depend on, so an edit that adds an
    option or a server makes a new entry instead of a stale one; the least recently used of 8 goes (an entry is a
    byte per feature set and server, 60,480 x 5 with the seed). Only a change of decisions/appmodel.py's code would
    invalidate an entry, and code changes restart the process.
    """
    rows = []
    for values in itertools.product(*offered):
        choices = _choices(slugs, values)
        app = app_model(choices)
        rows.append([bool(unfit_reasons(server, app, choices)) for server in servers])
    masks = np.array(rows, dtype=bool).reshape(len(rows), len(servers))
    masks.flags.writeable = False
    return masks


class Side:
    """One criteria's tallies of answer sets and its recommendation for them. A tally array is shaped (3, servers in
    the criteria's order, answer sets): POINTS, EXCLUSIONS and EXPERIMENTAL answers, counted as scoring.Tally counts
    them; an answer the criteria do not offer counts as unanswered."""

    def __init__(self, criteria: Criteria):
        self.criteria = criteria
        self.servers = tuple(server.slug for server in criteria.servers)
        self.index = {slug: i for i, slug in enumerate(self.servers)}
        order = tie_order(criteria)
        places = [order[slug] for slug in self.servers]
        ties = sorted(itertools.product((False, True), places), key=lambda tie: tie_key(*tie))
        self.ties = len(ties)
        # Per server, the rank of its tie_key() among all ties (0 first), without and with an experimental answer;
        # shaped (servers, 1, 1) to broadcast in winners().
        self.plain_tie, self.experimental_tie = (
            np.array([ties.index((flag, place)) for place in places], dtype=int).reshape(-1, 1, 1)
            for flag in (False, True)
        )

    def tallies(self, questions: Questions, unfit: bool) -> np.ndarray:
        """The tally of every answer set of `questions`, in their order; with `unfit`, a server the app model finds
        unfit for the answers counts one exclusion more."""
        totals = np.zeros((3, len(self.servers), 1), dtype=np.int32)
        for slug, options in zip(questions.slugs, questions.answers, strict=True):
            step = np.stack([self._tally(self._option(slug, value)) for value in options], axis=-1)
            sets = totals.shape[-1] * len(options)
            totals = (totals[..., :, None] + step[..., None, :]).reshape(3, len(self.servers), sets)
        if unfit:
            totals[EXCLUSIONS] += unfit_masks(self.servers, questions.slugs, self._offered(questions)).T
        return totals

    def winners(self, features: np.ndarray, rest: np.ndarray) -> np.ndarray:
        """For every feature tally with every rest tally, the recommended server's index, shaped (features, rest);
        len(servers) where every server is ruled out."""

        points, exclusions, experimental = features[:, :, :, None] + rest[:, :, None, :]  # (servers, features, rest)
        # A server's key: its points times len(ties), less its tie_key() rank (below len(ties)), so that more points
        # always win and equal points fall to tie_key(); rank()'s first eligible server has the largest key.
        key = points * self.ties - np.where(experimental > 0, self.experimental_tie, self.plain_tie)
        key[exclusions > 0] = np.iinfo(key.dtype).min  # ruled out: below any eligible server
        best = key.argmax(axis=0) if self.servers else 0
        return np.where((exclusions > 0).all(axis=0), len(self.servers), best)

    def _tally(self, option: OptionInfo | None) -> np.ndarray:
        tally = np.zeros((3, len(self.servers)), dtype=np.int32)
        for slug, effect in option.effects.items() if option else ():
            if slug in self.index:
                points = 0 if effect.excluded else effect.points
                tally[:, self.index[slug]] = points, effect.excluded, effect.experimental
        return tally

    def _option(self, slug: str, value: str | None) -> OptionInfo | None:
        question = self.criteria.question(slug)
        return question.option(value) if question and value is not None else None

    def _offered(self, questions: Questions) -> tuple[Answers, ...]:
        return tuple(
            tuple(value if self._option(slug, value) else None for value in options)
            for slug, options in zip(questions.slugs, questions.answers, strict=True)
        )


class Groups:
    """Answer sets grouped by their tallies in every side: `of` each set, and per group its `tallies` (one array per
    side), `size` and `members`, the fewest answers first (then the lowest number); `first` is that first member, and
    `simplest` the group's place when groups are ordered by their first member."""

    def __init__(self, tallies: Sequence[np.ndarray], answered: np.ndarray):
        columns = np.concatenate([tally.reshape(-1, tally.shape[-1]) for tally in tallies])
        distinct, self.of = _unique_columns(columns)
        self.size = np.bincount(self.of)
        rows = np.split(distinct, np.cumsum([len(tally) * len(tally[0]) for tally in tallies])[:-1])
        self.tallies = [
            row.reshape(*tally.shape[:-1], len(self.size)) for row, tally in zip(rows, tallies, strict=True)
        ]
        order = np.lexsort((answered, self.of))  # stable: by group, then fewest answers, then number
        self.members = np.split(order, np.cumsum(self.size)[:-1])
        self.first = order[np.cumsum(self.size) - self.size]
        self.simplest = np.argsort(np.lexsort((self.first, answered[self.first])))  # groups by their first, 0 first


def _unique_columns(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns, sorted, and the number of each column among them: np.unique(columns, axis=1,
    return_inverse=True), which sorts them as records, ten times slower than sorting by each row (lexsort)."""
    order = np.lexsort(columns) if len(columns) else np.arange(columns.shape[1])  # no row (no server): one column
    ordered = columns[:, order]
    distinct = np.r_[True, (ordered[:, 1:] != ordered[:, :-1]).any(axis=0)]
    of = np.empty(columns.shape[1], dtype=int)
    of[order] = np.cumsum(distinct) - 1
    return ordered[:, distinct], of


@dataclass(frozen=True)
class Outcome:
    recommended: str | None  # server slug; None when every server is ruled out
    answer_sets: int  # how many rest sets lead to it with these feature answers
    example: dict[str, str]  # answers to the rest that lead to it, the fewest answers


class Walk:
    """Every answer set of `walked`, as a feature set and a rest set, each grouped by its tallies in all `sides`; and
    `winners`: per side, its recommendation for every (feature group, rest group), an index into `servers`."""

    def __init__(self, walked: Criteria, sides: Sequence[Criteria]):
        self.walked = walked
        features, rest = partition(walked)
        self.features, self.rest = Questions.of(walked, features), Questions.of(walked, rest)
        per_side = tuple(Side(criteria) for criteria in sides)
        self.servers = tuple((*side.servers, None) for side in per_side)
        self.feature_groups = Groups(
            [side.tallies(self.features, unfit=True) for side in per_side], self.features.answered
        )
        self.rest_groups = Groups([side.tallies(self.rest, unfit=False) for side in per_side], self.rest.answered)
        self.winners = tuple(
            side.winners(features, rest)
            for side, features, rest in zip(
                per_side, self.feature_groups.tallies, self.rest_groups.tallies, strict=True
            )
        )

    def recommendations(self, choices: Mapping[str, str]) -> tuple[str | None, ...]:
        """Each side's recommendation for one answer set of `walked`, read off the walk's groups."""
        cell = self.feature_groups.of[self.features.index(choices)], self.rest_groups.of[self.rest.index(choices)]
        return tuple(servers[winners[cell]] for servers, winners in zip(self.servers, self.winners, strict=True))

    def outcomes(self) -> Iterator[tuple[dict[str, str], tuple[Outcome, ...]]]:
        """Every feature set with what the first side recommends over the rest sets, by server slug."""
        servers, rest = self.servers[0], self.rest_groups
        won = self.winners[0][..., None] == np.arange(len(servers))  # (feature groups, rest groups, servers)
        sets = (won * rest.size[:, None]).sum(axis=1)  # (feature groups, servers): the rest sets each wins
        simplest = np.where(won, rest.simplest[:, None], len(rest.simplest)).argmin(axis=1)  # the rest group
        by_name = sorted(range(len(servers)), key=lambda server: str(servers[server]))
        by_group = [
            tuple(
                Outcome(
                    servers[server], int(sets[group, server]), self.rest.choices(rest.first[simplest[group, server]])
                )
                for server in by_name
                if sets[group, server]
            )
            for group in range(len(sets))
        ]
        for index, group in enumerate(self.feature_groups.of):
            yield self.features.choices(index), by_group[group]

    def examples(self, cells: np.ndarray) -> tuple[dict[str, str], ...]:
        """Up to EXAMPLES answer sets among these (feature group, rest group) cells, given as indices into the
        flattened winners, the fewest answers first. They are members of the EXAMPLES cells whose first answer set
        comes first, and among the first EXAMPLES members of each group."""
        features, rest = self.feature_groups, self.rest_groups
        group, lane = np.divmod(cells, len(rest.size))
        first = features.first[group], rest.first[lane]
        order = np.lexsort((first[1], first[0], self.features.answered[first[0]] + self.rest.answered[first[1]]))
        candidates = [
            (self.features.answered[f] + self.rest.answered[r], f, r)
            for cell in order[:EXAMPLES]
            for f in features.members[group[cell]][:EXAMPLES]
            for r in rest.members[lane[cell]][:EXAMPLES]
        ]
        return tuple(self._example(f, r) for _, f, r in heapq.nsmallest(EXAMPLES, candidates))

    def _example(self, feature: int, rest: int) -> dict[str, str]:
        choices = self.features.choices(feature) | self.rest.choices(rest)
        return {question.slug: choices[question.slug] for question in self.walked.questions if question.slug in choices}


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
    slugs = list(dict.fromkeys(walk.servers[0] + walk.servers[1]))
    then, now = (
        np.array([slugs.index(slug) for slug in servers])[winners]
        for servers, winners in zip(walk.servers, walk.winners, strict=True)
    )
    move = (then * len(slugs) + now).ravel()  # per (feature group, rest group): which (before, after)
    sets = np.outer(walk.feature_groups.size, walk.rest_groups.size).ravel()
    changed = np.flatnonzero(then.ravel() != now.ravel())
    moves = []
    for code in np.unique(move[changed]):
        cells = changed[move[changed] == code]
        old, new = divmod(int(code), len(slugs))
        moves.append(Move(slugs[old], slugs[new], int(sets[cells].sum()), walk.examples(cells)))
    moves.sort(key=lambda move: (-move.count, move.before or "", move.after or ""))
    return Impact(walk.features.size * walk.rest.size, sum(move.count for move in moves), tuple(moves))
