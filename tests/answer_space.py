"""Every reachable answer set, grouped so that it can be checked whole in seconds.

An answer set gives each question "unanswered" or one of its options: with the seed's twelve questions that is
27,095,040 sets. The server's plan reads only the FEATURES questions (a test records what it reads); the others
(which server runs today, benchmarks, memory, priorities) only move scores. So the space is walked as
feature sets x "the rest": for each feature set, the scores and exclusions of the feature answers are added to
every distinct score vector the rest can give, and the best eligible server (rank()'s order) is read off, with
how many rest sets lead to it. A test compares this walk with rank() itself on sampled answer sets.
"""

import itertools
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from decisions.appmodel import app_model, unfit_reasons
from decisions.criteria import Criteria

FEATURES = ("framework", "async", "realtime", "http", "asynclib", "workload", "deploy", "tls")


def options(criteria: Criteria, slug: str) -> tuple[str | None, ...]:
    """A question's possible answers: unanswered (None), then each option."""
    return (None, *(option.slug for option in criteria.question(slug).options))


def answer_sets(criteria: Criteria, slugs) -> Iterator[dict[str, str]]:
    """Every combination of the questions' answers, as choices (unanswered ones left out)."""
    for values in itertools.product(*(options(criteria, slug) for slug in slugs)):
        yield {slug: value for slug, value in zip(slugs, values) if value is not None}


def space_size(criteria: Criteria) -> int:
    size = 1
    for question in criteria.questions:
        size *= len(question.options) + 1
    return size


@dataclass(frozen=True)
class Outcome:
    recommended: str | None  # server slug; None when every server is ruled out
    answer_sets: int  # how many answer sets of the whole space share the feature answers and this outcome
    example: dict[str, str]  # answers to the rest that lead to it, with the feature answers


class Space:
    def __init__(self, criteria: Criteria):
        self.criteria = criteria
        self.servers = tuple(server.slug for server in criteria.servers)
        self.order = {server.slug: (server.position, server.slug) for server in criteria.servers}
        self.rest = tuple(q.slug for q in criteria.questions if q.slug not in FEATURES)
        self.rest_vectors: Counter = Counter()
        self.rest_examples: dict[tuple, dict[str, str]] = {}
        for choices in answer_sets(criteria, self.rest):
            vector = self._effects(choices)
            self.rest_vectors[vector] += 1
            self.rest_examples.setdefault(vector, choices)

    def _effects(self, choices: Mapping[str, str]) -> tuple[tuple[int, ...], frozenset[str]]:
        """Points per server (in self.servers order) and the servers ruled out, by the criteria alone."""
        points = dict.fromkeys(self.servers, 0)
        excluded = set()
        for slug, option_slug in choices.items():
            for server, effect in self.criteria.question(slug).option(option_slug).effects.items():
                if server not in points:
                    continue
                if effect.excluded:
                    excluded.add(server)
                else:
                    points[server] += effect.points
        return tuple(points[server] for server in self.servers), frozenset(excluded)

    def outcomes(self, features: Mapping[str, str]) -> tuple[Outcome, ...]:
        """Which server is recommended, over every answer to the rest, for these feature answers."""
        points, excluded = self._effects(features)
        app = app_model(features)
        unfit = frozenset(
            server for server in self.servers if server not in excluded and unfit_reasons(server, app, features)
        )
        return self._best(points, excluded | unfit)

    @cache
    def _best(self, points: tuple[int, ...], excluded: frozenset[str]) -> tuple[Outcome, ...]:
        counts: Counter = Counter()
        examples: dict[str | None, dict[str, str]] = {}
        for vector, times in self.rest_vectors.items():
            rest_points, rest_excluded = vector
            eligible = [
                (-(points[i] + rest_points[i]), self.order[server], server)
                for i, server in enumerate(self.servers)
                if server not in excluded and server not in rest_excluded
            ]
            best = min(eligible)[2] if eligible else None
            counts[best] += times
            examples.setdefault(best, self.rest_examples[vector])
        return tuple(
            Outcome(server, times, examples[server])
            for server, times in sorted(counts.items(), key=lambda item: str(item[0]))
        )

    def recommended(self, choices: Mapping[str, str]) -> str | None:
        """The walk's answer for one whole answer set, to compare with rank()."""
        features = {slug: value for slug, value in choices.items() if slug in FEATURES}
        rest_points, rest_excluded = self._effects(
            {slug: value for slug, value in choices.items() if slug not in FEATURES}
        )
        points, excluded = self._effects(features)
        app = app_model(features)
        eligible = [
            (-(points[i] + rest_points[i]), self.order[server], server)
            for i, server in enumerate(self.servers)
            if server not in excluded | rest_excluded and not unfit_reasons(server, app, features)
        ]
        return min(eligible)[2] if eligible else None
