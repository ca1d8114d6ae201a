"""What reading a team's setup gives: answers with where each was read, the tuning settings in canonical form, and
everything else that was seen and not carried. Frozen data, no behaviour beyond describing itself."""

from dataclasses import dataclass, field

# The canonical tuning settings: one key per idea, whichever server the setup ran. A server-specific option maps
# onto one of these or is listed as not carried. Values are ints unless said otherwise.
SETTING_KEYS: dict[str, str] = {
    "timeout": "Seconds a request may run before the server kills its worker: uWSGI `harakiri`, Gunicorn `timeout`,"
    " Daphne `--http-timeout`.",
    "graceful_timeout": "Seconds a stopping worker gets to finish its requests: Gunicorn and Hypercorn"
    " `graceful_timeout`, Uvicorn `--timeout-graceful-shutdown`, Granian `--workers-kill-timeout`, uWSGI"
    " `worker-reload-mercy`.",
    "keepalive": "Seconds an idle keep-alive connection is held open: Gunicorn `keepalive`, Uvicorn"
    " `--timeout-keep-alive`, Hypercorn `keep_alive_timeout`.",
    "max_requests": "Requests a worker serves before it is replaced: Gunicorn and Hypercorn `max_requests`, uWSGI"
    " `max-requests`, Uvicorn `--limit-max-requests`.",
    "max_requests_jitter": "The random spread added to max_requests so workers are not all replaced at once: Gunicorn"
    " and Hypercorn `max_requests_jitter`, uWSGI `max-requests-delta`.",
    "backlog": "Connections the listening socket queues before refusing: Gunicorn, Uvicorn, Hypercorn and Granian"
    " `backlog`, uWSGI `listen`.",
    "limit_request_line": "Bytes allowed in the request line: Gunicorn `limit_request_line`.",
    "limit_request_fields": "Header fields allowed in a request: Gunicorn `limit_request_fields`.",
    "limit_request_field_size": "Bytes allowed in a request header: Gunicorn `limit_request_field_size`; uWSGI"
    " `buffer-size`, which bounds all of a request's headers together, so the value is at least as large as any one"
    " header allowed.",
    "static": "A (URL prefix, directory) pair of static files the server answers itself: uWSGI `static-map`, Granian"
    " `--static-path-route` with `--static-path-mount`. The value is a pair of strings.",
    "env": "A (NAME, value) environment variable the server sets for the app: uWSGI `env`, Gunicorn `raw_env`"
    " (`-e`). The value is a pair of strings.",
    "workers": "Worker processes: Gunicorn, Uvicorn, Hypercorn and Granian `workers`, uWSGI `processes`.",
    "threads": "Threads per worker: Gunicorn and uWSGI `threads`, Granian `--blocking-threads`.",
}
PAIR_SETTINGS = ("static", "env")


@dataclass(frozen=True)
class Source:
    """Where something was read: the file's name, the line (1-based) and the text as written there."""

    file: str
    line: int
    text: str
    note: str = ""  # how a value was worked out from the text, when it was not simply there

    def __str__(self) -> str:
        how = f", {self.note}" if self.note else ""
        return f'from "{self.text}" ({self.file} line {self.line}{how})'


@dataclass(frozen=True)
class Setting:
    """A tuning setting read, in canonical form: key is one of SETTING_KEYS."""

    key: str
    value: int | float | tuple[str, str]
    source_name: str  # the option as the server names it, e.g. "harakiri"
    source: Source


@dataclass(frozen=True)
class Computed:
    """An option whose value is worked out when the server starts (code, an environment variable, a placeholder):
    listed with its expression, never evaluated."""

    name: str
    expression: str
    source: Source


@dataclass(frozen=True)
class NotCarried:
    """An option understood, with no equivalent carried into the new bundle, and why."""

    name: str
    value: str
    why: str
    source: Source


@dataclass(frozen=True)
class NotUnderstood:
    name: str
    source: Source
    why: str = ""


@dataclass(frozen=True)
class Problem:
    """A file, or a line of it, that could not be read."""

    file: str
    message: str
    line: int = 0  # 0: the whole file

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Reading:
    """All that was read from a set of files.

    answers: question slug -> option slug, and the questionnaire's detail fields (cores, port, host, app) -> their
    value as the query string takes it; only what could be inferred. sources: the same keys -> where each was read.
    """

    answers: dict[str, str] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    settings: tuple[Setting, ...] = ()
    computed: tuple[Computed, ...] = ()
    not_carried: tuple[NotCarried, ...] = ()
    not_understood: tuple[NotUnderstood, ...] = ()
    problems: tuple[Problem, ...] = ()
    server: str = ""  # the program that serves the app today, also when no answer names it (daphne)

    def explain(self, answer: str) -> str:
        """e.g. 'async: from "-k uvicorn.workers.UvicornWorker" (Procfile line 1)'."""
        return f"{answer}: {self.sources[answer]}"
