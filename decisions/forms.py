"""The questionnaire, read from a query string; the admin's forms: a question's scoring matrix, a config template's
editor and its preview's choices."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import transaction
from django.http import HttpRequest, QueryDict

from decisions import store
from decisions.answers import (
    CORES_RANGE,
    DEFAULT_CORES,
    DEFAULT_PORT,
    ENV,
    MAX_ENV,
    MAX_STATIC,
    MIGRATED_FROM,
    NUMBER_SETTINGS,
    PORT_RANGE,
    STATIC,
    Answers,
    Carried,
    env_pair,
    is_valid_app_path,
    is_valid_host,
    static_pair,
)
from decisions.configs.carry import MIGRATION_SOURCES
from decisions.configs.render import SAMPLE_ANSWERS, deploy_targets, sample_answers
from decisions.domain import Criteria, QuestionInfo, TemplateInfo
from decisions.models import MAX_POINTS, ConfigTemplate, Effect, Expectation, Option, Question, Server
from decisions.setups import (
    COMMAND,
    DOCKERFILE,
    GUNICORN_CONF,
    HYPERCORN_TOML,
    MAX_BYTES,
    MAX_FILES,
    PROCFILE,
    PYPROJECT,
    REQUIREMENTS,
    SUPERVISOR_CONF,
    SYSTEMD_UNIT,
    UWSGI_INI,
    Reading,
    read_setup,
)
from decisions.signals import one_version_bump
from decisions.uploads import HeldInMemory

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


@dataclass(frozen=True)
class FieldError:
    """What a 400 says about one bad field: the problem, and the values the field allows."""

    message: str
    allowed: tuple[str, ...]


PARAMETERS = ("cores", "port", "host", "app")  # the questionnaire's fields after the questions; links alone carry v
# The settings carried over from a team's current server (decisions.setups), after those: share links carry them, the
# questionnaire's page does not ask them.
CARRIED_PARAMETERS = (*NUMBER_SETTINGS, STATIC, ENV, MIGRATED_FROM)
STATIC_ALLOWED = (
    "URL-prefix=directory, e.g. /static/=staticfiles or /media=/var/www/media: the prefix a URL path other than /,"
    " the directory relative to the app's folder or absolute; letters, digits and . _ ~ - in each part",
)
ENV_ALLOWED = (
    "NAME=value, e.g. LANG=C.UTF-8: NAME a shell identifier other than PATH, the value at most 1000 characters of"
    " letters, digits, spaces and ! & ( ) * + , - . / : < = > ? @ [ ] ^ _ { } ~",
)
HOST_ALLOWED = ("an IP address, e.g. 0.0.0.0 or ::", "a hostname of letters, digits, hyphens and dots")
APP_ALLOWED = ("a Python import path module.sub:attribute, e.g. mysite.wsgi:application",)


class GivenValues:
    """A widget that reads every distinct non-empty value a query gives for its name, stripped: the field can then
    take the same answer given twice as one and refuse two different ones."""

    def value_from_datadict(self, data, files, name: str) -> list[str]:
        return list(dict.fromkeys(value.strip() for value in data.getlist(name) if value.strip()))


class RadioAnswer(GivenValues, forms.RadioSelect):
    pass


class NumberAnswer(GivenValues, forms.NumberInput):
    pass


class TextAnswer(GivenValues, forms.TextInput):
    pass


class SharedFields(dict):
    """A form class's fields, which its forms share instead of deep-copying them each (as Django does, so that a
    form may change its own): the questionnaire's forms never change theirs, and the copy would cost more than
    reading the query."""

    def __deepcopy__(self, memo):
        return self


class AnswerField(forms.Field):
    """One answer of the questionnaire, from a query string: never required, one value at most. `allowed` names
    what the field accepts, for the 400 responses."""

    def __init__(self, *, name: str, allowed: tuple[str, ...], **kwargs):
        super().__init__(required=False, **kwargs)
        self.name = name
        self.allowed = allowed

    def to_python(self, values: list[str]) -> str:
        if len(values) > 1:
            raise forms.ValidationError(f"Give one answer for {self.name}, not several ({', '.join(values)}).")
        return values[0] if values else ""


class QuestionField(AnswerField, forms.ChoiceField):
    """A question of the criteria, whose options are the choices."""

    widget = RadioAnswer

    def __init__(self, question: QuestionInfo):
        allowed = tuple(option.slug for option in question.options)
        super().__init__(
            name=question.slug,
            allowed=allowed,
            choices=[(option.slug, option.label) for option in question.options],
            label=question.text,
            help_text=question.help_text,
            error_messages={"invalid_choice": f"Choose one of: {', '.join(allowed)}."},
        )


class WholeNumberField(AnswerField, forms.IntegerField):
    """A whole number within bounds, in ASCII digits only (no sign, no exponent, no other script's digits); left
    out, the default."""

    widget = NumberAnswer

    def __init__(self, *, name: str, label: str, default: int, bounds: tuple[int, int]):
        low, high = bounds
        allowed = f"a whole number from {low} to {high}"
        self.digits = len(str(high))
        message = f"Give {allowed}."
        super().__init__(
            name=name,
            allowed=(allowed,),
            label=label,
            min_value=low,
            max_value=high,
            error_messages={"invalid": message, "min_value": message, "max_value": message},
        )
        self.default = default

    def widget_attrs(self, widget) -> dict:
        return super().widget_attrs(widget) | {"inputmode": "numeric"}

    def to_python(self, values: list[str]) -> int:
        raw = super().to_python(values)
        if not raw:
            return self.default
        if len(raw) > self.digits or not (raw.isascii() and raw.isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(raw)


class TextAnswerField(AnswerField):
    """Free text that a config file will hold, taken only when `accepts` says so."""

    widget = TextAnswer

    def __init__(self, *, name: str, label: str, allowed: tuple[str, ...], accepts: Callable[[str], bool]):
        super().__init__(name=name, allowed=allowed, label=label)
        self.accepts = accepts

    def widget_attrs(self, widget) -> dict:
        return super().widget_attrs(widget) | {"spellcheck": "false", "autocapitalize": "off"}

    def validate(self, value: str) -> None:
        if value and not self.accepts(value):
            raise forms.ValidationError(f"Give {' or '.join(self.allowed)}.", code="invalid")


class CarriedNumberField(WholeNumberField):
    """A carried whole-number setting: left out, None (the bundle's own value)."""

    def __init__(self, key: str):
        super().__init__(name=key, label=key.replace("_", " ").capitalize(), default=None, bounds=NUMBER_SETTINGS[key])


class PairsField(AnswerField):
    """A repeatable `left=right` parameter, each value read by `pair` (None: refused), at most `most` of them and
    each left side once; the pairs in the order given."""

    widget = TextAnswer

    def __init__(self, *, name: str, allowed: tuple[str, ...], pair: Callable, most: int, side: str):
        super().__init__(name=name, allowed=allowed)
        self.pair, self.most, self.side = pair, most, side

    def to_python(self, values: list[str]) -> tuple[tuple[str, str], ...]:
        if len(values) > self.most:
            raise forms.ValidationError(f"Give at most {self.most} values for {self.name}, not {len(values)}.")
        pairs = []
        for value in values:
            pair = self.pair(value)
            if pair is None:
                raise forms.ValidationError(f"{value!r} is not a value {self.name} takes: give {self.allowed[0]}.")
            if pair[0] in (given for given, _ in pairs):
                raise forms.ValidationError(f"Give each {self.side} of {self.name} once: {pair[0]} comes twice.")
            pairs.append(pair)
        return tuple(pairs)


class VersionField(forms.IntegerField):
    """The `v` of a pinned link: a stored criteria version number; left out, the current criteria."""

    def __init__(self):
        super().__init__(required=False, min_value=1)


class QuestionnaireForm(forms.Form):
    """The questionnaire, read from a query string: one field per question of `criteria`, then the parameters the
    configs read, then `v`. Unknown keys are ignored. questionnaire_form() builds one subclass per criteria."""

    criteria: Criteria  # whose questions the fields ask

    def __init__(self, data: QueryDict, *, current: Criteria):
        super().__init__(data)
        self.current = current

    def clean_v(self) -> tuple[Criteria, tuple[TemplateInfo, ...]] | None:
        """The pinned version's criteria and templates; None for the current criteria."""
        given = self.data.getlist("v")
        if len(given) > 1:
            raise forms.ValidationError(f"Give one v, not several ({', '.join(given)}).")
        number = self.cleaned_data["v"]
        if number is None or number == self.current.version:
            return None
        pinned = store.version(number) if number < self.current.version else None
        if pinned is None:
            raise forms.ValidationError(f"No criteria version {number} is stored.")
        return pinned

    def pinned(self) -> tuple[Criteria, tuple[TemplateInfo, ...]] | None:
        """The criteria and templates `v` pins: None for the current ones, or when `v` is bad."""
        return self.cleaned_data["v"] if "v" not in self.errors else None

    def answers(self) -> Answers:
        """What the query answers, once validated; a bad field counts as left out, so the page can show the rest
        again."""
        data = self.cleaned_data
        return Answers(
            choices={q.slug: data[q.slug] for q in self.criteria.questions if data.get(q.slug)},
            cores=data.get("cores", DEFAULT_CORES),
            port=data.get("port", DEFAULT_PORT),
            host=data.get("host", ""),
            app=data.get("app", ""),
            carried=Carried(
                numbers=tuple((key, data[key]) for key in NUMBER_SETTINGS if data.get(key) is not None),
                static=data.get(STATIC, ()),
                env=data.get(ENV, ()),
                migrated_from=data.get(MIGRATED_FROM, ""),
            ),
        )

    def field_errors(self) -> dict[str, FieldError]:
        """What a 400 says about each bad field, in the fields' order: its problem and the values it allows."""
        errors = {}
        for name, problems in self.errors.items():
            if name == "v":
                allowed = f"a criteria version number that /changes/ lists, up to {self.current.version}"
                errors[name] = FieldError(
                    f"{' '.join(problems)} Give {allowed}, or leave v out for the current criteria.", (allowed,)
                )
            else:
                errors[name] = FieldError(" ".join(problems), self.fields[name].allowed)
        return errors


def read_questionnaire(query: QueryDict, *, current: Criteria) -> QuestionnaireForm:
    """The questionnaire bound to a query. A link pinned (v) to an older version answers that version's questions,
    so that version's form reads the query again."""
    form = questionnaire_form(current)(query, current=current)
    pinned = form.pinned()
    if pinned is not None:
        form = questionnaire_form(pinned[0])(query, current=current)
    return form


_form_classes: dict[str, type[QuestionnaireForm]] = {}
FORM_CLASSES_KEPT = store.SNAPSHOTS_KEPT + 1  # the current criteria, and each pinned version the store keeps


def questionnaire_form(criteria: Criteria) -> type[QuestionnaireForm]:
    """The questionnaire's form class for these criteria, built once per criteria version: criteria.key names it,
    and an admin edit makes a new key, so a new class. Past FORM_CLASSES_KEPT classes, all are dropped."""
    form_class = _form_classes.get(criteria.key)
    if form_class is None:
        if len(_form_classes) >= FORM_CLASSES_KEPT:
            _form_classes.clear()
        fields = {question.slug: QuestionField(question) for question in criteria.questions} | {
            "cores": WholeNumberField(
                name="cores", label="CPU cores per instance", default=DEFAULT_CORES, bounds=CORES_RANGE
            ),
            "port": WholeNumberField(name="port", label="Port", default=DEFAULT_PORT, bounds=PORT_RANGE),
            "host": TextAnswerField(name="host", label="Bind address", allowed=HOST_ALLOWED, accepts=is_valid_host),
            "app": TextAnswerField(name="app", label="App import path", allowed=APP_ALLOWED, accepts=is_valid_app_path),
            **{key: CarriedNumberField(key) for key in NUMBER_SETTINGS},
            STATIC: PairsField(
                name=STATIC, allowed=STATIC_ALLOWED, pair=static_pair, most=MAX_STATIC, side="URL prefix"
            ),
            ENV: PairsField(name=ENV, allowed=ENV_ALLOWED, pair=env_pair, most=MAX_ENV, side="NAME"),
            MIGRATED_FROM: TextAnswerField(
                name=MIGRATED_FROM,
                label="Server migrated from",
                allowed=MIGRATION_SOURCES,
                accepts=MIGRATION_SOURCES.__contains__,
            ),
            "v": VersionField(),
        }
        form_class = type(f"QuestionnaireForm{criteria.version}", (QuestionnaireForm,), fields)
        form_class.criteria = criteria  # after type(): among the fields, a question slugged "criteria" would replace it
        form_class.base_fields = SharedFields(form_class.base_fields)
        _form_classes[criteria.key] = form_class
    return form_class


# Start from your current setup (issue 20): pasted text, uploads, or both, read by decisions.setups.
KINDS = (UWSGI_INI, GUNICORN_CONF, HYPERCORN_TOML, PROCFILE, DOCKERFILE, SYSTEMD_UNIT, SUPERVISOR_CONF, REQUIREMENTS)
KIND_CHOICES = (("", "Tell from the text"), *((kind, kind) for kind in (*KINDS, PYPROJECT, COMMAND)))
KINDS_READ = ", ".join((*KINDS, PYPROJECT)) + " or a command line"
TEXT_ALLOWED = (f"UTF-8 text of at most {MAX_BYTES} bytes: a {KINDS_READ}",)
FILE_ALLOWED = (f"at most {MAX_FILES} files of at most {MAX_BYTES} bytes each, UTF-8 or UTF-16 text: {KINDS_READ}",)


class UploadsInput(forms.FileInput):
    allow_multiple_selected = True


class UploadsField(forms.Field):
    """One or more uploaded files (decisions.uploads keeps them in memory), at most MAX_FILES of at most MAX_BYTES
    each; their (name, bytes)."""

    widget = UploadsInput

    def __init__(self):
        super().__init__(required=False)

    def to_python(self, uploads: list) -> list[tuple[str, bytes]]:
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(f"Give at most {MAX_FILES} files at once, not {len(uploads)}.")
        too_large = [f"{upload.name} is {upload.size} bytes" for upload in uploads if upload.size > MAX_BYTES]
        if too_large:
            raise forms.ValidationError(f"{'; '.join(too_large)}: at most {MAX_BYTES} bytes a file.")
        return [(upload.name, upload.read()) for upload in uploads]


class ImportForm(forms.Form):
    """A team's setup to start from: pasted text (its kind told, or read from the text), files, or both. Valid once
    something in them answers a question or carries a setting; `reading` is then what was read."""

    text = forms.CharField(required=False, strip=False, label="Paste a file or a command line")
    kind = forms.ChoiceField(required=False, choices=KIND_CHOICES, label="What is it?")
    file = UploadsField()
    reading: Reading

    def __init__(self, *args, refused: tuple[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = refused  # (field, message): the body could not be read

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].replace("\r\n", "\n")
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > MAX_BYTES:
            raise forms.ValidationError(f"The text is {size} bytes: paste at most {MAX_BYTES}.")
        return text

    def clean(self):
        cleaned = super().clean()
        if self.refused:
            raise forms.ValidationError(dict([self.refused]))
        if self.errors:
            return cleaned
        pasted = [(cleaned["kind"] or None, cleaned["text"])] if cleaned["text"].strip() else []
        if not pasted and not cleaned["file"]:
            raise forms.ValidationError({"text": "Paste a file's text or a command line, or choose files to upload."})
        self.reading = read_setup([*pasted, *cleaned["file"]])
        if not self.reading.answers and not self.reading.settings:
            found = "; ".join(str(problem) for problem in self.reading.problems) or (
                "nothing in it says how the app is served, what it is built with or how the server is tuned"
            )
            raise forms.ValidationError({"file" if cleaned["file"] else "text": f"Nothing could be read: {found}."})
        return cleaned

    def field_errors(self) -> dict[str, FieldError]:
        allowed = {"text": TEXT_ALLOWED, "file": FILE_ALLOWED, "kind": tuple(kind for kind, _ in KIND_CHOICES[1:])}
        return {name: FieldError(" ".join(problems), allowed[name]) for name, problems in self.errors.items()}


def read_import(request: HttpRequest) -> ImportForm:
    """The import form bound to a POST, its uploads held in memory (decisions.uploads). A body Django refuses to
    read (too many files or fields, too much text) is the form's error, not a 400 page of Django's own."""
    request.upload_handlers = [HeldInMemory(request)]
    try:
        return ImportForm(request.POST, request.FILES)
    except TooManyFilesSent:
        refused = (
            "file",
            f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files were sent: give at most {MAX_FILES}.",
        )
    except TooManyFieldsSent:
        refused = (
            "text",
            f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields were sent: give text, kind and file.",
        )
    except RequestDataTooBig:
        refused = ("text", f"The text is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes: paste at most {MAX_BYTES}.")
    return ImportForm({}, refused=refused)
