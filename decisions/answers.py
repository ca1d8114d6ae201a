"""A set of answers, its canonical query string, and the bounds and checks of the parameters the configs read.

decisions.forms reads answers from a query string; the configs check the parameters again before writing them."""

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
