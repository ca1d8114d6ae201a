"""The contract between the code and the admin-edited criteria: every server, question and option the code reads.

The code reads these slugs from here only (tests/code/test_contract.py checks decisions/ for slug literals), and
decisions.protection refuses to rename or delete the rows they name; import_criteria refuses a file without them and
decisions.checks reports any missing from the database. Every other row is the admins' own: the code ignores what it
does not know. The bottom layer: it imports nothing from decisions.
"""

from collections.abc import Iterable
from dataclasses import dataclass

SERVER = "server"
QUESTION = "question"
OPTION = "option"


@dataclass(frozen=True)
class Entry:
    kind: str  # SERVER, QUESTION or OPTION
    slug: str
    reads: str  # which part of Serverwise reads the row, and for what
    question: str = ""  # an option's question

    def __str__(self) -> str:
        return f"{self.kind} {self.question}={self.slug}" if self.kind == OPTION else f"{self.kind} {self.slug}"


_entries: list[Entry] = []


def server(slug: str, reads: str) -> str:
    _entries.append(Entry(SERVER, slug, reads))
    return slug


def question(slug: str, reads: str) -> str:
    _entries.append(Entry(QUESTION, slug, reads))
    return slug


def option(question_slug: str, slug: str, reads: str) -> str:
    _entries.append(Entry(OPTION, slug, reads, question_slug))
    return slug


# ---------------------------------------------------------------- servers: each one's plan is code of its own

GUNICORN = server(
    "gunicorn",
    "the server's plan (pre-fork workers, sync/gthread/asgi/Uvicorn worker classes, gunicorn.conf.py, its pip"
    " package and start command) and the start-command validator",
)
UVICORN = server(
    "uvicorn",
    "the server's plan (its command line, one unsupervised worker) and the app model, which rules it out for"
    " WSGI-only apps and for HTTP/2 with TLS in the app server",
)
HYPERCORN = server(
    "hypercorn",
    "the server's plan (hypercorn.toml, HTTP/3 over QUIC, the trio or asyncio worker) and the app model, which"
    " rules it out for WebSockets on WSGI, Django over HTTP/3 and held requests on WSGI",
)
GRANIAN = server(
    "granian",
    "the server's plan (its command line, blocking threads for WSGI, workers-lifetime recycling) and the app model,"
    " which rules it out for WebSockets on WSGI",
)
UWSGI = server(
    "uwsgi",
    "the server's plan (pre-fork workers, uwsgi.ini, a compiled pip package) and the app model, which rules it out"
    " for ASGI-only apps",
)

# ---------------------------------------------------------------- questions and the options the code reads

FRAMEWORK = question(
    "framework",
    "the app model: the framework decides the interfaces, the import path, the extensions and the memory per worker",
)
DJANGO = option(
    FRAMEWORK,
    "django",
    "the app model: WSGI and ASGI at mysite.wsgi/asgi:application, Channels for WebSockets, ASGI for async views;"
    " the plan's Gunicorn asgi worker and memory; nginx's static folder",
)
FLASK = option(
    FRAMEWORK, "flask", "the app model: WSGI at app:app, flask-sock for WebSockets, flask[async] for async views"
)
FASTAPI = option(FRAMEWORK, "fastapi", "the app model: ASGI at main:app on AnyIO (Trio allowed); its memory per worker")
STARLETTE = option(
    FRAMEWORK, "starlette", "the app model: ASGI at app:app on AnyIO (Trio allowed); its memory per worker"
)
OTHER_WSGI = option(FRAMEWORK, "other-wsgi", "the app model: a WSGI app at app:application")
OTHER_ASGI = option(FRAMEWORK, "other-asgi", "the app model: an ASGI app at app:app")

ASYNC = question("async", "the app model: async code needs an ASGI handler (Django) or Flask's async extra")
ASYNC_YES = option(ASYNC, "yes", "the app model: Django is served over ASGI, Flask gets flask[async]")
ASYNC_NO = option(ASYNC, "no", "decisions.setups: a team's setup that serves its app over WSGI answers it")

REALTIME = question("realtime", "the app model and the plan: WebSockets and held requests")
WEBSOCKETS = option(
    REALTIME,
    "websockets",
    "the app model adds Channels/flask-sock, and excludes servers without WebSockets; the plan turns off recycling",
)
LONG_POLLING = option(
    REALTIME,
    "long-polling",
    "the app model: held requests, which need threads on WSGI and rule out Hypercorn for WSGI apps; no recycling",
)

HTTP = question("http", "the plan and the app model: which HTTP version the server must speak itself")
HTTP1 = option(HTTP, "http1", "the plan: the HTTP version when the question is not answered")
HTTP2 = option(HTTP, "http2", "the plan: HTTP/2 in the app server when TLS ends there; the app model rules out Uvicorn")
HTTP3 = option(HTTP, "http3", "the plan: Hypercorn serves QUIC; the app model rules out Hypercorn for Django")

ASYNCLIB = question("asynclib", "the app model: which event loop the app's async code runs on")
ASYNCIO = option(ASYNCLIB, "asyncio", "decisions.setups: a setup whose event loop is asyncio (or uvloop) answers it")
TRIO = option(
    ASYNCLIB, "trio", "the app model: Trio cannot run asyncio-only frameworks' async code; Hypercorn's trio worker"
)

CURRENT = question("current", "decisions.setups: a team's setup answers what runs today with the server it starts")
CURRENT_GUNICORN = option(CURRENT, GUNICORN, "decisions.setups: a setup that starts Gunicorn")
CURRENT_UWSGI = option(CURRENT, UWSGI, "decisions.setups: a setup that starts uWSGI")
CURRENT_UVICORN = option(CURRENT, UVICORN, "decisions.setups: a setup that starts Uvicorn")
CURRENT_HYPERCORN = option(CURRENT, HYPERCORN, "decisions.setups: a setup that starts Hypercorn")
CURRENT_GRANIAN = option(CURRENT, GRANIAN, "decisions.setups: a setup that starts Granian")

WORKLOAD = question("workload", "the app model and the plan: requests that wait hold threads")
HIGH_CONCURRENCY = option(
    WORKLOAD,
    "high-concurrency",
    "the plan: threads for waiting requests on WSGI; the app model rules out Hypercorn for WSGI apps; the measured"
    " figures: the held-requests workload",
)
REQUEST_RESPONSE = option(
    WORKLOAD, "request-response", "the measured figures: the I/O-bound view, a request that waits about 10 ms"
)
MINIMAL_LOGIC = option(WORKLOAD, "minimal-logic", "the measured figures: the minimal response (hello world)")

TLS = question("tls", "the plan: where TLS ends decides HTTP/2, the certificates and whether nginx is in front")
TLS_IN_APP = option(TLS, "app", "the plan: the app server ends TLS and may speak HTTP/2; no nginx in front")
TLS_AT_PROXY = option(TLS, "proxy", "the config templates' tls_at_proxy: nginx ends TLS")

DEPLOY = question("deploy", "the plan and the config templates: which files the bundle holds and where it binds")
SYSTEMD = option(DEPLOY, "systemd", "the plan: the deploy target when the question is not answered")
SUPERVISOR = option(DEPLOY, "supervisor", "decisions.setups: a supervisor program's command answers it")
DOCKER = option(DEPLOY, "docker", "the plan: a container binds 0.0.0.0 and trusts forwarded headers from anywhere")
KUBERNETES = option(
    DEPLOY, "kubernetes", "the plan: a container binds 0.0.0.0 and trusts forwarded headers from anywhere"
)

ENTRIES: tuple[Entry, ...] = tuple(_entries)
SERVERS: tuple[str, ...] = tuple(entry.slug for entry in ENTRIES if entry.kind == SERVER)

_SERVER_READS = {entry.slug: entry.reads for entry in ENTRIES if entry.kind == SERVER}
_QUESTION_READS = {entry.slug: entry.reads for entry in ENTRIES if entry.kind == QUESTION}
_OPTION_READS = {(entry.question, entry.slug): entry.reads for entry in ENTRIES if entry.kind == OPTION}


def reader_of_server(slug: str) -> str:
    """What reads the server with this slug; "" when the code does not know it."""
    return _SERVER_READS.get(slug, "")


def reader_of_question(slug: str) -> str:
    return _QUESTION_READS.get(slug, "")


def reader_of_option(question_slug: str, slug: str) -> str:
    return _OPTION_READS.get((question_slug, slug), "")


def options_of(question_slug: str) -> tuple[Entry, ...]:
    return tuple(entry for entry in ENTRIES if entry.kind == OPTION and entry.question == question_slug)


def missing(
    server_slugs: Iterable[str], question_slugs: Iterable[str], option_pairs: Iterable[tuple[str, str]]
) -> tuple[Entry, ...]:
    """The contracted entries absent from these servers, questions and (question, option) pairs."""
    present = {
        SERVER: {("", slug) for slug in server_slugs},
        QUESTION: {("", slug) for slug in question_slugs},
        OPTION: set(option_pairs),
    }
    return tuple(entry for entry in ENTRIES if (entry.question, entry.slug) not in present[entry.kind])


def describe(entries: Iterable[Entry]) -> str:
    """One line per entry: what it is and what reads it."""
    return "\n".join(f"{entry}: {entry.reads}" for entry in entries)
