"""Criteria as JSON and config templates as files: the seed the article gives, and what export and import use; the
measuring runs the seed ships, and what import_measurements uses."""

import hashlib
import json
from pathlib import Path

from django.core.exceptions import ValidationError

from decisions.contract import describe, missing
from decisions.domain import split_slugs
from decisions.measured import InvalidMeasurements, parse_run

DEFAULT_CRITERIA = Path(__file__).parent / "seed" / "criteria.json"
DEFAULT_EXPECTATIONS = Path(__file__).parent / "seed" / "expectations.json"
SEED_MEASUREMENTS = Path(__file__).parent / "seed" / "measurements"
SERVER_FIELDS = (
    "slug",
    "name",
    "position",
    "version",
    "summary",
    "interfaces",
    "protocols",
    "websockets",
    "maturity",
    "strengths",
    "limitations",
    "when_to_use",
    "memory_article_mib",
    "memory_article_source",
    "memory_rss_mib",
    "memory_pss_mib",
    "memory_uss_mib",
    "memory_measured_source",
    "maturity_level",
    "first_release_year",
)
QUESTION_FIELDS = ("slug", "text", "help_text", "position")
OPTION_FIELDS = ("slug", "label", "help_text", "position")
EFFECT_FIELDS = ("points", "excluded", "reason", "experimental")
TEMPLATE_FIELDS = ("name", "filename", "servers", "deploys", "content_type", "position", "body")


class InvalidCriteria(Exception):
    """The data does not describe valid criteria; the message says where and why."""


def default_criteria() -> dict:
    return json.loads(DEFAULT_CRITERIA.read_text())


def default_expectations() -> list[dict]:
    """The seeded expectations: answers, the expected server's slug (None: no server fits), a note, a source."""
    return json.loads(DEFAULT_EXPECTATIONS.read_text())


def replace_expectations(rows: list[dict], Expectation) -> None:
    """Replaces every stored expectation with `rows`, in their order."""
    Expectation.objects.all().delete()
    Expectation.objects.bulk_create(
        Expectation(**row | {"expected": row["expected"] or "", "position": position})
        for position, row in enumerate(rows)
    )


def export_criteria(Server, Question, Option, Effect, ConfigTemplate) -> dict:
    """Every stored criterion and config template in a stable, diff-friendly order."""
    effects: dict[int, dict] = {}
    for effect in Effect.objects.select_related("server").order_by("option_id", "server__position", "server__slug"):
        effects.setdefault(effect.option_id, {})[effect.server.slug] = {
            name: getattr(effect, name) for name in EFFECT_FIELDS
        }
    options: dict[int, list] = {}
    for option in Option.objects.order_by("question_id", "position", "slug"):
        row = {name: getattr(option, name) for name in OPTION_FIELDS}
        options.setdefault(option.question_id, []).append(row | {"effects": effects.get(option.pk, {})})
    return {
        "servers": [
            {name: _plain(getattr(server, name)) for name in SERVER_FIELDS}
            for server in Server.objects.order_by("position", "slug")
        ],
        "questions": [
            {name: getattr(question, name) for name in QUESTION_FIELDS} | {"options": options.get(question.pk, [])}
            for question in Question.objects.order_by("position", "slug")
        ],
        "config_templates": [
            {name: getattr(template, name) for name in TEMPLATE_FIELDS}
            | {"servers": split_slugs(template.servers), "deploys": split_slugs(template.deploys)}
            for template in ConfigTemplate.objects.order_by("position", "filename", "name")
        ],
    }


def replace_criteria(data: dict, Server, Question, Option, Effect) -> None:
    """Replaces every stored criterion with `data`, validating each object as it goes.

    Takes the model classes so that migrations can pass their historical ones. Run it inside a
    transaction: on InvalidCriteria the caller's rollback leaves the old criteria untouched. Data that lacks a row
    the code reads (decisions/contract.py) is refused before anything is deleted.
    """
    absent = missing(*_slugs(data))
    if absent:
        raise InvalidCriteria(f"the file lacks rows that Serverwise reads:\n{describe(absent)}")
    Effect.objects.all().delete()
    Option.objects.all().delete()
    Question.objects.all().delete()
    Server.objects.all().delete()
    servers = {}
    for index, row in enumerate(_list(data, "servers", "criteria")):
        where = f"servers[{index}]"
        fields = _fields(row, SERVER_FIELDS, where, Server)
        servers[_get(row, "slug", where)] = _save(Server(**fields), where)
    for q_index, question_row in enumerate(_list(data, "questions", "criteria")):
        where = f"questions[{q_index}] ({question_row.get('slug', '?')})"
        question = _save(Question(**_fields(question_row, QUESTION_FIELDS, where)), where)
        for o_index, option_row in enumerate(_list(question_row, "options", where)):
            option_where = f"{where}.options[{o_index}] ({option_row.get('slug', '?')})"
            option = _save(Option(question=question, **_fields(option_row, OPTION_FIELDS, option_where)), option_where)
            effects = option_row.get("effects", {})
            if not isinstance(effects, dict):
                raise InvalidCriteria(f"{option_where}.effects: expected an object keyed by server slug")
            for server_slug, effect_row in effects.items():
                effect_where = f"{option_where}.effects.{server_slug}"
                if server_slug not in servers:
                    raise InvalidCriteria(f"{effect_where}: no server has the slug {server_slug!r}")
                effect = Effect(
                    option=option,
                    server=servers[server_slug],
                    **_fields(effect_row, EFFECT_FIELDS, effect_where, Effect),
                )
                _save(effect, effect_where)


def _slugs(data) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """The server slugs, question slugs and (question, option) pairs that the data names."""
    servers = {row.get("slug") for row in _list(data, "servers", "criteria") if isinstance(row, dict)}
    questions = [row for row in _list(data, "questions", "criteria") if isinstance(row, dict)]
    options = {
        (question.get("slug"), row.get("slug"))
        for question in questions
        if isinstance(question.get("options"), list)
        for row in question["options"]
        if isinstance(row, dict)
    }
    return servers, {question.get("slug") for question in questions}, options


def _save(instance, where: str):
    try:
        instance.full_clean()
    except ValidationError as error:
        problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
        raise InvalidCriteria(f"{where}: {problems}") from None
    instance.save()
    return instance


def _fields(row, names: tuple[str, ...], where: str, model=None) -> dict:
    """The row's values of `names`; with a model, only of the fields it has (a migration's historical model may
    predate a field that a later migration fills)."""
    if not isinstance(row, dict):
        raise InvalidCriteria(f"{where}: expected an object")
    unknown = set(row) - set(names) - {"options", "effects"}
    if unknown:
        raise InvalidCriteria(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if model is not None:
        names = tuple(name for name in names if any(field.name == name for field in model._meta.get_fields()))
    return {name: _get(row, name, where) for name in names}


def _get(row: dict, name: str, where: str):
    if name not in row:
        raise InvalidCriteria(f"{where}: missing field {name!r}")
    return row[name]


def _list(row, name: str, where: str) -> list:
    value = row.get(name) if isinstance(row, dict) else None
    if not isinstance(value, list):
        raise InvalidCriteria(f"{where}: {name!r} must be a list")
    return value


def _plain(value):
    """Decimals as strings, so the JSON keeps their exact digits."""
    return str(value) if type(value).__name__ == "Decimal" else value


DEFAULT_TEMPLATES = Path(__file__).parent / "seed" / "configs"


def default_templates() -> list[dict]:
    """The starter-config templates: metadata from index.json, each body from its own file beside it."""
    index = json.loads((DEFAULT_TEMPLATES / "index.json").read_text())
    return [
        {name: value for name, value in row.items() if name != "body_file"}
        | {"body": (DEFAULT_TEMPLATES / row["body_file"]).read_text()}
        for row in index
    ]


def replace_templates(rows: list[dict], ConfigTemplate) -> None:
    """Replaces every stored config template with `rows`, validating each; call it inside a transaction."""
    ConfigTemplate.objects.all().delete()
    if not isinstance(rows, list):
        raise InvalidCriteria("'config_templates' must be a list")
    for index, row in enumerate(rows):
        where = f"config_templates[{index}] ({row.get('filename', '?') if isinstance(row, dict) else '?'})"
        fields = _fields(row, TEMPLATE_FIELDS, where)
        for name in ("servers", "deploys"):
            if not isinstance(fields[name], list):
                raise InvalidCriteria(f"{where}: {name!r} must be a list of slugs")
            fields[name] = ", ".join(fields[name])
        _save(ConfigTemplate(**fields), where)


def seed_measurement_files() -> list[Path]:
    """The runs of `make measure` the seed ships, oldest first."""
    return sorted(SEED_MEASUREMENTS.glob("*.json"))


def import_seed_measurements(MeasurementRun) -> None:
    """Stores each run the seed ships that is not stored yet; the model is passed so that migrations can use it."""
    for path in seed_measurement_files():
        import_measurements(path.read_text(encoding="utf-8"), MeasurementRun)


def import_measurements(text: str, MeasurementRun) -> tuple[object, bool]:
    """Stores a run file's text as it is, once: (its row, whether it is new). Raises InvalidMeasurements, naming what
    is wrong, for anything that is not a run."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidMeasurements(f"not JSON: {error}") from None
    run = parse_run(data)
    machine = run.machine
    return MeasurementRun.objects.get_or_create(
        digest=hashlib.sha256(text.encode()).hexdigest(),
        defaults={
            "started_at": run.started_at,
            "host": run.host,
            "quick": run.quick,
            "machine": f"{machine.get('cores', '?')} cores ({machine.get('cpu', '?')}),"
            f" {machine.get('memory_gib', '?')} GiB, {machine.get('os', '?')}"[:300],
            "cells": len(run.cells),
            "source": text,
        },
    )
