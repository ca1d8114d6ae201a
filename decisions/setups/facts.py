"""What the readers of each kind of file hand on: options as the server names them, the servers started,
dependencies, deploy targets, and what was seen and not read. decisions.setups.infer turns them into a Reading."""

from dataclasses import dataclass, field

from decisions.setups.result import Computed, NotCarried, NotUnderstood, Problem, Source

# A value is worked out at start-up, not written, when it holds one of these.
RUNTIME_MARKERS = ("$", "`", "%(", "%k", "%d", "%n", "%c", "@(")


def is_runtime_value(value: str) -> bool:
    return any(marker in value for marker in RUNTIME_MARKERS)


@dataclass(frozen=True)
class Found:
    """An option read: the server's own name for it and its literal value (str, int, float, bool, list, dict)."""

    server: str
    option: str
    value: object
    source: Source


@dataclass(frozen=True)
class Launch:
    """A command line, or a config file, that starts this server."""

    server: str
    source: Source
    command: bool = False  # a command line, rather than a config file of the server's own
    reads_config: bool = False  # the command names a config file of the server's own


@dataclass(frozen=True)
class Dependency:
    name: str  # normalised (PEP 503)
    source: Source


@dataclass
class Facts:
    """Everything read from one file; the readers append to it."""

    found: list[Found] = field(default_factory=list)
    launches: list[Launch] = field(default_factory=list)
    dependencies: list[Dependency] = field(default_factory=list)
    deploys: list[tuple[str, Source]] = field(default_factory=list)  # (deploy option slug, where)
    framework_hints: list[tuple[str, Source]] = field(default_factory=list)  # (framework option slug, where)
    computed: list[Computed] = field(default_factory=list)
    not_carried: list[NotCarried] = field(default_factory=list)
    not_understood: list[NotUnderstood] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
