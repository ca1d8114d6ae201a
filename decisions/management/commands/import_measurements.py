from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from decisions.measured import InvalidMeasurements
from decisions.models import CriteriaVersion, MeasurementRun
from decisions.seeding import import_measurements


class Command(BaseCommand):
    help = (
        "Loads a run file of `make measure` (measurements/*.json). A malformed file loads nothing; a file already"
        " loaded is not loaded twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the run's JSON file, as `make measure` wrote it")

    def handle(self, *args, path: str, **options):
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            with transaction.atomic():
                row, created = import_measurements(text, MeasurementRun)
                shown = CriteriaVersion.show_latest_run("import_measurements command")
        except InvalidMeasurements as error:
            raise CommandError(f"Nothing was imported: {path} is not a measuring run: {error}") from None
        if created:
            self.stdout.write(self.style.SUCCESS(f"Imported {row} ({row.cells} cells) from {path}."))
        else:
            self.stdout.write(f"Already imported: {row}. Nothing was changed.")
        if shown:
            self.stdout.write(f"The pages show it from criteria version {shown.number} on.")
        elif created:
            self.stdout.write(f"The pages keep showing {MeasurementRun.current()}.")
