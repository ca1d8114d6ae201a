"""Parse and validate a query string into Answers, or into field errors naming the allowed values."""

import functools
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from decisions.domain import Criteria, QuestionInfo
from decisions.scoring import Change

DEFAULT_CORES = 2
DEFAULT_PORT = 8000
CORES_RANGE = (1, 256)
PORT_RANGE = (1, 65535)
PARAMETERS = ("cores", "port", "host", "app")
HOSTNAME_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
DOTTED_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
APP_PATH = re.compile(rf"^{DOTTED_NAME}:{DOTTED_NAME}$")
APP_MAX_LENGTH = 200


@dataclass(frozen=True)
class Answers:
    choices: dict[str, str] = field(default_factory=dict)  # question slug -> option slug, answered ones only
    cores: int = DEFAULT_CORES
    port: int = DEFAULT_PORT
    host: str = ""  # empty: chosen by the server's plan (loopback behind nginx on a VM, else every address)
    app: str = ""  # empty: the framework's conventional import path (decisions.appmodel)

    def get(self, question: str) -> str | None:
        return self.choices.get(question)

    def changed(self, change: Change) -> "Answers":
        """These answers with one question answered otherwise, or left unanswered; the parameters kept."""
        return replace(self, choices=change.applied_to(self.choices))

    def query_string(self, questions: Sequence[QuestionInfo]) -> str:
        """The canonical query: questions in their order, then parameters that differ from the default."""
        pairs = [(q.slug, self.choices[q.slug]) for q in questions if q.slug in self.choices]
        if self.cores != DEFAULT_CORES:
            pairs.append(("cores", str(self.cores)))
        if self.port != DEFAULT_PORT:
            pairs.append(("port", str(self.port)))
        if self.host:
            pairs.append(("host", self.host))
        if self.app:
            pairs.append(("app", self.app))
        return "&".join(_query_pair(name, value) for name, value in pairs)

    def pinned_query(self, criteria: Criteria) -> str:
        """The canonical query and the criteria version it is ranked with: what every share link carries."""
        return "&".join(part for part in (self.query_string(criteria.questions), f"v={criteria.version}") if part)


@functools.lru_cache(maxsize=1024)  # mostly question and option slugs: every result page builds a dozen links
def _query_pair(name: str, value: str) -> str:
    return urlencode([(name, value)])


@dataclass(frozen=True)
class FieldError:
    message: str
    allowed: tuple[str, ...]


CORES_ALLOWED = (f"a whole number from {CORES_RANGE[0]} to {CORES_RANGE[1]}",)
PORT_ALLOWED = (f"a whole number from {PORT_RANGE[0]} to {PORT_RANGE[1]}",)
HOST_ALLOWED = ("an IP address, e.g. 0.0.0.0 or ::", "a hostname of letters, digits, hyphens and dots")
APP_ALLOWED = ("a Python import path module.sub:attribute, e.g. mysite.wsgi:application",)


class InvalidAnswers(Exception):
    def __init__(self, errors: dict[str, FieldError], answers: Answers):
        super().__init__(errors)
        self.errors = errors
        self.answers = answers  # what could be read, so the form can show it again


def parse(query: Mapping[str, Sequence[str]], questions: Sequence[QuestionInfo]) -> Answers:
    """Reads answers from a query (as a dict of value lists); unknown keys are ignored.

    Raises InvalidAnswers naming each bad field and what it allows.
    """
    errors: dict[str, FieldError] = {}
    choices: dict[str, str] = {}
    for question in questions:
        allowed = tuple(option.slug for option in question.options)
        values = _values(query, question.slug)
        if len(values) > 1:
            errors[question.slug] = _several(question.slug, values, allowed)
        elif values and values[0] in allowed:
            choices[question.slug] = values[0]
        elif values:
            errors[question.slug] = FieldError(f"Choose one of: {', '.join(allowed)}.", allowed)

    cores = _integer(query, "cores", DEFAULT_CORES, CORES_RANGE, CORES_ALLOWED, errors)
    port = _integer(query, "port", DEFAULT_PORT, PORT_RANGE, PORT_ALLOWED, errors)
    host = _text(query, "host", is_valid_host, HOST_ALLOWED, errors)
    app = _text(query, "app", is_valid_app_path, APP_ALLOWED, errors)
    answers = Answers(choices=choices, cores=cores, port=port, host=host, app=app)
    if errors:
        raise InvalidAnswers(errors, answers)
    return answers


def is_valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    if len(host) > 253 or re.fullmatch(r"[0-9.]+", host):
        return False
    return all(HOSTNAME_LABEL.match(label) for label in host.removesuffix(".").split("."))


def is_valid_app_path(app: str) -> bool:
    return len(app) <= APP_MAX_LENGTH and APP_PATH.match(app) is not None


def _values(query: Mapping[str, Sequence[str]], name: str) -> list[str]:
    """The distinct non-empty values given for a name, in order."""
    return list(dict.fromkeys(value.strip() for value in query.get(name, []) if value.strip()))


def _text(query, name: str, is_valid, allowed: tuple[str, ...], errors: dict[str, FieldError]) -> str:
    values = _values(query, name)
    if len(values) > 1:
        errors[name] = _several(name, values, allowed)
    elif values and is_valid(values[0]):
        return values[0]
    elif values:
        errors[name] = FieldError(f"Give {' or '.join(allowed)}.", allowed)
    return ""


def _several(name: str, values: list[str], allowed: tuple[str, ...]) -> FieldError:
    return FieldError(f"Give one answer for {name}, not several ({', '.join(values)}).", allowed)


def _integer(query, name: str, default: int, bounds: tuple[int, int], allowed, errors) -> int:
    low, high = bounds

    def in_range(raw: str) -> bool:
        return len(raw) <= 6 and raw.isascii() and raw.isdigit() and low <= int(raw) <= high

    raw = _text(query, name, in_range, allowed, errors)
    return int(raw) if raw else default
