"""The stored criteria: servers, questions, options and each option's effect on each server; the measuring runs."""

import json
from datetime import datetime
from urllib.parse import parse_qsl

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.utils import timezone

from decisions.configs.render import ConfigError, check_template
from decisions.contract import DEPLOY
from decisions.domain import (
    GROWING,
    MATURITY,
    MATURITY_LEVELS,
    POSITION,
    TIE_FACT_PLACEHOLDERS,
    Criteria,
    EffectInfo,
    OptionInfo,
    QuestionInfo,
    ServerInfo,
    TemplateInfo,
    server_from_fields,
    snapshot_criteria,
    snapshot_data,
    split_slugs,
    template_from_fields,
)
from decisions.expectations import ExpectationInfo, broken_by, record
from decisions.history import FIRST_VERSION, criteria_changes, measurements_change, summary
from decisions.measured import MeasuredRun, parse_run
from decisions.protection import ContractedRow

MAX_POINTS = 10

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Use lowercase letters, digits and single hyphens (e.g. long-polling)."
)


class CriteriaVersion(models.Model):
    """One row whose number changes whenever any criterion changes; it keys every cache and ETag."""

    number = models.PositiveIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "criteria version"

    def __str__(self) -> str:
        return f"Criteria version {self.number} ({self.changed_at:%Y-%m-%d %H:%M} UTC)"

    @classmethod
    @transaction.atomic
    def bump(cls, by: str = "") -> "CriteriaSnapshot | None":
        """Numbers the stored criteria as a new version and snapshots them, in the caller's transaction; None when
        they equal the last snapshot. The row lock makes concurrent bumps take turns: distinct numbers, no gaps."""
        row = cls.objects.select_for_update().filter(pk=1).first()
        criteria, templates = read_criteria(Server, Option), read_templates(ConfigTemplate)
        return record_version(cls, CriteriaSnapshot, row, criteria, templates, by, stored_expectations())

    @classmethod
    @transaction.atomic
    def show_latest_run(cls, by: str = "") -> "CriteriaSnapshot | None":
        """A new version for the run the pages now show (MeasurementRun.current()); None when the last snapshot
        shows it already."""
        row = cls.objects.select_for_update().filter(pk=1).first()
        return record_measurements(cls, CriteriaSnapshot, MeasurementRun, row, by)


class CriteriaSnapshot(models.Model):
    """One version of the criteria and templates exactly as the site used them; never edited."""

    number = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField()
    by = models.CharField(max_length=200, help_text="The admin user, the command or the migration that made it.")
    summary = models.TextField()
    changes = models.JSONField(default=list, help_text="What changed from the version before, one line each.")
    broken_expectations = models.JSONField(
        default=list,
        db_default=[],  # rows that code from before migration 0010 writes (its tests run it) record none
        help_text="The expectations that passed with the version before and fail with this one.",
    )
    data = models.JSONField(help_text="Servers, questions, options, effects and config templates.")
    measurement_run = models.ForeignKey(
        "MeasurementRun",
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # a pinned link keeps showing its run
        related_name="+",
        help_text="The run of `make measure` the pages showed with this version; none before runs were shown.",
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = "criteria snapshot"

    def __str__(self) -> str:
        return f"Criteria version {self.number}"

    def frozen(self) -> tuple[Criteria, tuple[TemplateInfo, ...]]:
        return snapshot_criteria(self.data, self.number, self.created_at)


def record_version(
    CriteriaVersion, CriteriaSnapshot, row, criteria: Criteria, templates, by: str, expectations=()
) -> "CriteriaSnapshot | None":
    """Takes the next number for `criteria` and snapshots them, with the `expectations` the change broke, unless
    they equal the last snapshot. `row` is the locked version row (None: there is none yet); the models are
    passed so that migrations can use it."""
    previous = CriteriaSnapshot.objects.filter(number=row.number).first() if row else None
    broken = []
    if previous is None:
        changes = [FIRST_VERSION]
    else:
        before = snapshot_criteria(previous.data, previous.number, None)
        changes = criteria_changes(before, (criteria, templates))
        if not changes:
            return None
        broken = record(broken_by(expectations, before[0], criteria), criteria)
    now = timezone.now()
    number = row.number + 1 if previous else row.number if row else 1
    CriteriaVersion.objects.update_or_create(pk=1, defaults={"number": number, "changed_at": now})
    snapshot = {
        "number": number,
        "created_at": now,
        "by": by or "a save outside the admin",
        "summary": summary(changes),
        "changes": changes,
        "data": snapshot_data(criteria, templates),
    }
    if broken:  # only from migration 0010 on, whose model has the field
        snapshot["broken_expectations"] = broken
    if getattr(previous, "measurement_run_id", None):  # an edit of the criteria keeps the run the pages show
        snapshot["measurement_run_id"] = previous.measurement_run_id
    return CriteriaSnapshot.objects.create(**snapshot)


def record_migration(apps, changed: bool, by: str) -> None:
    """What a data migration records, as a save and an import would (its historical models send no signal): a
    version for its changes to the criteria, if it `changed` them, then one for the run the pages now show, if that
    changed."""
    CriteriaVersion, CriteriaSnapshot, MeasurementRun, Server, Option, ConfigTemplate = (
        apps.get_model("decisions", name)
        for name in ("CriteriaVersion", "CriteriaSnapshot", "MeasurementRun", "Server", "Option", "ConfigTemplate")
    )
    row = CriteriaVersion.objects.select_for_update().filter(pk=1).first()
    if changed:
        criteria, templates = read_criteria(Server, Option), read_templates(ConfigTemplate)
        record_version(CriteriaVersion, CriteriaSnapshot, row, criteria, templates, by)
        row = CriteriaVersion.objects.select_for_update().filter(pk=1).first()
    record_measurements(CriteriaVersion, CriteriaSnapshot, MeasurementRun, row, by)


def record_measurements(CriteriaVersion, CriteriaSnapshot, MeasurementRun, row, by: str) -> "CriteriaSnapshot | None":
    """The next version: the last snapshot's criteria with the run the pages now show, unless it shows that run
    already (or no version exists yet). The models are passed so that migrations can use it."""
    previous = CriteriaSnapshot.objects.filter(number=row.number).first() if row else None
    run = latest_run(MeasurementRun)
    if previous is None or run is None or previous.measurement_run_id == run.pk:
        return None
    now = timezone.now()
    changes = [measurements_change(run.started_at, run.host, run.quick)]
    CriteriaVersion.objects.filter(pk=1).update(number=row.number + 1, changed_at=now)
    return CriteriaSnapshot.objects.create(
        number=row.number + 1,
        created_at=now,
        by=by or "a run imported outside the command",
        summary=summary(changes),
        changes=changes,
        data=previous.data,
        measurement_run=run,
    )


class CriteriaPart(models.Model):
    """A row of the criteria or their templates. Its save or delete runs in one transaction with the new version and
    snapshot that decisions.signals writes on it, also in a shell or a script, where nothing else opens one."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            return super().delete(*args, **kwargs)


class Server(ContractedRow, CriteriaPart):
    slug = models.SlugField(unique=True, max_length=30, validators=[slug_validator])
    name = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order on the site, and the tie-break: on equal scores the lower position ranks first."
    )
    version = models.CharField(max_length=30, blank=True, help_text="Release the facts were checked against.")
    summary = models.TextField(help_text="One or two sentences: what the server is.")
    interfaces = models.CharField(max_length=60, help_text="e.g. WSGI, ASGI, RSGI")
    protocols = models.CharField(max_length=120, help_text="e.g. HTTP/1.1, HTTP/2")
    websockets = models.CharField(max_length=160, help_text="Whether and how it serves WebSockets.")
    maturity = models.CharField(max_length=200)
    strengths = models.TextField(help_text="One per line.")
    limitations = models.TextField(help_text="One per line.")
    when_to_use = models.TextField()
    memory_article_mib = models.PositiveSmallIntegerField(
        "memory per worker, article (MiB)", help_text="Baseline figure as the article states it."
    )
    memory_article_source = models.CharField(max_length=200)
    memory_rss_mib = models.DecimalField("measured RSS (MiB)", max_digits=6, decimal_places=1)
    memory_pss_mib = models.DecimalField("measured PSS (MiB)", max_digits=6, decimal_places=1)
    memory_uss_mib = models.DecimalField("measured USS (MiB)", max_digits=6, decimal_places=1)
    memory_measured_source = models.CharField(max_length=300)
    maturity_level = models.PositiveSmallIntegerField(
        choices=MATURITY_LEVELS.items(),
        default=GROWING,
        help_text="On equal points, after experimental features: the more mature server ranks first.",
    )
    first_release_year = models.PositiveSmallIntegerField(
        default=2026,
        validators=[MinValueValidator(1991), MaxValueValidator(2100)],
        help_text="Year of its first release on PyPI: the last tie-break, the earlier release ranks first.",
    )

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name


class Question(ContractedRow, CriteriaPart):
    slug = models.SlugField(unique=True, max_length=30, validators=[slug_validator])
    text = models.CharField(max_length=200)
    help_text = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.text


class Option(ContractedRow, CriteriaPart):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    slug = models.SlugField(max_length=30, validators=[slug_validator])
    label = models.CharField(max_length=120)
    help_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["question__position", "position", "slug"]
        constraints = [models.UniqueConstraint(fields=["question", "slug"], name="unique_option_slug_per_question")]

    def __str__(self) -> str:
        return f"{self.question.slug}={self.slug}"


class Effect(CriteriaPart):
    """What choosing an option does to one server: points, or a hard exclusion, always with a reason."""

    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="effects")
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="effects")
    points = models.SmallIntegerField(
        default=0, validators=[MinValueValidator(-MAX_POINTS), MaxValueValidator(MAX_POINTS)]
    )
    excluded = models.BooleanField(default=False, help_text="Rules the server out whatever its score.")
    experimental = models.BooleanField(
        default=False,
        help_text="The server meets this answer only through a feature its authors call experimental or draft: on"
        " equal points a server that needs none ranks first.",
    )
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["option__question__position", "option__position", "server__position"]
        constraints = [models.UniqueConstraint(fields=["option", "server"], name="unique_effect_per_option_server")]

    def __str__(self) -> str:
        return f"{self.option} → {self.server.slug}"

    def clean(self) -> None:
        errors = {}
        if (self.excluded or self.points) and not self.reason.strip():
            errors["reason"] = "Give the reason a user will read for these points or this exclusion."
        if self.excluded and self.points:
            errors["points"] = "An exclusion rules the server out; leave its points at 0."
        if errors:
            raise ValidationError(errors)


filename_validator = RegexValidator(
    r"^(?!\.+$)[A-Za-z0-9_.-]+$", "Use a plain file name: letters, digits, dots, hyphens and underscores, no folders."
)
content_type_validator = RegexValidator(
    r"^[a-z]+/[a-z0-9.+-]+(?:; charset=utf-8)?$", "Use a media type such as text/plain; charset=utf-8."
)


class ConfigTemplate(CriteriaPart):
    """One file of the starter-config bundle, as a Django template over decisions/configs/render.py's VARIABLES."""

    name = models.CharField(max_length=100, help_text="What the file is, e.g. Gunicorn settings.")
    filename = models.CharField(max_length=100, validators=[filename_validator])
    servers = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated server slugs, e.g. gunicorn. Blank: every server."
    )
    deploys = models.CharField(
        "deploy targets",
        max_length=200,
        blank=True,
        help_text="Comma-separated options of the deploy question, e.g. docker, kubernetes. Blank: every target.",
    )
    body = models.TextField(
        help_text="Django template syntax, autoescape off; the variables are listed in decisions/configs/render.py "
        "(VARIABLES). "
        "A line holding only {% %} tags leaves no line behind; a body that renders empty leaves the file out."
    )
    content_type = models.CharField(
        max_length=100, default="text/plain; charset=utf-8", validators=[content_type_validator]
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the bundle and on the result page.")

    class Meta:
        ordering = ["position", "filename", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.filename})"

    def clean(self) -> None:
        errors = {}
        self.servers = ", ".join(split_slugs(self.servers))
        self.deploys = ", ".join(split_slugs(self.deploys))
        unknown_servers = set(split_slugs(self.servers)) - set(Server.objects.values_list("slug", flat=True))
        if unknown_servers:
            errors["servers"] = f"Unknown server: {', '.join(sorted(unknown_servers))}."
        targets = Option.objects.filter(question__slug=DEPLOY).values_list("slug", flat=True)
        unknown_targets = set(split_slugs(self.deploys)) - set(targets)
        if unknown_targets:
            errors["deploys"] = (
                f"Unknown deploy target: {', '.join(sorted(unknown_targets))}. Allowed: {', '.join(targets)}."
            )
        if errors:
            raise ValidationError(errors)
        clash = self._clashing_template()
        if clash is not None:
            errors["filename"] = (
                f"{clash} already writes {self.filename} for some of the same servers and deploy targets."
            )
        try:
            check_template(self.as_info(), stored_criteria(), stored_templates())
        except ConfigError as error:
            errors["body"] = str(error)
        if errors:
            raise ValidationError(errors)

    def as_info(self) -> TemplateInfo:
        fields = {name: getattr(self, name) for name in ("name", "filename", "body", "content_type", "position")}
        return template_from_fields(
            fields | {"servers": split_slugs(self.servers), "deploys": split_slugs(self.deploys)}
        )

    def _clashing_template(self) -> "ConfigTemplate | None":
        """Another template with this filename for an overlapping (server, deploy target): a bundle cannot hold both."""
        mine = self.as_info()
        for other in ConfigTemplate.objects.filter(filename=self.filename).exclude(pk=self.pk):
            theirs = other.as_info()
            servers_meet = not mine.servers or not theirs.servers or set(mine.servers) & set(theirs.servers)
            deploys_meet = not mine.deploys or not theirs.deploys or set(mine.deploys) & set(theirs.deploys)
            if servers_meet and deploys_meet:
                return other
        return None


def stored_criteria(version: int = 0, changed_at: datetime | None = None) -> Criteria:
    """The criteria as stored, in two queries: decisions.store memoises them per version for the pages."""
    return read_criteria(Server, Option, version, changed_at)


def read_criteria(Server, Option, version: int = 0, changed_at: datetime | None = None) -> Criteria:
    """stored_criteria() over the models given, so that migrations can pass their historical ones. Models from
    before migration 0010 have none of the tie rule's facts: their criteria broke ties by position."""
    stored = {field.name for field in Server._meta.get_fields()}
    tie_facts = {} if stored >= set(TIE_FACT_PLACEHOLDERS) else TIE_FACT_PLACEHOLDERS
    server_rows = list(Server.objects.values("pk", *(set(ServerInfo.__dataclass_fields__) - set(tie_facts))))
    server_slugs = {row["pk"]: row["slug"] for row in server_rows}
    servers = tuple(
        server_from_fields({name: row[name] for name in ServerInfo.__dataclass_fields__ if name in row} | tie_facts)
        for row in server_rows
    )
    tie_rule = POSITION if tie_facts else MATURITY
    return Criteria(version, changed_at, servers, _stored_questions(Option, server_slugs), tie_rule)


def _stored_questions(Option, server_slugs: dict[int, str]) -> tuple[QuestionInfo, ...]:
    """Questions, options and effects in one query: a LEFT JOIN gives a row per (option, effect)."""
    effect_fields = {field.name for field in Option._meta.get_field("effects").related_model._meta.get_fields()}
    rows = Option.objects.order_by("question__position", "question__slug", "position", "slug", "pk").values_list(
        "question__slug",
        "question__text",
        "question__help_text",
        "pk",
        "slug",
        "label",
        "help_text",
        "effects__server_id",
        "effects__points",
        "effects__excluded",
        "effects__reason",
        *(["effects__experimental"] if "experimental" in effect_fields else []),
    )
    questions: dict[str, tuple[str, str, dict[int, tuple]]] = {}
    for q_slug, q_text, q_help, o_pk, o_slug, o_label, o_help, server_id, *effect in rows:
        options = questions.setdefault(q_slug, (q_text, q_help, {}))[2]
        option = options.setdefault(o_pk, (o_slug, o_label, o_help, {}))
        if server_id is not None:
            option[3][server_slugs[server_id]] = EffectInfo(*effect)
    return tuple(
        QuestionInfo(q_slug, q_text, q_help, tuple(OptionInfo(*option) for option in options.values()))
        for q_slug, (q_text, q_help, options) in questions.items()
    )


def stored_templates() -> tuple[TemplateInfo, ...]:
    """Every stored config template, in one query."""
    return read_templates(ConfigTemplate)


def read_templates(ConfigTemplate) -> tuple[TemplateInfo, ...]:
    """stored_templates() over the model given, so that migrations can pass their historical one."""
    rows = ConfigTemplate.objects.order_by("position", "filename", "pk").values(*TEMPLATE_INFO_FIELDS)
    return tuple(
        template_from_fields(row | {"servers": split_slugs(row["servers"]), "deploys": split_slugs(row["deploys"])})
        for row in rows
    )


TEMPLATE_INFO_FIELDS = tuple(TemplateInfo.__dataclass_fields__)


class Expectation(models.Model):
    """The guide's own regression test: a set of answers and the server it must recommend. Not part of the
    criteria: editing one makes no new version."""

    answers = models.CharField(
        max_length=500,
        help_text="As in a share link's query, e.g. framework=fastapi&async=yes. Blank: no answers at all.",
        blank=True,
    )
    expected = models.CharField(
        "expected server",
        max_length=30,
        blank=True,
        help_text="The slug of the server these answers must recommend. Blank: no server may fit.",
    )
    note = models.CharField(max_length=300, help_text="What the expectation guards, in a sentence.")
    source = models.CharField(
        max_length=300, help_text="Where the expectation comes from: the article, a server's docs."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.note

    def clean(self) -> None:
        criteria = stored_criteria()
        errors = {}
        if self.expected and criteria.server(self.expected) is None:
            errors["expected"] = f"No server has the slug {self.expected}."
        try:
            choices = parse_qsl(self.answers, strict_parsing=True) if self.answers else []
        except ValueError:
            choices = [("", "")]
        unknown = [f"{q}={o}" for q, o in choices if not (question := criteria.question(q)) or not question.option(o)]
        if unknown:
            errors["answers"] = (
                f"The criteria do not offer {', '.join(unknown)}. Give question=option pairs joined by &, as in a"
                " share link, e.g. framework=fastapi&async=yes."
            )
        if errors:
            raise ValidationError(errors)

    def as_info(self) -> ExpectationInfo:
        return ExpectationInfo(self.answers, self.expected or None, self.note, self.source)


def stored_expectations() -> tuple[ExpectationInfo, ...]:
    """Every expectation, in one query."""
    rows = Expectation.objects.order_by("position", "pk").values_list("answers", "expected", "note", "source")
    return tuple(ExpectationInfo(answers, expected or None, note, source) for answers, expected, note, source in rows)


class MeasurementRun(models.Model):
    """One run of `make measure`: its file stored verbatim (decisions.measured reads the cells from it), and the
    fields the admin lists it by. Loaded by import_measurements and the seed migration; never edited by hand."""

    started_at = models.DateTimeField(db_index=True)
    host = models.CharField(max_length=200)
    quick = models.BooleanField(help_text="A QUICK=1 run: a subset of the frameworks and workloads.")
    machine = models.CharField(max_length=300)
    cells = models.PositiveIntegerField()
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the file: the same file loads once.")
    source = models.TextField(help_text="The run's JSON file, as it was imported.")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{'Quick run' if self.quick else 'Run'} of {self.started_at:%Y-%m-%d %H:%M} UTC on {self.host}"

    @property
    def run(self) -> MeasuredRun:
        return parse_run(json.loads(self.source))

    @classmethod
    def current(cls) -> "MeasurementRun | None":
        return latest_run(cls)


def latest_run(MeasurementRun) -> "MeasurementRun | None":
    """The latest full run (the latest quick one when there is none); the model is passed so that migrations can
    use it."""
    runs = MeasurementRun.objects.order_by("-started_at")
    return runs.filter(quick=False).first() or runs.first()
