from django.core.management.base import BaseCommand
from django.db import transaction

from decisions.models import Effect, Option, Question, Server
from decisions.seeding import default_criteria, replace_criteria


class Command(BaseCommand):
    help = "Puts the criteria back to the article's defaults (decisions/seed/criteria.json)."

    def handle(self, *args, **options):
        with transaction.atomic():
            replace_criteria(default_criteria(), Server, Question, Option, Effect)
        self.stdout.write(self.style.SUCCESS("Criteria reset to the defaults."))
