"""The rows decisions/contract.py names keep their names: a rename or a delete of one is refused, with what reads it.

One rule for every path: the models' clean() (admin forms, inlines, list edits, imports), a pre_save and a
pre_delete guard (a shell, a script, a bulk delete, a question's options deleted with it), and the admin's delete
pages, which list the contracted rows as protected. Labels, help texts, positions and effects stay free to edit.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_delete, pre_save
from django.forms.models import BaseInlineFormSet

from decisions.contract import OPTION, QUESTION, reader_of_option, reader_of_question, reader_of_server

SLUG_HELP = (
    "Serverwise's code reads some slugs (decisions/contract.py): those cannot be renamed or deleted, and the refusal"
    " says what reads them. Labels, help texts, positions and scoring stay free to edit; new rows are welcome, and"
    " what the code does not know it ignores."
)
_replacing = threading.local()


class ContractedRow:
    """Mixed into Server, Question and Option: clean() refuses to rename (or move) a row the contract names."""

    def clean(self) -> None:
        super().clean()
        problems = rename_problems(self)
        if problems:
            raise ValidationError(problems)


@contextmanager
def replacing_all_criteria() -> Iterator[None]:
    """The guards stand aside while import_criteria or reset_criteria replace every row: seeding.replace_criteria
    refuses, before it deletes anything, data that lacks a contracted row."""
    _replacing.active = True
    try:
        yield
    finally:
        _replacing.active = False


def rename_problems(row: models.Model) -> dict[str, str]:
    """Field -> why this change of a contracted row's name is refused; empty when nothing the code reads changes."""
    stored = _stored(row)
    reads = _reads(row, stored)
    if not reads:
        return {}
    problems = {}
    if row.slug != stored["slug"]:
        problems["slug"] = _refusal(row, stored, reads, "renamed")
    if _kind(row) == OPTION and row.question_id != stored["question_id"]:
        problems["question"] = _refusal(row, stored, reads, "moved to another question")
    return problems


def delete_refusals(row: models.Model) -> list[str]:
    """Why deleting the row is refused: its own reader, and those of the contracted options it would take along."""
    dependents = list(row.options.all()) if _kind(row) == QUESTION else []
    refusals = []
    for each in (row, *dependents):
        stored = _stored(each)
        reads = _reads(each, stored)
        if reads:
            refusals.append(_refusal(each, stored, reads, "deleted"))
    return refusals


def _kind(row: models.Model) -> str:
    return row._meta.model_name  # server, question or option: the contract's kinds


def _stored(row: models.Model) -> dict | None:
    """The row's name as the database holds it: a form or a script may have changed the instance already."""
    if row.pk is None:
        return None
    fields = ("slug", "question_id", "question__slug") if _kind(row) == OPTION else ("slug",)
    return type(row)._default_manager.filter(pk=row.pk).values(*fields).first()


def _reads(row: models.Model, stored: dict | None) -> str:
    if stored is None:
        return ""
    kind = _kind(row)
    if kind == OPTION:
        return reader_of_option(stored["question__slug"], stored["slug"])
    return reader_of_question(stored["slug"]) if kind == QUESTION else reader_of_server(stored["slug"])


def _refusal(row: models.Model, stored: dict, reads: str, change: str) -> str:
    kind = _kind(row)
    name = f"{stored['question__slug']}={stored['slug']}" if kind == OPTION else stored["slug"]
    return (
        f"Serverwise reads the {kind} {name}: {reads}. It cannot be {change}; its label, help text and position"
        " can change, and a new one can be added."
    )


def _refuse_rename(sender, instance: models.Model, raw: bool = False, **kwargs) -> None:
    if raw or not isinstance(instance, ContractedRow) or getattr(_replacing, "active", False):
        return
    problems = rename_problems(instance)
    if problems:
        raise ValidationError(problems)


def _refuse_delete(sender, instance: models.Model, **kwargs) -> None:
    if not isinstance(instance, ContractedRow) or getattr(_replacing, "active", False):
        return
    refusals = delete_refusals(instance)
    if refusals:
        raise models.ProtectedError(" ".join(refusals), {instance})


pre_save.connect(_refuse_rename, dispatch_uid="contract-refuse-rename")
pre_delete.connect(_refuse_delete, dispatch_uid="contract-refuse-delete")


class ContractAdminMixin:
    """The admin's side: the slug's help text says what reads the row, and delete pages (one row, or the bulk
    action) list contracted rows as protected, so Django refuses with its own page."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "slug" in form.base_fields:
            reads = _reads(obj, _stored(obj)) if obj is not None else ""
            form.base_fields["slug"].help_text = f"Read by Serverwise: {reads}. {SLUG_HELP}" if reads else SLUG_HELP
        return form

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        refusals = [refusal for row in objs for refusal in delete_refusals(row)]
        return deleted, counts, perms_needed, [*protected, *refusals]


class ContractInlineFormSet(BaseInlineFormSet):
    """An inline's DELETE box ticked on a contracted row: refused above the inline, with what reads it (a form
    marked for deletion shows no errors of its own)."""

    def clean(self) -> None:
        super().clean()
        refusals = [
            refusal
            for form in self.forms
            if self.can_delete and self._should_delete_form(form) and form.instance.pk is not None
            for refusal in delete_refusals(form.instance)
        ]
        if refusals:
            raise ValidationError(refusals)


class ContractInlineMixin:
    formset = ContractInlineFormSet

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if "slug" in formset.form.base_fields:
            formset.form.base_fields["slug"].help_text = SLUG_HELP
        return formset
