"""impact(before, after): how many of every reachable answer set an edit of the criteria moves to another
recommendation, checked against rank() itself: on a sample of the seed's 27 million sets, and on every set of
criteria small enough to rank whole. No database."""

import dataclasses
import math
import random
from collections import Counter

import pytest

from decisions.domain import POSITION, Criteria, EffectInfo, OptionInfo, from_data
from decisions.scoring import rank
from decisions.seeding import default_criteria
from decisions.space import EXAMPLES, Walk, answer_sets, impact

SEED = from_data(default_criteria())
SEED_TOTAL = 27_095_040
# Small enough to rank every answer set (9,408) in a second, and still asking features and rest questions.
SMALL = dataclasses.replace(
    SEED,
    questions=tuple(
        q for q in SEED.questions if q.slug in ("framework", "realtime", "http", "tls", "current", "priority")
    ),
)


def with_effect(criteria: Criteria, question: str, option: str, server: str, **changes) -> Criteria:
    """The criteria with one cell of the scoring matrix changed (an empty cell is added)."""
    old = criteria.question(question).option(option)
    effect = dataclasses.replace(old.effects.get(server, EffectInfo(0, False, "")), **changes)
    return with_option(criteria, question, dataclasses.replace(old, effects=old.effects | {server: effect}))


def with_option(criteria: Criteria, question: str, option: OptionInfo) -> Criteria:
    """The criteria with `option` in place of the question's option of that slug, or added after its options."""
    old = criteria.question(question)
    options = tuple(option if o.slug == option.slug else o for o in old.options)
    if old.option(option.slug) is None:
        options += (option,)
    new = dataclasses.replace(old, options=options)
    return dataclasses.replace(criteria, questions=tuple(new if q is old else q for q in criteria.questions))


def recommended(choices: dict[str, str], criteria: Criteria) -> str | None:
    """rank()'s recommendation, of the answers these criteria offer (as impact() reads `before`)."""
    offered = {q: o for q, o in choices.items() if (question := criteria.question(q)) and question.option(o)}
    best = rank(offered, criteria).recommended
    return best.server.slug if best else None


def moves(before: Criteria, after: Criteria) -> Counter:
    """(before, after) -> answer sets, for every answer set of `after` ranked whole."""
    counted: Counter = Counter()
    for choices in answer_sets(after, [question.slug for question in after.questions]):
        old, new = recommended(choices, before), recommended(choices, after)
        if old != new:
            counted[old, new] += 1
    return counted


def random_choices(criteria: Criteria, sample: random.Random) -> dict[str, str]:
    choices = {}
    for question in criteria.questions:
        value = sample.choice([None, *(option.slug for option in question.options)])
        if value is not None:
            choices[question.slug] = value
    return choices


WEB_TRANSPORT = OptionInfo(
    "http4",
    "HTTP/4, say",
    "",
    {"hypercorn": EffectInfo(4, False, "", experimental=True), "uvicorn": EffectInfo(0, True, "")},
)
COST = OptionInfo("cost", "Cost", "", {"uwsgi": EffectInfo(3, False, ""), "granian": EffectInfo(2, False, "")})
EDITS = {
    "points": lambda c: with_effect(c, "framework", "django", "uvicorn", points=4),
    "points of a rest question": lambda c: with_effect(c, "current", "none", "gunicorn", points=-3),
    "an exclusion": lambda c: with_effect(c, "realtime", "websockets", "granian", excluded=True, points=0),
    "an exclusion lifted": lambda c: with_effect(c, "http", "http3", "granian", excluded=False, points=2),
    "an experimental flag set": lambda c: with_effect(c, "realtime", "websockets", "uvicorn", experimental=True),
    "an experimental flag cleared": lambda c: with_effect(c, "http", "http3", "hypercorn", experimental=False),
    "an option added to a feature": lambda c: with_option(c, "http", WEB_TRANSPORT),
    "an option added to the rest": lambda c: with_option(c, "priority", COST),
    "an effect added": lambda c: with_effect(c, "framework", "flask", "hypercorn", points=5),
}


def test_it_changes_nothing_when_the_criteria_are_the_same():
    same = impact(SEED, SEED)
    assert same.total == math.prod(len(question.options) + 1 for question in SEED.questions) == SEED_TOTAL
    assert (same.changed, same.moves, same.share) == (0, (), 0)


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_it_counts_exactly_what_ranking_every_answer_set_counts(edit):
    after = EDITS[edit](SMALL)
    found = impact(SMALL, after)
    assert {(move.before, move.after): move.count for move in found.moves} == moves(SMALL, after)
    assert found.total == math.prod(len(question.options) + 1 for question in after.questions)


def test_it_counts_a_tie_rule_change_exactly():
    """A format 1 snapshot broke ties by position; the seed's positions agree with maturity, so reverse them."""
    servers = tuple(dataclasses.replace(s, position=-s.position) for s in SMALL.servers)
    by_position = dataclasses.replace(SMALL, tie_rule=POSITION, servers=servers)
    found = impact(by_position, SMALL)
    assert found.changed > 0
    assert {(move.before, move.after): move.count for move in found.moves} == moves(by_position, SMALL)


@pytest.mark.parametrize("edit", ["points", "an experimental flag set", "an option added to a feature"])
def test_it_places_each_sampled_answer_set_where_rank_does(edit):
    after = EDITS[edit](SEED)
    walk, found = Walk(after, (SEED, after)), impact(SEED, after)
    counted = {(move.before, move.after) for move in found.moves}
    sample = random.Random(17)
    for _ in range(3000):
        choices = random_choices(after, sample)
        old, new = recommended(choices, SEED), recommended(choices, after)
        assert walk.recommendations(choices) == (old, new), choices
        assert old == new or (old, new) in counted, choices
    assert found.changed == sum(move.count for move in found.moves) > 0


def test_it_counts_the_answer_sets_an_added_option_brings_and_moves_only_those():
    found = impact(SEED, EDITS["an option added to a feature"](SEED))
    assert found.total == SEED_TOTAL // 4 * 5  # http: unanswered or one of 3 options, now 4
    assert found.moves
    assert all(example["http"] == "http4" for move in found.moves for example in move.examples)


@pytest.mark.parametrize("edit", ["points", "an exclusion", "an option added to the rest", "an experimental flag set"])
def test_it_gives_examples_that_are_members_of_their_move_the_simplest_first(edit):
    after = EDITS[edit](SEED)
    found = impact(SEED, after)
    assert found.moves
    for move in found.moves:
        assert 1 <= len(move.examples) <= min(EXAMPLES, move.count)
        assert len({tuple(sorted(example.items())) for example in move.examples}) == len(move.examples)
        assert [len(example) for example in move.examples] == sorted(len(example) for example in move.examples)
        for example in move.examples:
            assert (recommended(example, SEED), recommended(example, after)) == (move.before, move.after), example


def test_it_sorts_moves_by_count_then_names():
    found = impact(SEED, EDITS["an exclusion"](SEED))
    keys = [(-move.count, move.before or "", move.after or "") for move in found.moves]
    assert len(keys) > 1 and keys == sorted(keys)
    assert found.share == found.changed / found.total
