import json

from django.core.management.base import BaseCommand

from decisions.models import ConfigTemplate, Effect, Option, Question, Server
from decisions.seeding import export_criteria


class Command(BaseCommand):
    help = (
        "Writes every criterion and config template as JSON (stable order, diff-friendly) to standard output or a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write instead of standard output")

    def handle(self, *args, output=None, **options):
        text = (
            json.dumps(export_criteria(Server, Question, Option, Effect, ConfigTemplate), indent=2, ensure_ascii=False)
            + "\n"
        )
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text)
            self.stderr.write(f"Criteria written to {output}")
        else:
            self.stdout.write(text, ending="")
