"""A set of answers, its canonical query string, and the bounds and checks of the parameters the configs read.

decisions.forms reads answers from a query string; the configs check the parameters again before writing them.
The settings carried over from a team's current server (`Carried`) are parameters too: their names are the
canonical keys of decisions.setups (SETTING_KEYS), which tests/importing checks."""

import functools
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from decisions.domain import Criteria, QuestionInfo
from decisions.scoring import Change

DEFAULT_CORES = 2
DEFAULT_PORT = 8000
CORES_RANGE = (1, 256)
PORT_RANGE = (1, 65535)
HOSTNAME_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
DOTTED_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
APP_PATH = re.compile(rf"^{DOTTED_NAME}:{DOTTED_NAME}$")
APP_MAX_LENGTH = 200

# The whole-number settings a share link carries, by canonical key, with the bounds it takes: each server's own
# limits where one has them (Gunicorn's request line at most 8190 bytes and 32768 header fields; uWSGI's
# buffer-size, which the header size becomes, is 16 bits), elsewhere what a sane config holds.
NUMBER_SETTINGS: dict[str, tuple[int, int]] = {
    "timeout": (1, 3600),
    "graceful_timeout": (1, 3600),
    "keepalive": (1, 3600),
    "max_requests": (1, 1_000_000),
    "max_requests_jitter": (1, 1_000_000),
    "backlog": (1, 65535),
    "limit_request_line": (1, 8190),
    "limit_request_fields": (1, 32768),
    "limit_request_field_size": (1, 65535),
}
STATIC, ENV = "static", "env"  # repeatable: URL-prefix=directory, NAME=value
MIGRATED_FROM = "from"  # the server the settings were read from
MAX_STATIC = 8
MAX_ENV = 32
PATH_SEGMENT = r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*"  # no segment that is only dots: nothing climbs out of a folder
URL_PREFIX = re.compile(rf"^(/{PATH_SEGMENT})+/?$")
DIRECTORY = re.compile(rf"^/?{PATH_SEGMENT}(/{PATH_SEGMENT})*/?$")
PATH_MAX_LENGTH = 200
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
# What an environment value may hold so that it stays one value in each file it lands in, written in double quotes:
# a Dockerfile ENV, a systemd Environment=, a supervisor environment= and a Kubernetes env value. Left out: quotes and
# backslashes (every quoting), $ and ` (expansion in Docker and shells), % (systemd specifiers, supervisor's
# interpolation), ; and # (supervisor's inline comments), | (the README's table) and every control character.
ENV_VALUE = re.compile(r"^[A-Za-z0-9 !&()*+,\-./:<=>?@\[\]^_{}~]{0,1000}$")
RESERVED_ENV_NAMES = frozenset({"PATH"})  # the systemd unit and the supervisor program set it to the virtualenv


@dataclass(frozen=True)
class Carried:
    """Settings carried over from the server a team runs today, validated: whole numbers by canonical key (in
    NUMBER_SETTINGS order), static files as (URL prefix ending in /, directory without a trailing /), environment
    variables as (NAME, value), and the server they were read from ("" when not said)."""

    numbers: tuple[tuple[str, int], ...] = ()
    static: tuple[tuple[str, str], ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    migrated_from: str = ""

    def number(self, key: str) -> int | None:
        return dict(self.numbers).get(key)

    def __bool__(self) -> bool:
        return bool(self.numbers or self.static or self.env or self.migrated_from)

    def query_pairs(self) -> list[tuple[str, str]]:
        return [
            *((key, str(value)) for key, value in self.numbers),
            *((STATIC, f"{prefix}={directory}") for prefix, directory in self.static),
            *((ENV, f"{name}={value}") for name, value in self.env),
            *([(MIGRATED_FROM, self.migrated_from)] if self.migrated_from else []),
        ]


@dataclass(frozen=True)
class Answers:
    choices: dict[str, str] = field(default_factory=dict)  # question slug -> option slug, answered ones only
    cores: int = DEFAULT_CORES
    port: int = DEFAULT_PORT
    host: str = ""  # empty: chosen by the server's plan (loopback behind nginx on a VM, else every address)
    app: str = ""  # empty: the framework's conventional import path (decisions.appmodel)
    carried: Carried = Carried()

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
        pairs += self.carried.query_pairs()
        return "&".join(_query_pair(name, value) for name, value in pairs)

    def pinned_query(self, criteria: Criteria) -> str:
        """The canonical query and the criteria version it is ranked with: what every share link carries."""
        return "&".join(part for part in (self.query_string(criteria.questions), f"v={criteria.version}") if part)


@functools.lru_cache(maxsize=1024)  # mostly question and option slugs: every result page builds a dozen links
def _query_pair(name: str, value: str) -> str:
    return urlencode([(name, value)])


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


def static_pair(value: str) -> tuple[str, str] | None:
    """`URL-prefix=directory` as (prefix ending in /, directory without a trailing /), or None when either is not a
    plain path: the prefix a URL path other than / itself, the directory relative or absolute."""
    prefix, equals, directory = value.partition("=")
    if not equals or len(value) > 2 * PATH_MAX_LENGTH or not URL_PREFIX.match(prefix) or not DIRECTORY.match(directory):
        return None
    return prefix.rstrip("/") + "/", directory.rstrip("/")


def env_pair(value: str) -> tuple[str, str] | None:
    """`NAME=value` as (NAME, value), or None when the name is not a shell identifier (or one the bundle sets) or
    the value could break out of a file it is written into."""
    name, equals, text = value.partition("=")
    if not equals or not ENV_NAME.match(name) or name in RESERVED_ENV_NAMES or not ENV_VALUE.match(text):
        return None
    return name, text
