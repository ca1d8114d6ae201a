"""Criteria as JSON and config templates as files: the seed the article gives, as export and import read it."""

import json
from pathlib import Path

DEFAULT_CRITERIA = Path(__file__).parent / "seed" / "criteria.json"
SERVER_FIELDS = (
    "slug", "name", "position", "version", "summary", "interfaces", "protocols", "websockets", "maturity",
    "strengths", "limitations", "when_to_use", "memory_article_mib", "memory_article_source",
    "memory_rss_mib", "memory_pss_mib", "memory_uss_mib", "memory_measured_source",
)  # fmt: skip


def default_criteria() -> dict:
    return json.loads(DEFAULT_CRITERIA.read_text())


def replace_criteria(data: dict, Server, Question, Option, Effect) -> None:
    """Replaces every stored criterion with `data`. Takes the model classes so migrations can pass theirs.

    Call it inside a transaction: it deletes before it creates.
    """
    Effect.objects.all().delete()
    Option.objects.all().delete()
    Question.objects.all().delete()
    Server.objects.all().delete()
    servers = {}
    for row in data["servers"]:
        servers[row["slug"]] = Server.objects.create(**{name: row[name] for name in SERVER_FIELDS})
    for question_row in data["questions"]:
        question = Question.objects.create(
            slug=question_row["slug"],
            text=question_row["text"],
            help_text=question_row.get("help_text", ""),
            position=question_row["position"],
        )
        for option_row in question_row["options"]:
            option = Option.objects.create(
                question=question,
                slug=option_row["slug"],
                label=option_row["label"],
                help_text=option_row.get("help_text", ""),
                position=option_row["position"],
            )
            Effect.objects.bulk_create(
                Effect(option=option, server=servers[server_slug], **effect)
                for server_slug, effect in option_row.get("effects", {}).items()
            )


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
    """Replaces every stored config template with `rows`; call it inside a transaction."""
    ConfigTemplate.objects.all().delete()
    ConfigTemplate.objects.bulk_create(
        ConfigTemplate(**row | {"servers": ", ".join(row["servers"]), "deploys": ", ".join(row["deploys"])})
        for row in rows
    )
