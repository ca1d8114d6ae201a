"""Django admin for the criteria: made for keeping the guide true, not left at the defaults."""

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from decisions import store
from decisions.configs import render as configs
from decisions.configs.plan import plan_for
from decisions.configs.validate import validate
from decisions.edits import HeldEdit, held_edit
from decisions.expectations import check
from decisions.forms import (
    ADDED,
    REMOVED,
    ConfigTemplateForm,
    EffectChange,
    ExpectationForm,
    PreviewForm,
    ScoringMatrixForm,
)
from decisions.measured import ratio, times
from decisions.models import (
    MAX_POINTS,
    ConfigTemplate,
    CriteriaSnapshot,
    CriteriaVersion,
    Effect,
    Expectation,
    MeasurementRun,
    Option,
    Question,
    Server,
)
from decisions.protection import ContractAdminMixin, ContractInlineMixin
from decisions.signals import one_version_bump

admin.site.site_header = "Serverwise admin"
admin.site.site_title = "Serverwise admin"
admin.site.index_title = "Keep the guide true"


def editor(request: HttpRequest) -> str:
    return f"{request.user.get_username()} (admin)"


class VersionedMixin:
    """Each save of the admin's pages (an object with its inlines, a list's edits, a deletion, an action) makes one
    criteria version at most, by its user, in the save's transaction."""

    def changeform_view(self, request, *args, **kwargs):
        with one_version_bump(editor(request)):
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        with one_version_bump(editor(request)):
            return super().changelist_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with one_version_bump(editor(request)):
            return super().delete_view(request, *args, **kwargs)


class GuardedEditMixin(VersionedMixin):
    """A criteria edit (an object with its inlines, a deletion, a bulk deletion) is tried before it is kept
    (decisions.edits): a preview, or an edit that breaks an expectation without "save anyway", is rolled back
    and the form or confirmation page shown again with its report."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        response = None

        def save() -> bool:
            nonlocal response
            response = super(GuardedEditMixin, self).changeform_view(request, object_id, form_url, extra_context)
            return response.status_code == 302

        try:
            with _messages_kept_until_saved(request):
                held_edit(request, editor(request), save)
        except HeldEdit as held:
            request.criteria_hold = held.report  # the second pass's form shows the report as its error
            extra_context = (extra_context or {}) | {"criteria_hold": held.report}
            return super().changeform_view(request, object_id, form_url, extra_context)
        return response

    def render_change_form(self, request, context, *args, **kwargs):
        return super().render_change_form(request, context | {"criteria_edit": True}, *args, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        report = getattr(request, "criteria_hold", None)
        if report is None:
            return form

        class HeldForm(form):
            def clean(self):
                super().clean()
                raise forms.ValidationError(report.message)

        return HeldForm

    def delete_view(self, request, object_id, extra_context=None):
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        response = None

        def delete() -> bool:
            nonlocal response
            response = super(GuardedEditMixin, self).delete_view(request, object_id, extra_context)
            return response.status_code == 302

        try:
            with _messages_kept_until_saved(request):
                held_edit(request, editor(request), delete)
        except HeldEdit as held:
            request.method, request.POST = "GET", QueryDict()  # the confirmation page again, with the report
            return super().delete_view(request, object_id, (extra_context or {}) | {"criteria_hold": held.report})
        return response

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        response = None

        def save() -> bool:
            nonlocal response
            response = super(GuardedEditMixin, self).changelist_view(request, extra_context)
            return response.status_code == 302

        try:
            with _messages_kept_until_saved(request):
                held_edit(request, editor(request), save)
        except HeldEdit as held:
            # Only a deletion can break an expectation here (list edits change positions, which score nothing):
            # the action's confirmation page again, which shows the report and "save anyway".
            request.criteria_hold = held.report
            request.POST = request.POST.copy()
            request.POST.pop("post")
            return super().changelist_view(request, extra_context)
        return response

    def message_user(self, request, *args, **kwargs):
        send = functools.partial(super().message_user, request, *args, **kwargs)
        kept = getattr(request, "kept_messages", None)
        if kept is None:
            send()
        else:
            kept.append(send)


@contextmanager
def _messages_kept_until_saved(request: HttpRequest) -> Iterator[None]:
    """The admin's messages of a save that may be rolled back ("… was changed successfully"), sent only once it is
    kept: a held edit sends none."""
    request.kept_messages = kept = []
    try:
        yield
    finally:
        del request.kept_messages
    for send in kept:
        send()


class LabelledPositionMixin:
    """Names the list's editable position inputs for screen readers (Django leaves them without a label)."""

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault(
            "widgets", {"position": forms.NumberInput(attrs={"aria-label": "Position", "class": "vIntegerField"})}
        )
        return super().get_changelist_form(request, **kwargs)


@admin.register(Server)
class ServerAdmin(ContractAdminMixin, LabelledPositionMixin, GuardedEditMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "version",
        "interfaces",
        "protocols",
        "memory_article_mib",
        "memory_pss_mib",
        "position",
    )
    list_editable = ("position",)
    list_filter = ("interfaces",)
    search_fields = ("name", "slug", "summary", "interfaces", "protocols", "strengths", "limitations", "when_to_use")
    ordering = ("position", "slug")
    fieldsets = (
        (None, {"fields": ("name", "slug", "version", "position")}),
        ("What it is", {"fields": ("summary", "interfaces", "protocols", "websockets", "maturity")}),
        ("Advice", {"fields": ("strengths", "limitations", "when_to_use")}),
        (
            "Memory per worker",
            {
                "fields": (
                    ("memory_article_mib", "memory_article_source"),
                    ("memory_rss_mib", "memory_pss_mib", "memory_uss_mib"),
                    "memory_measured_source",
                )
            },
        ),
        ("Ties on points", {"fields": ("maturity_level", "first_release_year")}),
    )


class OptionInline(ContractInlineMixin, admin.TabularInline):
    model = Option
    fields = ("position", "slug", "label", "help_text")
    extra = 0
    ordering = ("position", "slug")


@admin.register(Question)
class QuestionAdmin(ContractAdminMixin, LabelledPositionMixin, GuardedEditMixin, admin.ModelAdmin):
    list_display = ("text", "slug", "option_count", "position", "scoring_link")
    list_editable = ("position",)
    search_fields = ("text", "slug", "help_text", "options__label", "options__slug")
    ordering = ("position", "slug")
    inlines = (OptionInline,)
    fields = ("text", "slug", "help_text", "position")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(option_total=Count("options"))

    @admin.display(description="options", ordering="option_total")
    def option_count(self, question: Question) -> int:
        return question.option_total

    @admin.display(description="scoring")
    def scoring_link(self, question: Question) -> str:
        url = reverse("admin:decisions_question_scoring", args=[question.pk])
        return format_html('<a href="{}">Edit scoring matrix</a>', url)

    def get_urls(self):
        scoring = path(
            "<int:question_id>/scoring/",
            self.admin_site.admin_view(self.scoring_view),
            name="decisions_question_scoring",
        )
        return [scoring, *super().get_urls()]

    def scoring_view(self, request: HttpRequest, question_id: int) -> HttpResponse:
        question = get_object_or_404(Question, pk=question_id)
        can_change = request.user.has_perms(
            ["decisions.change_effect", "decisions.add_effect", "decisions.delete_effect"]
        )
        if not (can_change or request.user.has_perm("decisions.view_effect")):
            raise PermissionDenied
        if request.method == "POST" and not can_change:
            raise PermissionDenied
        form = ScoringMatrixForm(
            request.POST if request.method == "POST" else None,
            question=question,
            servers=list(Server.objects.order_by("position", "slug")),
        )
        report = None
        if form.is_bound and form.is_valid():
            changes = []

            def save() -> bool:
                changes.extend(form.save())
                self._log_matrix_changes(request, question, changes)
                return bool(changes)

            try:
                held_edit(request, editor(request), save)
            except HeldEdit as held:
                report = held.report
            else:
                if changes:
                    messages.success(request, f"Saved {len(changes)} change(s) to the scoring of “{question}”.")
                else:
                    messages.info(request, "Nothing changed.")
                return HttpResponseRedirect(request.path)
        ctx = self.admin_site.each_context(request) | {
            "criteria_hold": report,
            "title": f"Scoring: {question.text}",
            "question": question,
            "form": form,
            "can_change": can_change,
            "opts": self.model._meta,
            "max_points": MAX_POINTS,
            "questions": Question.objects.order_by("position", "slug"),
        }
        return TemplateResponse(request, "admin/decisions/question/scoring_matrix.html", ctx)

    def _log_matrix_changes(self, request: HttpRequest, question: Question, changes: list[EffectChange]) -> None:
        """Each changed effect in its own history, and the whole save in the question's."""
        if not changes:
            return
        effect_admin = self.admin_site.get_model_admin(Effect)
        for change in changes:
            if change.action == REMOVED:
                effect_admin.log_deletions(request, [change.effect])
            elif change.action == ADDED:
                effect_admin.log_addition(request, change.effect, change.message)
            else:
                effect_admin.log_change(request, change.effect, change.message)
        self.log_change(request, question, f"Changed scoring: {'; '.join(change.summary for change in changes)}")


class EffectInline(admin.TabularInline):
    model = Effect
    fields = ("server", "points", "excluded", "experimental", "reason")
    extra = 0
    ordering = ("server__position", "server__slug")


@admin.register(Option)
class OptionAdmin(ContractAdminMixin, GuardedEditMixin, admin.ModelAdmin):
    """Options at a glance: one row per option, one column per server's effect; an option's page edits its effects."""

    list_display = ("__str__", "label", "question", "position")
    list_filter = ("question",)
    search_fields = ("slug", "label", "help_text", "question__text", "question__slug")
    ordering = ("question__position", "position", "slug")
    list_select_related = ("question",)
    fields = ("question", "slug", "label", "help_text", "position")
    inlines = (EffectInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("effects__server")

    def get_list_display(self, request):
        server_columns = [self._effect_column(server) for server in Server.objects.order_by("position", "slug")]
        return (*self.list_display, *server_columns)

    @staticmethod
    def _effect_column(server: Server):
        def column(option: Option) -> str:
            effect = next((e for e in option.effects.all() if e.server_id == server.pk), None)
            if effect is None:
                return "–"
            return format_html(
                '<span title="{}">{}</span>', effect.reason, "✕ ruled out" if effect.excluded else f"{effect.points:+d}"
            )

        column.short_description = f"on {server.name}"  # the admin capitalises the first letter
        column.__name__ = f"effect_on_{server.slug}"
        return column


@admin.register(Effect)
class EffectAdmin(GuardedEditMixin, admin.ModelAdmin):
    list_display = ("option", "server", "points", "excluded", "experimental", "reason")
    list_filter = ("option__question", "server", "excluded")
    search_fields = ("reason", "option__slug", "option__label", "server__name")
    list_select_related = ("option__question", "server")
    ordering = ("option__question__position", "option__position", "server__position")
    fields = ("option", "server", "points", "excluded", "experimental", "reason")


@admin.register(ConfigTemplate)
class ConfigTemplateAdmin(LabelledPositionMixin, VersionedMixin, admin.ModelAdmin):
    form = ConfigTemplateForm
    list_display = ("name", "filename", "servers_shown", "deploys_shown", "content_type", "position", "preview_link")
    list_editable = ("position",)
    list_filter = ("filename",)
    search_fields = ("name", "filename", "servers", "deploys", "body")
    ordering = ("position", "filename")
    readonly_fields = ("preview_link", "variables")
    fieldsets = (
        (None, {"fields": ("name", "filename", ("servers", "deploys"), ("content_type", "position"))}),
        ("Template", {"fields": ("body", "preview_link", "variables")}),
    )

    class Media:
        css = {"all": ["css/admin.css"]}  # the monospace body and the list of variables

    @admin.display(description="servers", ordering="servers")
    def servers_shown(self, template: ConfigTemplate) -> str:
        return template.servers or "every server"

    @admin.display(description="deploy targets", ordering="deploys")
    def deploys_shown(self, template: ConfigTemplate) -> str:
        return template.deploys or "every target"

    @admin.display(description="preview")
    def preview_link(self, template: ConfigTemplate) -> str:
        if template.pk is None:
            return "Save the template to preview it."
        url = reverse("admin:decisions_configtemplate_preview", args=[template.pk])
        return format_html('<a href="{}">Preview and validate</a>', url)

    @admin.display(description="variables you can use")
    def variables(self, template: ConfigTemplate) -> str:
        rows = format_html_join("", "<li><code>{}</code>: {}</li>", sorted(configs.VARIABLES.items()))
        return format_html('<ul class="template-variables">{}</ul>', rows)

    def get_urls(self):
        preview = path(
            "<int:template_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="decisions_configtemplate_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest, template_id: int) -> HttpResponse:
        template = get_object_or_404(ConfigTemplate, pk=template_id)
        if not self.has_view_or_change_permission(request, template):
            raise PermissionDenied
        current = store.current()
        form = PreviewForm(request.GET or None, template=template, current=current)
        rendered, verdict, error = "", None, ""
        if not form.is_bound:
            form = PreviewForm(form.first_choices(), template=template, current=current)
        if form.is_valid():
            answers = form.answers()
            server = current.server(form.cleaned_data["server"])
            plan = plan_for(server, answers)
            try:
                values = configs.sample_context(plan, answers, current, store.current_templates(current))
                rendered = configs.render_template(template.as_info(), values)
            except configs.ConfigError as problem:
                error = str(problem)
            if rendered:
                verdict = validate(template.filename, rendered, app=plan.app_path)
        ctx = self.admin_site.each_context(request) | {
            "title": f"Preview: {template}",
            "template": template,
            "form": form,
            "rendered": rendered,
            "verdict": verdict,
            "error": error,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/decisions/configtemplate/preview.html", ctx)


@admin.register(Expectation)
class ExpectationAdmin(admin.ModelAdmin):
    """The guide's own regression tests, each checked against the current criteria as the list is shown."""

    form = ExpectationForm
    list_display = ("note", "answers", "expected_shown", "verdict", "position")
    list_editable = ("position",)
    search_fields = ("note", "answers", "source", "expected")
    fields = ("answers", "expected", "note", "source", "position", "verdict")
    readonly_fields = ("verdict",)

    @admin.display(description="expects", ordering="expected")
    def expected_shown(self, expectation: Expectation) -> str:
        server = store.current().server(expectation.expected) if expectation.expected else None
        return server.name if server else expectation.expected or "no server fits"

    @admin.display(description="under the current criteria")
    def verdict(self, expectation: Expectation) -> str:
        if expectation.pk is None:
            return "Save it to check it."
        verdict = check(expectation.as_info(), store.current())
        if verdict.passed:
            return format_html('<span class="verdict-pass">{}</span>', "✓ passes")
        return format_html('<span class="verdict-fail">{}</span>: {}', "✗ fails", verdict.why)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted, not even by a superuser: the site keeps these rows itself."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CriteriaVersion)
class CriteriaVersionAdmin(ReadOnlyAdmin):
    list_display = ("number", "changed_at")


@admin.register(CriteriaSnapshot)
class CriteriaSnapshotAdmin(ReadOnlyAdmin):
    """Every version of the criteria as it was: to read, never to change (not even by a superuser)."""

    list_display = ("number", "created_at", "by", "summary")
    search_fields = ("summary", "by")
    fields = ("number", "created_at", "by", "summary", "changes_shown", "broken_shown", "data")
    readonly_fields = fields

    @admin.display(description="what changed")
    def changes_shown(self, snapshot: CriteriaSnapshot) -> str:
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in snapshot.changes)))

    @admin.display(description="expectations it broke")
    def broken_shown(self, snapshot: CriteriaSnapshot) -> str:
        lines = ((line,) for line in snapshot.broken_expectations)
        return (
            format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", lines))
            if snapshot.broken_expectations
            else "none"
        )


@admin.register(MeasurementRun)
class MeasurementRunAdmin(ReadOnlyAdmin):
    """Runs of `make measure`, as their files say: loaded by import_measurements or a migration, never edited, and
    not deleted here either (a run that should go goes by a migration, which says why)."""

    list_display = ("started_at", "host", "quick", "cells", "machine", "imported_at")
    list_filter = ("quick",)
    fields = ("started_at", "host", "quick", "machine", "method_shown", "figures_shown", "imported_at", "digest")
    readonly_fields = fields

    @admin.display(description="method")
    def method_shown(self, row: MeasurementRun) -> str:
        run = row.run
        lines = [
            f"{run.workers} worker per server, {run.rounds} rounds; {run.placement}",
            f"load before: {run.load_before}",
            f"load after: {run.load_after}",
            f"Python {run.python}; " + ", ".join(f"{name} {version}" for name, version in run.versions.items()),
        ]
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines)))

    @admin.display(description="figures (median of the rounds, min-max)")
    def figures_shown(self, row: MeasurementRun) -> str:
        run = row.run
        rows = []
        for cell in run.cells:
            rps, found = cell.spread("rps"), ratio(run, cell)
            rows.append(
                (
                    cell.framework,
                    cell.workload,
                    cell.setup,
                    f"{rps.median:.1f} ({rps.low:.1f}-{rps.high:.1f})" if rps else cell.error,
                    times(found.spread) if found else "",
                    f"{cell.spread('p99_ms').median:.1f}" if rps else "",
                    sum(figures.errors for figures in cell.runs),
                )
            )
        head = ("Framework", "Workload", "Setup", "req/s", "× baseline", "p99 ms", "Errors")
        return format_html(
            "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<th>{}</th>", ((name,) for name in head)),
            format_html_join("", "<tr>" + "<td>{}</td>" * len(head) + "</tr>", rows),
        )
