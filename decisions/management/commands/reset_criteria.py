from django.core.management.base import BaseCommand

from decisions.models import ConfigTemplate, Effect, Option, Question, Server
from decisions.protection import replacing_all_criteria
from decisions.seeding import default_criteria, default_templates, replace_criteria, replace_templates
from decisions.signals import one_version_bump


class Command(BaseCommand):
    help = "Puts the criteria and config templates back to the defaults (decisions/seed/)."
    requires_system_checks = []  # it repairs what decisions.checks reports missing

    def handle(self, *args, **options):
        with one_version_bump("reset_criteria command"), replacing_all_criteria():
            replace_criteria(default_criteria(), Server, Question, Option, Effect)
            replace_templates(default_templates(), ConfigTemplate)
        self.stdout.write(self.style.SUCCESS("Criteria reset to the defaults."))
