"""Form data for the criteria admin, as its pages render it, and the export command, for tests that edit as an admin."""

from django.core.management import call_command

from decisions.models import ConfigTemplate, Effect, Option, Question, Server
from decisions.seeding import SERVER_FIELDS


def matrix_data(question: Question, save_anyway: bool = True) -> dict:
    """The scoring matrix form as the page renders it, ready to post back. Tests that edit the criteria for another
    reason save anyway an edit that breaks an expectation; tests/scoring/test_expectations.py tests that hold."""
    data = {"_save_anyway": "1"} if save_anyway else {}
    for option in question.options.all():
        for server in Server.objects.all():
            effect = Effect.objects.filter(option=option, server=server).first()
            key = f"{option.pk}-{server.pk}"
            data[f"points-{key}"] = effect.points if effect else 0
            if effect and effect.excluded:
                data[f"excluded-{key}"] = "on"
            if effect and effect.experimental:
                data[f"experimental-{key}"] = "on"
            data[f"reason-{key}"] = effect.reason if effect else ""
    return data


def key(question_slug: str, option_slug: str, server_slug: str) -> str:
    option = Option.objects.get(question__slug=question_slug, slug=option_slug)
    return f"{option.pk}-{Server.objects.get(slug=server_slug).pk}"


def new_server(slug: str) -> Server:
    """A server the code does not read (decisions/contract.py): free to rename and delete."""
    fields = {name: getattr(Server.objects.get(slug="granian"), name) for name in SERVER_FIELDS}
    return Server.objects.create(**fields | {"slug": slug, "name": slug.title()})


def question_data(question: Question, edited: str = "", new_options: int = 0) -> dict:
    """The question's change form with its option inlines as they are (`edited` appended to each text), and room
    for `new_options` more."""
    options = list(question.options.all())
    data = {
        "text": question.text + edited,
        "slug": question.slug,
        "help_text": question.help_text,
        "position": question.position,
        "options-TOTAL_FORMS": len(options) + new_options,
        "options-INITIAL_FORMS": len(options),
        "options-MIN_NUM_FORMS": 0,
        "options-MAX_NUM_FORMS": 1000,
    }
    for index, option in enumerate(options):
        data |= {
            f"options-{index}-id": option.pk,
            f"options-{index}-question": question.pk,
            f"options-{index}-slug": option.slug,
            f"options-{index}-label": option.label + edited,
            f"options-{index}-help_text": option.help_text,
            f"options-{index}-position": option.position,
        }
    return data


def template_data(template: ConfigTemplate, **changes) -> dict:
    fields = ("name", "filename", "servers", "deploys", "content_type", "position", "body")
    return {name: getattr(template, name) for name in fields} | changes


def export(tmp_path, name="criteria.json") -> str:
    path = tmp_path / name
    call_command("export_criteria", output=str(path))
    return path.read_text()
