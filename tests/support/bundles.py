"""The default criteria and seed templates, and shorthands that plan and render a server's bundle for answers.

No database: the same data the seed migrations store.
"""

import dataclasses

from decisions.answers import Answers
from decisions.configs.plan import ServerPlan, plan_for
from decisions.configs.render import ConfigFile, seed_templates, server_bundle
from decisions.domain import Criteria, EffectInfo, from_data
from decisions.seeding import default_criteria

CRITERIA = from_data(default_criteria())
NOTHING_FITS = {"asynclib": "trio"}  # only Hypercorn runs Trio: rule Hypercorn out too and nothing fits
LAST_FIT = "hypercorn"


def criteria_where_nothing_fits() -> Criteria:
    """The default criteria, with the NOTHING_FITS answer ruling out LAST_FIT as well as every other server."""
    data = default_criteria()
    ((question_slug, option_slug),) = NOTHING_FITS.items()
    question = next(q for q in data["questions"] if q["slug"] == question_slug)
    option = next(o for o in question["options"] if o["slug"] == option_slug)
    option["effects"][LAST_FIT] = {"points": 0, "excluded": True, "reason": "test"}
    return from_data(data)


TEMPLATES = seed_templates()
SERVERS = ("gunicorn", "uwsgi", "uvicorn", "hypercorn", "granian")
PARAMETERS = ("cores", "port", "host", "app")


def answers(**choices) -> Answers:
    """Answers from keyword arguments: the parameters (cores, port, host, app) and question slugs."""
    parameters = {name: choices.pop(name) for name in PARAMETERS if name in choices}
    return Answers(choices=choices, **parameters)


def plan(server: str, **choices) -> ServerPlan:
    return plan_for(CRITERIA.server(server), answers(**choices))


def start_command(server: str, **choices) -> str:
    return plan(server, **choices).start_command


def bundle_files(server: str, **choices) -> tuple[ConfigFile, ...]:
    return server_bundle(answers(**choices), server, CRITERIA, TEMPLATES)


def bundle(server: str, **choices) -> dict[str, str]:
    return {f.filename: f.content for f in bundle_files(server, **choices)}


def with_effect(criteria, question_slug: str, option_slug: str, server_slug: str, effect: EffectInfo | None):
    """`criteria` with one effect replaced (None: removed)."""
    questions = []
    for question in criteria.questions:
        options = []
        for option in question.options:
            effects = dict(option.effects)
            if (question.slug, option.slug) == (question_slug, option_slug):
                effects.pop(server_slug, None)
                if effect is not None:
                    effects[server_slug] = effect
            options.append(dataclasses.replace(option, effects=effects))
        questions.append(dataclasses.replace(question, options=tuple(options)))
    return dataclasses.replace(criteria, questions=tuple(questions))
