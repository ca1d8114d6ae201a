"""A system check: every row the code reads (decisions/contract.py) is in the database, so `manage.py check`, CI and
runserver's start fail on criteria edited behind the admin's back (a queryset update, raw SQL)."""

from django.core.checks import Error, register
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from decisions.contract import missing
from decisions.models import Option, Question, Server

CHECK_ID = "decisions.E001"


@register()
def contracted_rows_check(app_configs=None, **kwargs) -> list[Error]:
    try:
        if not _decisions_migrated():
            return []  # an empty database, or one that `migrate` is about to bring up to date
        absent = missing(
            Server.objects.values_list("slug", flat=True),
            Question.objects.values_list("slug", flat=True),
            Option.objects.values_list("question__slug", "slug"),
        )
    except DatabaseError:
        return []  # no database to read (a build step, say): nothing to say about its rows
    return [
        Error(
            f"The {entry} is missing from the database, and Serverwise reads it: {entry.reads}.",
            hint="Restore it: `manage.py reset_criteria`, or `manage.py import_criteria` with a file that has it.",
            id=CHECK_ID,
        )
        for entry in absent
    ]


def _decisions_migrated() -> bool:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    targets = [node for node in executor.loader.graph.leaf_nodes() if node[0] == "decisions"]
    return not executor.migration_plan(targets)
