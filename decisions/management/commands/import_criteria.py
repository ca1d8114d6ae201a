import json
import sys

from django.core.management.base import BaseCommand, CommandError

from decisions.models import ConfigTemplate, Effect, Option, Question, Server
from decisions.protection import replacing_all_criteria
from decisions.seeding import InvalidCriteria, replace_criteria, replace_templates
from decisions.signals import one_version_bump


class Command(BaseCommand):
    help = (
        "Replaces the criteria (and config templates, when the file has them) with a file from export_criteria."
        " An invalid file changes nothing."
    )
    requires_system_checks = []  # it repairs what decisions.checks reports missing

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON file written by export_criteria ('-' for standard input)")

    def handle(self, *args, path: str, **options):
        try:
            if path == "-":
                data = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as file:
                    data = json.load(file)
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            with one_version_bump("import_criteria command"), replacing_all_criteria():
                replace_criteria(data, Server, Question, Option, Effect)
                if "config_templates" in data:
                    replace_templates(data["config_templates"], ConfigTemplate)
        except InvalidCriteria as error:
            raise CommandError(f"Nothing was changed: {error}") from None
        self.stdout.write(self.style.SUCCESS(f"Criteria imported from {path}."))
