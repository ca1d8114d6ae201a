import json
import sys

from django.core.management.base import BaseCommand, CommandError

from decisions import store
from decisions.expectations import broken_by, server_name
from decisions.models import ConfigTemplate, Effect, Option, Question, Server, stored_criteria, stored_expectations
from decisions.protection import replacing_all_criteria
from decisions.seeding import InvalidCriteria, replace_criteria, replace_templates
from decisions.signals import one_version_bump
from decisions.space import impact


class DryRun(Exception):
    """Rolls the import back once its impact is reported."""


class Command(BaseCommand):
    help = (
        "Replaces the criteria (and config templates, when the file has them) with a file from export_criteria."
        " An invalid file changes nothing; --dry-run reports what the file would change and changes nothing."
    )
    requires_system_checks = []  # it repairs what decisions.checks reports missing

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON file written by export_criteria ('-' for standard input)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report how many answer sets would get another recommendation, and the expectations it would"
            " break; change nothing",
        )

    def handle(self, *args, path: str, dry_run: bool = False, **options):
        try:
            if path == "-":
                data = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as file:
                    data = json.load(file)
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        before = store.current()
        try:
            with one_version_bump("import_criteria command"), replacing_all_criteria():
                replace_criteria(data, Server, Question, Option, Effect)
                if "config_templates" in data:
                    replace_templates(data["config_templates"], ConfigTemplate)
                after = stored_criteria(before.version, before.changed_at)
                broken = broken_by(stored_expectations(), before, after)
                if dry_run:
                    self._report(before, after, broken)
                    raise DryRun
        except InvalidCriteria as error:
            raise CommandError(f"Nothing was changed: {error}") from None
        except DryRun:
            self.stdout.write("Dry run: nothing was changed.")
            return
        for verdict in broken:
            self.stderr.write(f"Breaks the expectation {verdict.expectation.label(before)}: {verdict.why}")
        self.stdout.write(self.style.SUCCESS(f"Criteria imported from {path}."))

    def _report(self, before, after, broken) -> None:
        result = impact(before, after)
        self.stdout.write(
            f"Changed: {result.changed} of {result.total} answer sets ({result.share:.2%}) would get another"
            " recommendation."
        )
        for move in result.moves:
            self.stdout.write(f"  {server_name(before, move.before)} → {server_name(after, move.after)}: {move.count}")
            for example in move.examples[:5]:
                self.stdout.write(f"    e.g. {'&'.join(f'{q}={o}' for q, o in example.items()) or 'no answers'}")
        self.stdout.write(f"Expectations broken: {len(broken)}")
        for verdict in broken:
            self.stdout.write(f"  {verdict.expectation.label(before)}: {verdict.why}")
