"""Starter configs: the config templates rendered for one server and the answers, as files.

No request, no settings, no ORM: `render_bundle(answers, server_slug, criteria, templates)` renders the
bundle of any server for the answers' deploy target; `bundle_for(...)` renders the recommended server's.
Templates come from `criteria.current_templates(criteria)` (the database) or `seed_templates()` (the files
the seed migration loads). To render another deploy target, pass answers with another `deploy` choice:
`dataclasses.replace(answers, choices=answers.choices | {"deploy": "docker"})`.

Templates render with an Engine of their own: autoescape off, no loaders, no tag libraries beyond the
built-ins, and a context of validated values only (VARIABLES). An unknown variable is an error, not an
empty string: the context raises on a name it lacks and `string_if_invalid` marks a missing attribute.
"""

import functools
import json
import math
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.template import Context, Engine, Template

from decisions.answers import Answers, is_valid_app_path, is_valid_host
from decisions.configs.paths import CERT_PATH, IMAGE_APP_DIR, KEY_PATH, VM_APP_DIR, VM_VENV
from decisions.criteria import Criteria, ServerInfo, TemplateInfo, template_from_fields
from decisions.scoring import Ranking, rank
from decisions.seeding import default_templates
from decisions.sizing import memory_estimate, needs_asgi, speaks_http2_itself, worker_plan

DEFAULT_DEPLOY = "systemd"
KUBERNETES_IMAGE = "app:latest"
PYTHON_IMAGE = "python:3.13-slim"
MAX_REQUESTS = 1000
MAX_REQUESTS_JITTER = 50
WORKERS_LIFETIME_SECONDS = 3600  # Granian's stand-in for max-requests; it accepts 60 s or more
TRUSTED_PROXIES = "127.0.0.1,::1"
# Kubernetes memory limit: measured PSS x workers, plus this much per worker for the app's own imports and
# data, plus the master process (measured 15-31 MiB), rounded up to a multiple of 64 MiB.
APP_MIB_PER_WORKER = 64
MASTER_MIB = 32
MEMORY_STEP_MIB = 64
# The releases server-facts.md checked; the Dockerfile and README pin them.
VERSIONS = {
    "gunicorn": "27.0.1",
    "uvicorn-worker": "0.4.0",
    "uwsgi": "2.0.31",
    "uvicorn": "0.54.0",
    "zttp": "0.0.35",
    "hypercorn": "0.18.0",
    "granian": "2.8.7",
}
SERVER_CONFIG_FILES = {"gunicorn": "gunicorn.conf.py", "uwsgi": "uwsgi.ini", "hypercorn": "hypercorn.toml"}

VARIABLES = {
    "server": "server slug: gunicorn, uwsgi, uvicorn, hypercorn or granian",
    "server_name": "the server's name, e.g. Gunicorn",
    "server_version": "the release the facts were checked against",
    "config_file": "the server's own config file name, or empty for Uvicorn and Granian",
    "deploy": "deploy target: systemd, supervisor, docker, kubernetes (systemd when unanswered)",
    "deploy_is_default": "true when the deploy question was not answered",
    "framework": "the framework answer, or empty",
    "app": "the app's import path, module:attribute",
    "host": "the bind address the user gave (validated hostname or IP)",
    "port": "the port",
    "bind": "host:port, with the host in brackets for IPv6",
    "upstream": "the address nginx proxies to, host:port",
    "cores": "CPU cores per instance",
    "workers": "worker processes",
    "threads": "threads per worker (1 unless threaded)",
    "worker_model": "sync, threaded or async",
    "workers_rule": "how the worker count was reached",
    "worker_class": "Gunicorn: sync, gthread, asgi or uvicorn_worker.UvicornWorker; Hypercorn: asyncio or trio",
    "interface": "wsgi or asgi",
    "websockets": "true when the app holds WebSockets",
    "long_polling": "true when the app holds long-polling requests",
    "http": "http1, http2 or http3 (http1 when unanswered)",
    "quic": "true when Hypercorn serves HTTP/3 (quic_bind)",
    "tls": "the TLS answer: proxy, app, or empty",
    "tls_in_app": "true when the app server itself terminates TLS (asked for, or needed by HTTP/3)",
    "tls_at_proxy": "true when nginx (or another proxy) terminates TLS",
    "cert_path": "TLS certificate path",
    "key_path": "TLS private key path",
    "max_requests": "requests before a worker is recycled (0 where the server has no such setting)",
    "max_requests_jitter": "random extra requests (uWSGI: max-requests-delta)",
    "workers_lifetime": "Granian: seconds before a worker is recycled",
    "trusted_proxies": "addresses allowed to set X-Forwarded-* headers, comma-separated",
    "start_command": "the shell command that starts the server from the app's folder",
    "start_argv_json": "the same command as a JSON list, for a Dockerfile CMD",
    "app_dir": "the app's folder on a VM: /srv/app",
    "venv": "the app's virtualenv on a VM: /srv/app/.venv",
    "image_app_dir": "the app's folder in the Docker image: /app",
    "image": "the Kubernetes image name: app:latest",
    "python_image": "the Docker base image",
    "pip_packages": "the server's pinned pip requirements, a list",
    "pip_install": "the same, quoted for a shell",
    "needs_compiler": "true when pip must compile the server (uWSGI)",
    "memory_estimate_mib": "measured PSS per worker x workers",
    "memory_limit_mib": "the Kubernetes memory request and limit",
    "memory_formula": "how memory_limit_mib was worked out, for people",
    "permalink": "the result page for these answers (may be empty)",
    "recommended": "true when this server is the recommended one",
    "reasons": "list of {text, points, question, option}: why the server scores what it does",
    "excluded_because": "list of {text, question, option}: why the answers rule this server out",
}


@dataclass(frozen=True)
class ConfigFile:
    filename: str
    content: str
    content_type: str


class ConfigError(Exception):
    """A template or a value that cannot become a config file; the message names which and why."""


class UnknownVariable(Exception):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class StrictDict(dict):
    """A mapping in the context whose missing keys are errors, even inside {% if %}."""

    def __missing__(self, key):
        raise UnknownVariable(key)


class StrictContext(Context):
    def __getitem__(self, key):
        for layer in reversed(self.dicts):
            if key in layer:
                return layer[key]
        raise UnknownVariable(key)


UNKNOWN_MARK = "\x1f"
TAG_LINE_MARK = "\x1e"
ENGINE = Engine(
    debug=True,  # errors then carry the template line
    loaders=[],
    libraries={},
    autoescape=False,
    string_if_invalid=f"{UNKNOWN_MARK}%s{UNKNOWN_MARK}",
)
UNKNOWN_IN_OUTPUT = re.compile(f"{UNKNOWN_MARK}(.*?){UNKNOWN_MARK}")
TAG = r"(?:\{%.*?%\}|\{#.*?#\})"
TAG_ONLY_LINE = re.compile(rf"^[ \t]*({TAG}(?:[ \t]*{TAG})*)[ \t]*$", re.MULTILINE)


# ---------------------------------------------------------------- the settings, worked out once


def deploy_target(answers: Answers) -> str:
    return answers.get("deploy") or DEFAULT_DEPLOY


def interface(answers: Answers) -> str:
    return "asgi" if needs_asgi(answers) else "wsgi"


def http_version(answers: Answers) -> str:
    return answers.get("http") or "http1"


def serves_quic(server_slug: str, answers: Answers) -> bool:
    return server_slug == "hypercorn" and http_version(answers) == "http3"


def tls_in_app(server_slug: str, answers: Answers) -> bool:
    """TLS ends in the app server when asked, or when HTTP/3 needs it there: nginx 1.22 cannot proxy QUIC."""
    return answers.get("tls") == "app" or serves_quic(server_slug, answers)


def worker_class(server_slug: str, answers: Answers) -> str:
    """Gunicorn: sync or gthread for WSGI (gthread for HTTP/2 too); its own `asgi` worker for async Django (no
    extra package, Django's ASGI handler) and for HTTP/2, which the Uvicorn worker does not speak;
    `uvicorn_worker.UvicornWorker` for other ASGI apps (uvloop and httptools, the common production pairing).
    Hypercorn: trio for Trio code, else asyncio."""
    if server_slug == "hypercorn":
        return "trio" if answers.get("asynclib") == "trio" else "asyncio"
    if server_slug != "gunicorn":
        return ""
    plan = worker_plan(server_slug, answers)
    if plan.is_async:
        own_worker = answers.get("framework") == "django" or speaks_http2_itself(answers)
        return "asgi" if own_worker else "uvicorn_worker.UvicornWorker"
    return "gthread" if plan.model == "threaded" else "sync"


def pip_packages(server_slug: str, answers: Answers) -> list[str]:
    http = http_version(answers)
    if server_slug == "gunicorn":
        http2 = http == "http2" and tls_in_app(server_slug, answers)
        packages = [f"gunicorn{'[http2]' if http2 else ''}=={VERSIONS['gunicorn']}"]
        if worker_class(server_slug, answers) == "uvicorn_worker.UvicornWorker":
            packages.append(f"uvicorn-worker=={VERSIONS['uvicorn-worker']}")
        return packages
    if server_slug == "uvicorn":
        packages = [f"uvicorn[standard]=={VERSIONS['uvicorn']}"]
        return packages + [f"zttp=={VERSIONS['zttp']}"] if http == "http2" else packages
    if server_slug == "hypercorn":
        extras = [name for name, wanted in (("h3", http == "http3"), ("trio", answers.get("asynclib") == "trio")) if wanted]
        return [f"hypercorn{'[' + ','.join(extras) + ']' if extras else ''}=={VERSIONS['hypercorn']}"]
    if server_slug in VERSIONS:
        return [f"{server_slug}=={VERSIONS[server_slug]}"]
    raise ConfigError(f"Serverwise has no starter configs for the server {server_slug!r}.")


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def upstream_address(host: str, port: int) -> str:
    """Where nginx on the same machine reaches the app: loopback when the app listens on every address."""
    if host in ("0.0.0.0", "::", "localhost"):
        host = "127.0.0.1"
    return bind_address(host, port)


def start_argv(server_slug: str, answers: Answers) -> list[str]:
    """The command that starts the server from the folder holding the app and the bundle, as arguments."""
    app = answers.app_path
    if server_slug in ("gunicorn", "uwsgi", "hypercorn"):
        config = SERVER_CONFIG_FILES[server_slug]
        return {
            "gunicorn": ["gunicorn", "-c", config],
            "uwsgi": ["uwsgi", "--ini", config],
            "hypercorn": ["hypercorn", "-c", config, app],
        }[server_slug]
    plan = worker_plan(server_slug, answers)
    host, port, workers = answers.host, str(answers.port), str(plan.workers)
    tls = tls_in_app(server_slug, answers)
    if server_slug == "uvicorn":
        argv = ["uvicorn", app, "--host", host, "--port", port, "--workers", workers]
        if interface(answers) == "wsgi":
            argv += ["--interface", "wsgi"]
        if http_version(answers) == "http2":
            argv += ["--http", "zttp", "--http2"]
        argv += ["--proxy-headers", "--forwarded-allow-ips", TRUSTED_PROXIES]
        argv += ["--limit-max-requests", str(MAX_REQUESTS), "--limit-max-requests-jitter", str(MAX_REQUESTS_JITTER)]
        argv += ["--timeout-graceful-shutdown", "30"]
        return argv + (["--ssl-certfile", CERT_PATH, "--ssl-keyfile", KEY_PATH] if tls else [])
    if server_slug == "granian":
        argv = ["granian", "--interface", interface(answers), "--host", host, "--port", port, "--workers", workers]
        if http_version(answers) == "http2":
            argv += ["--http", "auto"]
        if answers.get("realtime") == "websockets":
            argv += ["--ws"]
        argv += ["--workers-lifetime", str(WORKERS_LIFETIME_SECONDS), "--respawn-failed-workers", "--access-log"]
        if tls:
            argv += ["--ssl-certificate", CERT_PATH, "--ssl-keyfile", KEY_PATH]
        return argv + [app]
    raise ConfigError(f"Serverwise has no starter configs for the server {server_slug!r}.")


def start_command(server_slug: str, answers: Answers) -> str:
    """The exact shell command that starts `server_slug` from the unpacked bundle's folder."""
    return shlex.join(start_argv(server_slug, answers))


def memory_limit_mib(server: ServerInfo, answers: Answers) -> int:
    """Measured PSS x workers + APP_MIB_PER_WORKER x workers + MASTER_MIB, rounded up to MEMORY_STEP_MIB."""
    return math.ceil(_memory_total_mib(server, answers) / MEMORY_STEP_MIB) * MEMORY_STEP_MIB


def memory_formula(server: ServerInfo, answers: Answers) -> str:
    """memory_limit_mib's arithmetic, for people."""
    workers = worker_plan(server.slug, answers).workers
    return (
        f"{workers} × {server.memory_pss_mib} MiB measured PSS + {workers} × {APP_MIB_PER_WORKER} MiB for your app"
        f" + {MASTER_MIB} MiB for the master = {_memory_total_mib(server, answers)} MiB,"
        f" rounded up to {memory_limit_mib(server, answers)} MiB"
    )


def _memory_total_mib(server: ServerInfo, answers: Answers) -> Decimal:
    estimate = memory_estimate(server, answers)
    return estimate.measured_pss_mib + estimate.plan.workers * APP_MIB_PER_WORKER + MASTER_MIB


def context(answers: Answers, server: ServerInfo, ranking: Ranking, permalink: str = "") -> dict:
    """Every value a template may use (VARIABLES), each one validated or worked out here."""
    slug = server.slug
    result = next((r for r in ranking.results if r.server.slug == slug), None)
    check_answers(answers)
    plan = worker_plan(slug, answers)
    in_app = tls_in_app(slug, answers)
    recycles_by_requests = slug != "granian"
    packages = pip_packages(slug, answers)
    argv = start_argv(slug, answers)
    reasons = result.reasons if result else ()
    excluded = result.excluded_because if result else ()
    return {
        "server": slug,
        "server_name": server.name,
        "server_version": server.version,
        "config_file": SERVER_CONFIG_FILES.get(slug, ""),
        "deploy": deploy_target(answers),
        "deploy_is_default": answers.get("deploy") is None,
        "framework": answers.get("framework") or "",
        "app": answers.app_path,
        "host": answers.host,
        "port": answers.port,
        "bind": bind_address(answers.host, answers.port),
        "upstream": upstream_address(answers.host, answers.port),
        "cores": answers.cores,
        "workers": plan.workers,
        "threads": plan.threads,
        "worker_model": plan.model,
        "workers_rule": plan.rule,
        "worker_class": worker_class(slug, answers),
        "interface": interface(answers),
        "websockets": answers.get("realtime") == "websockets",
        "long_polling": answers.get("realtime") == "long-polling",
        "http": http_version(answers),
        "quic": serves_quic(slug, answers),
        "tls": answers.get("tls") or "",
        "tls_in_app": in_app,
        "tls_at_proxy": answers.get("tls") == "proxy" and not in_app,
        "cert_path": CERT_PATH,
        "key_path": KEY_PATH,
        "max_requests": MAX_REQUESTS if recycles_by_requests else 0,
        "max_requests_jitter": MAX_REQUESTS_JITTER if recycles_by_requests else 0,
        "workers_lifetime": WORKERS_LIFETIME_SECONDS if slug == "granian" else 0,
        "trusted_proxies": TRUSTED_PROXIES,
        "start_command": shlex.join(argv),
        "start_argv_json": json.dumps(argv),
        "app_dir": VM_APP_DIR,
        "venv": VM_VENV,
        "image_app_dir": IMAGE_APP_DIR,
        "image": KUBERNETES_IMAGE,
        "python_image": PYTHON_IMAGE,
        "pip_packages": packages,
        "pip_install": shlex.join(packages),
        "needs_compiler": slug == "uwsgi",
        "memory_estimate_mib": int(memory_estimate(server, answers).measured_pss_mib.to_integral_value()),
        "memory_limit_mib": memory_limit_mib(server, answers),
        "memory_formula": memory_formula(server, answers),
        "permalink": permalink,
        "recommended": result is not None and ranking.recommended is result,
        "reasons": [
            StrictDict(text=r.text, points=r.points, question=r.question_text, option=r.option_label) for r in reasons
        ],
        "excluded_because": [StrictDict(text=r.text, question=r.question_text, option=r.option_label) for r in excluded],
    }


def check_answers(answers: Answers) -> None:
    """answers.parse validates all of this; checked again because these values are written into files."""
    problems = []
    if not is_valid_host(answers.host):
        problems.append("host")
    if not is_valid_app_path(answers.app_path):
        problems.append("app")
    if not (1 <= answers.cores <= 256 and 1 <= answers.port <= 65535):
        problems.append("cores or port")
    if any(not re.fullmatch(r"[a-z0-9-]+", value) for value in [*answers.choices, *answers.choices.values()]):
        problems.append("choices")
    if problems:
        raise ConfigError(f"Refusing to write invalid {', '.join(problems)} into a config file.")


# ---------------------------------------------------------------- rendering


def render_bundle(
    answers: Answers, server_slug: str, criteria: Criteria, templates: Sequence[TemplateInfo], permalink: str = ""
) -> list[ConfigFile]:
    """The files for `server_slug`, recommended or not, and the answers' deploy target, in template order.

    Raises ConfigError naming the template when one cannot render, or when two write the same file.
    """
    server = criteria.server(server_slug)
    if server is None:
        raise ConfigError(f"Unknown server {server_slug!r}.")
    values = context(answers, server, rank(answers.choices, criteria), permalink)
    files: dict[str, ConfigFile] = {}
    for template in sorted(templates, key=lambda t: (t.position, t.filename)):
        if not template.applies_to(server_slug, values["deploy"]):
            continue
        content = render_template(template, values)
        if not content:
            continue  # a template may leave its file out, as nginx.conf does when TLS ends in the app
        if template.filename in files:
            raise ConfigError(f"Two templates write {template.filename} for {server.name} on {values['deploy']}.")
        files[template.filename] = ConfigFile(template.filename, content, template.content_type)
    return list(files.values())


def bundle_for(
    answers: Answers, criteria: Criteria, templates: Sequence[TemplateInfo], permalink: str = ""
) -> list[ConfigFile]:
    """The recommended server's bundle; empty when the answers rule out every server."""
    recommended = rank(answers.choices, criteria).recommended
    if recommended is None:
        return []
    return render_bundle(answers, recommended.server.slug, criteria, templates, permalink)


def render_template(template: TemplateInfo, values: dict) -> str:
    """One file's text: tag-only lines leave nothing behind, and the text ends with one newline ("" if empty)."""
    compiled = compile_template(template)
    try:
        text = compiled.render(StrictContext(values, autoescape=False))
    except UnknownVariable as error:
        raise ConfigError(f"{_label(template)}{_line(error)}: unknown variable {error.name!r}.") from error
    except Exception as error:  # whatever an admin's template does wrong must name the template, never 500
        raise ConfigError(f"{_label(template)}{_line(error)}: {error}") from error
    unknown = UNKNOWN_IN_OUTPUT.search(text)
    if unknown is not None:
        raise ConfigError(f"{_label(template)}{_source_line(template, unknown[1])}: unknown variable {unknown[1]!r}.")
    text = text.replace(TAG_LINE_MARK + "\n", "").replace(TAG_LINE_MARK, "").strip("\n")
    return text + "\n" if text.strip() else ""


def compile_template(template: TemplateInfo) -> Template:
    try:
        return _compile(template.body)
    except Exception as error:  # TemplateSyntaxError, or anything else the parser raises on a bad body
        raise ConfigError(f"{_label(template)}{_line(error)}: {error}") from error


@functools.lru_cache(maxsize=256)
def _compile(body: str) -> Template:
    # Mark lines that hold only tags: the mark and its newline are removed after rendering, which keeps
    # the template's line numbers for error messages (the mark replaces nothing, it only adds).
    return ENGINE.from_string(TAG_ONLY_LINE.sub(lambda match: match[1] + TAG_LINE_MARK, body))


SAMPLE_ANSWERS = (
    {},
    {"framework": "django", "http": "http2", "tls": "proxy", "workload": "high-concurrency", "realtime": "long-polling"},
    {"framework": "fastapi", "async": "yes", "realtime": "websockets", "http": "http3", "tls": "app", "asynclib": "trio"},
)


def check_template(template: TemplateInfo, criteria: Criteria) -> None:
    """Compiles the template and renders it for each server and deploy target it serves, with sample answers.

    Raises ConfigError with the line of the first problem, so a bad template is refused when saved.
    """
    compile_template(template)
    deploy_question = criteria.question("deploy")
    targets = [option.slug for option in deploy_question.options] if deploy_question else [DEFAULT_DEPLOY]
    for server in criteria.servers:
        if server.slug not in VERSIONS:
            continue
        for target in targets:
            if not template.applies_to(server.slug, target):
                continue
            for sample in SAMPLE_ANSWERS:
                answers = Answers(choices=sample | {"deploy": target})
                ranking = rank(answers.choices, criteria)
                render_template(template, context(answers, server, ranking, "https://serverwise.example/recommend/"))


def _label(template: TemplateInfo) -> str:
    return f"Template {template.name!r} ({template.filename})"


def _line(error: Exception) -> str:
    debug = getattr(error, "template_debug", None)
    return f", line {debug['line']}" if debug else ""


def _source_line(template: TemplateInfo, expression: str) -> str:
    for number, line in enumerate(template.body.splitlines(), start=1):
        if expression in line:
            return f", line {number}"
    return ""


def seed_templates() -> tuple[TemplateInfo, ...]:
    """The templates as the seed migration stores them, read from decisions/seed/configs/ (no database)."""
    return tuple(template_from_fields(row) for row in default_templates())
