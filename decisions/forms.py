"""The admin's forms: a question's scoring matrix, a config template's editor and its preview's choices."""

from dataclasses import dataclass

from django import forms
from django.db import transaction

from decisions import store
from decisions.answers import Answers, FieldError
from decisions.configs.render import SAMPLE_ANSWERS, deploy_targets, sample_answers
from decisions.domain import Criteria, TemplateInfo
from decisions.models import MAX_POINTS, ConfigTemplate, Effect, Expectation, Option, Question, Server
from decisions.signals import one_version_bump

ADDED, CHANGED, REMOVED = "added", "changed", "removed"


@dataclass(frozen=True)
class EffectChange:
    """One cell of the matrix that a save changed: what the question's history and the effect's own say."""

    effect: Effect
    action: str  # ADDED, CHANGED or REMOVED
    summary: str
    message: str


class ReasonField(forms.CharField):
    """A textarea's text, whose line breaks a browser sends as CRLF and its maxlength counts once: counted once."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class ScoringMatrixForm(forms.Form):
    """One row per option, one column per server; each cell is points or an exclusion, with its reason."""

    def __init__(self, *args, question: Question, servers: list[Server], **kwargs):
        super().__init__(*args, **kwargs)
        self.options = list(question.options.order_by("position", "slug"))
        self.servers = servers
        self.effects = {
            (effect.option_id, effect.server_id): effect for effect in Effect.objects.filter(option__question=question)
        }
        for option in self.options:
            for server in servers:
                effect = self.effects.get((option.pk, server.pk))
                key = self._key(option, server)
                self.fields[f"points-{key}"] = forms.IntegerField(
                    min_value=-MAX_POINTS,
                    max_value=MAX_POINTS,
                    initial=effect.points if effect else 0,
                    label=f"{server.name} points for {option.label}",
                    widget=forms.NumberInput(attrs={"class": "points-input"}),
                )
                self.fields[f"excluded-{key}"] = forms.BooleanField(
                    required=False,
                    initial=effect.excluded if effect else False,
                    label=f"{option.label} rules out {server.name}",
                )
                self.fields[f"experimental-{key}"] = forms.BooleanField(
                    required=False,
                    initial=effect.experimental if effect else False,
                    label=f"{server.name} needs an experimental feature for {option.label}",
                )
                self.fields[f"reason-{key}"] = ReasonField(
                    required=False,
                    max_length=300,
                    initial=effect.reason if effect else "",
                    label=f"Reason for {server.name} when {option.label}",
                    widget=forms.Textarea(attrs={"rows": 2, "class": "reason-input"}),
                )

    @staticmethod
    def _key(option: Option, server: Server) -> str:
        return f"{option.pk}-{server.pk}"

    def rows(self):
        for option in self.options:
            cells = []
            for server in self.servers:
                key = self._key(option, server)
                cells.append(
                    {
                        "server": server,
                        "points": self[f"points-{key}"],
                        "excluded": self[f"excluded-{key}"],
                        "experimental": self[f"experimental-{key}"],
                        "reason": self[f"reason-{key}"],
                    }
                )
            yield option, cells

    def clean(self):
        cleaned = super().clean()
        for option in self.options:
            for server in self.servers:
                key = self._key(option, server)
                if f"points-{key}" not in cleaned or f"reason-{key}" not in cleaned:
                    continue  # the field's own error is already shown
                effect = Effect(
                    option=option,
                    server=server,
                    points=cleaned[f"points-{key}"],
                    excluded=cleaned[f"excluded-{key}"],
                    experimental=cleaned[f"experimental-{key}"],
                    reason=cleaned[f"reason-{key}"].strip(),
                )
                try:
                    effect.clean()
                except forms.ValidationError as error:
                    for field, problems in error.message_dict.items():
                        self.add_error(f"{field}-{key}", problems)
        return cleaned

    @transaction.atomic
    @one_version_bump()
    def save(self) -> list[EffectChange]:
        """Writes the changed cells; returns what changed, for the admin's history."""
        changes = []
        for option in self.options:
            for server in self.servers:
                key = self._key(option, server)
                points = self.cleaned_data[f"points-{key}"]
                excluded = self.cleaned_data[f"excluded-{key}"]
                experimental = self.cleaned_data[f"experimental-{key}"]
                reason = self.cleaned_data[f"reason-{key}"].strip()
                effect = self.effects.get((option.pk, server.pk))
                empty = not points and not excluded and not experimental and not reason
                if effect is None and empty:
                    continue
                if effect is not None and empty:
                    # A queryset delete leaves the instance its pk, which the log entry names.
                    Effect.objects.filter(pk=effect.pk).delete()
                    changes.append(EffectChange(effect, REMOVED, f"{option.slug} × {server.slug}: removed", ""))
                    continue
                values = (points, excluded, experimental, reason)
                if (
                    effect is not None
                    and (effect.points, effect.excluded, effect.experimental, effect.reason) == values
                ):
                    continue
                action = ADDED if effect is None else CHANGED
                effect = effect or Effect(option=option, server=server)
                effect.points, effect.excluded, effect.experimental, effect.reason = values
                effect.save()
                summary = ("ruled out" if excluded else f"{points:+d}") + (", experimental" if experimental else "")
                changes.append(
                    EffectChange(
                        effect,
                        action,
                        f"{option.slug} × {server.slug}: {summary} ({reason})",
                        f"Scoring matrix: {summary}, reason “{reason}”",
                    )
                )
        return changes


class ExpectationForm(forms.ModelForm):
    """An expectation's server is one of the current servers, or none."""

    expected = forms.ChoiceField(required=False, label="Expected server")

    class Meta:
        model = Expectation
        fields = ("answers", "expected", "note", "source", "position")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        servers = [(server.slug, server.name) for server in store.current().servers]
        self.fields["expected"].choices = [("", "no server fits"), *servers]


class ConfigTemplateForm(forms.ModelForm):
    class Meta:
        model = ConfigTemplate
        fields = ("name", "filename", "servers", "deploys", "content_type", "position", "body")
        widgets = {
            "body": forms.Textarea(attrs={"class": "code", "rows": 32, "spellcheck": "false", "wrap": "off"}),
        }


class PreviewForm(forms.Form):
    """Which rendering of a template to preview: a server, a deploy target and a sample set of answers."""

    server = forms.ChoiceField()
    target = forms.ChoiceField(label="Deploy target")
    sample = forms.TypedChoiceField(label="Sample answers", coerce=int)

    def __init__(self, *args, template: ConfigTemplate, current: Criteria, **kwargs):
        super().__init__(*args, **kwargs)
        info = template.as_info()
        self.fields["server"].choices = [
            (s.slug, s.name) for s in current.servers if not info.servers or s.slug in info.servers
        ]
        self.fields["target"].choices = [
            (target, target) for target in deploy_targets(current) if not info.deploys or target in info.deploys
        ]
        self.fields["sample"].choices = [
            (index, ", ".join(f"{q}={o}" for q, o in sample.items()) or "no answers")
            for index, sample in enumerate(SAMPLE_ANSWERS)
        ]
        # An admin may delete the last server or deploy target a template is for: say so instead of a choice.
        if not self.fields["server"].choices:
            self.fields["server"].error_messages["required"] = (
                f"None of the servers this template is for ({', '.join(info.servers)}) is in the criteria any more."
            )
        if not self.fields["target"].choices:
            self.fields["target"].error_messages["required"] = (
                f"None of the deploy targets this template is for ({', '.join(info.deploys)}) is an answer any more."
            )

    def first_choices(self) -> dict:
        """The form's first server, deploy target and sample: what the preview shows before the admin picks."""
        return {name: next(iter(self.fields[name].choices), ("", ""))[0] for name in ("server", "target", "sample")}

    def answers(self) -> Answers:
        return sample_answers(self.cleaned_data["sample"], self.cleaned_data["target"])


class VersionForm(forms.Form):
    """The `v` of a pinned link: a stored criteria version number; left out, the current criteria."""

    v = forms.IntegerField(required=False, min_value=1)

    def __init__(self, data, *, current: Criteria):
        super().__init__(data)
        self.current = current

    @classmethod
    def read(
        cls, query, *, current: Criteria
    ) -> tuple[tuple[Criteria, tuple[TemplateInfo, ...]] | None, FieldError | None]:
        """The pinned version (None: the current criteria) and the error a bad `v` gets. A query without `v`, as
        the questionnaire sends, pins none: no form is built for it (that costs 20 us a request)."""
        if "v" not in query:
            return None, None
        form = cls(query, current=current)
        return (form.cleaned_data["v"], None) if form.is_valid() else (None, form.error())

    def error(self) -> FieldError:
        """What a 400 says about a bad `v`."""
        allowed = f"a criteria version number that /changes/ lists, up to {self.current.version}"
        problem = " ".join(self.errors["v"])
        return FieldError(f"{problem} Give {allowed}, or leave v out for the current criteria.", (allowed,))

    def clean_v(self) -> tuple[Criteria, tuple[TemplateInfo, ...]] | None:
        """The pinned version's criteria and templates; None for the current criteria."""
        if len(self.data.getlist("v")) > 1:
            raise forms.ValidationError(f"Give one v, not several ({', '.join(self.data.getlist('v'))}).")
        number = self.cleaned_data["v"]
        if number is None or number == self.current.version:
            return None
        pinned = store.version(number) if number < self.current.version else None
        if pinned is None:
            raise forms.ValidationError(f"No criteria version {number} is stored.")
        return pinned
