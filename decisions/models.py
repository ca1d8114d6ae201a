"""The stored criteria: servers, questions, options and each option's effect on each server."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F
from django.utils import timezone

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
    def bump(cls) -> None:
        updated = cls.objects.filter(pk=1).update(number=F("number") + 1, changed_at=timezone.now())
        if not updated:
            cls.objects.create(pk=1, number=1)


class Server(models.Model):
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

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    slug = models.SlugField(unique=True, max_length=30, validators=[slug_validator])
    text = models.CharField(max_length=200)
    help_text = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.text


class Option(models.Model):
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


class Effect(models.Model):
    """What choosing an option does to one server: points, or a hard exclusion, always with a reason."""

    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="effects")
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="effects")
    points = models.SmallIntegerField(
        default=0, validators=[MinValueValidator(-MAX_POINTS), MaxValueValidator(MAX_POINTS)]
    )
    excluded = models.BooleanField(default=False, help_text="Rules the server out whatever its score.")
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
