"""The settings carried over from a team's current server, translated into the recommended server's own options.

`carry(slug, carried, where)` says, for each setting the share link carries (decisions.answers.Carried), what it
becomes on server `slug` (the file and the option), or why it has no equivalent there; and the values the plan
writes. Pure, over frozen data. The option names and what they mean were read in each server's source, at the
releases plan.VERSIONS pins: docs/sources.md, "Settings carried over".
"""

from dataclasses import dataclass

from decisions.answers import ENV, STATIC, Carried
from decisions.appmodel import SERVER_NAMES
from decisions.configs.paths import VM_APP_DIR
from decisions.contract import DOCKER, GRANIAN, GUNICORN, HYPERCORN, KUBERNETES, UVICORN, UWSGI
from decisions.setups.servers import (
    DAPHNE,
    DAPHNE_OPTIONS,
    GRANIAN_OPTIONS,
    GUNICORN_OPTIONS,
    HYPERCORN_OPTIONS,
    UVICORN_OPTIONS,
    UWSGI_OPTIONS,
    Option,
)

# The servers a share link's `from` may name: the five, and Daphne, which the reader also reads.
MIGRATION_SOURCES = (GUNICORN, UWSGI, UVICORN, HYPERCORN, GRANIAN, DAPHNE)
SOURCE_NAMES = SERVER_NAMES | {DAPHNE: "Daphne"}
SOURCE_OPTIONS: dict[str, dict[str, Option]] = {
    GUNICORN: GUNICORN_OPTIONS,
    UWSGI: UWSGI_OPTIONS,
    UVICORN: UVICORN_OPTIONS,
    HYPERCORN: HYPERCORN_OPTIONS,
    GRANIAN: GRANIAN_OPTIONS,
    DAPHNE: DAPHNE_OPTIONS,
}
COMMAND_LINE_ONLY = (UVICORN, GRANIAN, DAPHNE)  # their options are flags: --name
# What each server does that the others have no equivalent for: named in the README of a migration away from it,
# with the reader's reason, because a share link carries settings, not the file they were read from.
WITHOUT_EQUIVALENT = {
    UWSGI: (
        "cheaper",
        "offload-threads",
        "reload-on-rss",
        "max-worker-lifetime",
        "post-buffering",
        "limit-post",
        "socket-timeout",
        "http-timeout",
    ),
    GUNICORN: ("preload_app", "worker_connections", "reuse_port"),
    UVICORN: ("limit-concurrency",),
    HYPERCORN: ("read_timeout", "keep_alive_max_requests"),
    GRANIAN: ("workers-lifetime", "workers-max-rss"),
    DAPHNE: (),
}
CONFIG_FILES = {GUNICORN: "gunicorn.conf.py", UWSGI: "uwsgi.ini", HYPERCORN: "hypercorn.toml"}
# The recommended server's option for each whole-number setting, by server; a missing key has no equivalent there.
OPTIONS = {
    GUNICORN: {
        "timeout": "timeout",
        "graceful_timeout": "graceful_timeout",
        "keepalive": "keepalive",
        "max_requests": "max_requests",
        "max_requests_jitter": "max_requests_jitter",
        "backlog": "backlog",
        "limit_request_line": "limit_request_line",
        "limit_request_fields": "limit_request_fields",
        "limit_request_field_size": "limit_request_field_size",
    },
    UWSGI: {
        "timeout": "harakiri",
        "graceful_timeout": "worker-reload-mercy",
        "max_requests": "max-requests",
        "max_requests_jitter": "max-requests-delta",
        "backlog": "listen",
        "limit_request_field_size": "buffer-size",
    },
    UVICORN: {
        "graceful_timeout": "--timeout-graceful-shutdown",
        "keepalive": "--timeout-keep-alive",
        "backlog": "--backlog",
    },
    HYPERCORN: {
        "graceful_timeout": "graceful_timeout",
        "keepalive": "keep_alive_timeout",
        "backlog": "backlog",
    },
    GRANIAN: {
        "graceful_timeout": "--workers-kill-timeout",
        "backlog": "--backlog",
    },
}
HEADER_LIMITS = ("limit_request_line", "limit_request_fields", "limit_request_field_size")
NO_REQUEST_TIMEOUT = "no limit on how long a request runs"
WHY_NOT = {
    UWSGI: {
        "keepalive": "uWSGI's http-socket closes each connection after its response; keep-alive needs http11-socket,"
        " whose idle wait is socket-timeout, shared by every read",
        "limit_request_line": "uWSGI bounds the request line and the headers together only (buffer-size)",
        "limit_request_fields": "uWSGI has no limit on the number of header fields",
    },
    UVICORN: {
        **dict.fromkeys(
            ("max_requests", "max_requests_jitter"),
            "the bundle does not recycle Uvicorn workers: its supervisor starts a new one only once the old one has"
            " died, so workers retiring together leave nothing answering (--limit-max-requests exists)",
        ),
        "timeout": f"Uvicorn has {NO_REQUEST_TIMEOUT}; --timeout-worker-healthcheck is how long its supervisor"
        " waits for a worker's health answer, not a request's limit",
        **{
            key: "uvicorn[standard] parses with httptools, which takes no size limits;"
            " --h11-max-incomplete-event-size applies to the h11 parser only"
            for key in HEADER_LIMITS
        },
    },
    HYPERCORN: {
        **dict.fromkeys(
            ("max_requests", "max_requests_jitter"),
            "the bundle does not recycle Hypercorn workers: a retiring Hypercorn 0.18 worker can stall every request"
            " for its whole graceful_timeout (max_requests exists)",
        ),
        "timeout": f"Hypercorn has {NO_REQUEST_TIMEOUT}; read_timeout bounds each wait for the client's bytes",
        **{
            key: "Hypercorn bounds the request line and all headers together (h11_max_incomplete_size, 16 KiB),"
            " not one line or field"
            for key in HEADER_LIMITS
        },
    },
    GRANIAN: {
        "timeout": f"Granian has {NO_REQUEST_TIMEOUT}; --http1-header-read-timeout bounds reading the headers only",
        "keepalive": "Granian's --http1-keep-alive turns keep-alive on or off, with no idle timeout",
        "max_requests": "Granian has no request-count recycling (the bundle recycles by --workers-lifetime)",
        "max_requests_jitter": "Granian has no request-count recycling (the bundle recycles by --workers-lifetime)",
        **{
            key: "Granian bounds a connection's whole buffer (--http1-buffer-size, at least 8192), not one line or"
            " field"
            for key in HEADER_LIMITS
        },
    },
}
GRANIAN_MIN_BACKLOG = 128  # granian/cli.py: --backlog is click.IntRange(128)
CONTAINER_DEPLOYS = (DOCKER, KUBERNETES)  # nginx, where the bundle has one, runs apart from the image's files


@dataclass(frozen=True)
class Where:
    """What the plan knows that decides where a setting can go."""

    deploy: str
    worker_class: str  # Gunicorn's or Hypercorn's, else ""
    recycles: bool  # the plan replaces workers after a number of requests
    recycling: str  # why it does not, for people
    holds_connections: bool  # WebSockets or held requests, which a request timeout would kill
    quic: bool
    behind_proxy: bool


@dataclass(frozen=True)
class CarriedRow:
    """One line of the README's migration table."""

    setting: str  # the canonical key and the value, e.g. "timeout = 30"
    was: str  # the option on the server migrated from, "" when not said
    became: str  # the file and option it became, "" when nothing has it
    note: str  # what it means there, or why it has no equivalent


@dataclass(frozen=True)
class CarriedValues:
    """The carried settings as the plan writes them (0 or (): not written), and the README's rows."""

    numbers: dict[str, int]  # canonical key -> the value written on this server
    static: tuple[tuple[str, str], ...]  # (URL prefix, absolute directory) nginx serves
    static_in_app: tuple[tuple[str, str], ...]  # (URL prefix, directory) the README says to serve from the app
    rows: tuple[CarriedRow, ...]  # the whole numbers and static files; each deploy file names its environment
    env_was: str  # the option that set environment variables on the server migrated from
    not_carried: tuple[tuple[str, str], ...]  # (option of the server migrated from, why no server has it)


def carry(slug: str, carried: Carried, where: Where) -> CarriedValues:
    numbers, rows = {}, []
    for key, value in carried.numbers:
        written, became, note = _number(slug, key, value, where)
        if written:
            numbers[key] = written
        rows.append(CarriedRow(f"{key} = {value}", _was(carried.migrated_from, key), became, note))
    nginx_serves = where.behind_proxy and where.deploy not in CONTAINER_DEPLOYS
    static = tuple((prefix, _on_the_vm(directory)) for prefix, directory in carried.static) if nginx_serves else ()
    for prefix, directory in carried.static:
        became, note = (
            (f"`nginx.conf`: `location {prefix}`", f"served by nginx from `{_on_the_vm(directory)}`")
            if nginx_serves
            else ("`README.md`: served by the app", "no nginx beside the files here: see Static files below")
        )
        rows.append(CarriedRow(f"static {prefix} = {directory}", _was(carried.migrated_from, STATIC), became, note))
    return CarriedValues(
        numbers=numbers,
        static=static,
        static_in_app=() if nginx_serves else carried.static,
        rows=tuple(rows),
        env_was=_was(carried.migrated_from, ENV),
        not_carried=_without_equivalent(carried.migrated_from, slug),
    )


def _number(slug: str, key: str, value: int, where: Where) -> tuple[int, str, str]:
    """(the value written, or 0; where it went; what it means there or why it went nowhere)."""
    option = OPTIONS[slug].get(key)
    if option is None:
        return 0, "", WHY_NOT[slug][key]
    if key in ("max_requests", "max_requests_jitter") and not where.recycles:
        return 0, "", where.recycling
    if key == "timeout" and slug == UWSGI and where.holds_connections:
        return 0, "", "harakiri would kill the requests you hold open on purpose"
    if key == "graceful_timeout" and where.quic:
        return 0, "", "kept short: serving QUIC, Hypercorn 0.18 waits the whole graceful_timeout at every stop"
    if key in HEADER_LIMITS and where.worker_class == "uvicorn_worker.UvicornWorker":
        return 0, "", "the Uvicorn worker parses requests with Uvicorn's parser, which Gunicorn's limits do not reach"
    written = max(value, GRANIAN_MIN_BACKLOG) if slug == GRANIAN and key == "backlog" else value
    return written, _became(slug, option, written), _meaning(slug, key, value, written, where)


def _meaning(slug: str, key: str, value: int, written: int, where: Where) -> str:
    if slug == GUNICORN and key == "timeout":
        if where.worker_class == "sync":
            return "a request running longer is killed with its worker"
        return (
            f"with the {where.worker_class} worker it bounds a stuck worker, not a request: the worker's main loop"
            " keeps reporting while requests run"
        )
    if slug == GUNICORN and key == "keepalive" and where.worker_class == "sync":
        return "the sync worker closes each connection after its response: it applies once nginx is the client"
    if slug == UWSGI and key == "timeout":
        return "a request running longer is killed with its worker"
    if slug == UWSGI and key == "max_requests_jitter":
        return "uWSGI adds worker number × this to max-requests, not a random amount"
    if slug == UWSGI and key == "backlog":
        return "uWSGI refuses to start when it is above the kernel's net.core.somaxconn"
    if slug == UWSGI and key == "limit_request_field_size":
        return "bounds the request line and all headers together, so at least this for any one header"
    if written != value:
        return f"raised to Granian's least backlog, {GRANIAN_MIN_BACKLOG}"
    return ""


def _became(slug: str, option: str, value: int) -> str:
    if slug in CONFIG_FILES:
        return f"`{CONFIG_FILES[slug]}`: `{option} = {value}`"
    return f"the start command: `{option} {value}`"


def _was(source: str, key: str) -> str:
    """The option that carries `key` on the server migrated from, as its users write it."""
    if not source:
        return ""
    option = next((name for name, option in SOURCE_OPTIONS[source].items() if option.setting == key), "")
    if not option:
        return ""
    return f"`--{option}`" if source in COMMAND_LINE_ONLY else f"`{option}`"


def _without_equivalent(source: str, slug: str) -> tuple[tuple[str, str], ...]:
    if not source or source == slug:
        return ()
    options = SOURCE_OPTIONS[source]
    return tuple((name, options[name].why) for name in WITHOUT_EQUIVALENT[source])


def _on_the_vm(directory: str) -> str:
    return directory if directory.startswith("/") else f"{VM_APP_DIR}/{directory}"


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, "")
