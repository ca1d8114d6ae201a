"""Starter configs: the config templates rendered for one server and the answers, as files.

No request, no settings, no ORM: `render_bundle(plan, ranking, templates)` renders the files of a server's
plan (decisions.configs.plan) for its deploy target; `recommended_bundle(...)` plans and renders the
recommended server's, `server_bundle(...)` any server's. Templates come from `store.current_templates()` (the
database) or `seed_templates()` (the files the seed migration loads).

Templates render with an Engine of their own: autoescape off, no loaders, no tag libraries beyond the
built-ins, and a context of validated values only (VARIABLES). An unknown variable is an error, not an
empty string: the context raises on a name it lacks and `string_if_invalid` marks a missing attribute.
"""

import functools
import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from django.template import Context, Engine, Template

from decisions.answers import (
    CORES_RANGE,
    NUMBER_SETTINGS,
    PORT_RANGE,
    Answers,
    env_pair,
    is_valid_app_path,
    is_valid_host,
    static_pair,
)
from decisions.configs.carry import MIGRATION_SOURCES, source_name
from decisions.configs.paths import CERT_PATH, IMAGE_APP_DIR, KEY_PATH, VM_APP_DIR, VM_VENV
from decisions.configs.plan import (
    DEFAULT_DEPLOY,
    PRESTOP_SECONDS,
    SERVER_CONFIG_FILES,
    VERSIONS,
    ServerPlan,
    bind_address,
    plan_for,
    upstream_address,
)
from decisions.contract import (
    ASYNC,
    ASYNC_YES,
    ASYNCLIB,
    DEPLOY,
    DJANGO,
    FASTAPI,
    FRAMEWORK,
    HIGH_CONCURRENCY,
    HTTP,
    HTTP2,
    HTTP3,
    LONG_POLLING,
    REALTIME,
    TLS,
    TLS_AT_PROXY,
    TLS_IN_APP,
    TRIO,
    UWSGI,
    WEBSOCKETS,
    WORKLOAD,
)
from decisions.domain import Criteria, TemplateInfo, template_from_fields
from decisions.scoring import Ranking, rank
from decisions.seeding import default_templates

KUBERNETES_IMAGE = "app:latest"
PYTHON_IMAGE = "python:3.13-slim"

# Template variables are identifiers, so written as keywords: deploy, framework, http, tls and websockets name values
# of the plan, not the questions or options that share their names.
VARIABLES = dict(
    server="server slug: gunicorn, uwsgi, uvicorn, hypercorn or granian",
    server_name="the server's name, e.g. Gunicorn",
    server_version="the release the facts were checked against",
    config_file="the server's own config file name, or empty for Uvicorn and Granian",
    deploy="deploy target: systemd, supervisor, docker, kubernetes (systemd when unanswered)",
    deploy_is_default="true when the deploy question was not answered",
    framework="the framework answer, or empty",
    framework_label="the framework's name, e.g. Django, or 'your app' when unanswered",
    interface_assumed="true when the framework was not answered, so the interface is an assumption",
    extensions="list of {name, requirement, how}: packages an answered feature needs (Channels, flask-sock)",
    app="the import path of the app's callable the server runs, module:attribute",
    app_callable="the name of that callable in its module, the part of app after the colon",
    host="the bind address: the user's, or 127.0.0.1 behind nginx on a VM, 0.0.0.0 elsewhere",
    host_given="true when the user chose the bind address",
    static_dir="where nginx serves /static/ from on a VM (Django: STATIC_ROOT)",
    port="the port",
    bind="host:port, with the host in brackets for IPv6",
    upstream="the address nginx proxies to, host:port",
    cores="CPU cores per instance",
    workers="worker processes",
    threads="threads per worker (1 unless threaded)",
    worker_model="sync, threaded or async",
    workers_rule="how the worker count was reached",
    worker_class="Gunicorn: sync, gthread, asgi or uvicorn_worker.UvicornWorker; Hypercorn: asyncio or trio",
    interface="wsgi or asgi",
    websockets="true when the app holds WebSockets",
    long_polling="true when the app holds long-polling requests",
    held_capacity="requests or sockets held at once before others wait (workers x threads); 0 when unbounded",
    http="http1, http2 or http3 (http1 when unanswered)",
    http2="true when the server itself speaks HTTP/2 (no proxy ends TLS in front of it)",
    quic="true when Hypercorn serves HTTP/3 (quic_bind)",
    tls="the TLS answer: proxy, app, or empty",
    tls_in_app="true when the app server itself terminates TLS (asked for, or needed by HTTP/3)",
    tls_at_proxy="true when nginx (or another proxy) terminates TLS",
    behind_proxy="true when the bundle puts nginx in front of the server",
    cert_path="TLS certificate path",
    key_path="TLS private key path",
    max_requests="requests before a worker is recycled (0 where the server has no such setting)",
    max_requests_jitter="random extra requests (uWSGI: max-requests-delta)",
    workers_lifetime="Granian: seconds before a worker is recycled (0: never)",
    recycling="what recycles workers, or why nothing does, for people",
    graceful_timeout="seconds the server gives open requests when stopping",
    stop_timeout="seconds systemd, supervisor or Docker wait after SIGTERM before SIGKILL",
    prestop_seconds="Kubernetes: seconds a stopping pod waits before SIGTERM, while it leaves the Service",
    termination_grace="Kubernetes: terminationGracePeriodSeconds, preStop plus the stop timeout",
    trusted_proxies="addresses allowed to set X-Forwarded-* headers, comma-separated, or * in containers",
    start_command="the shell command that starts the server from the app's folder",
    start_argv_json="the same command as a JSON list, for a Dockerfile CMD",
    app_dir="the app's folder on a VM: /srv/app",
    venv="the app's virtualenv on a VM: /srv/app/.venv",
    image_app_dir="the app's folder in the Docker image: /app",
    image="the Kubernetes image name: app:latest",
    python_image="the Docker base image",
    pip_packages="the server's pinned pip requirements and the extensions', a list",
    pip_install="the same, quoted for a shell",
    needs_compiler="true when pip must compile the server (uWSGI)",
    memory_estimate_mib="measured PSS per worker x workers",
    memory_limit_mib="the Kubernetes memory request and limit",
    memory_formula="how memory_limit_mib was worked out, for people",
    timeout="Gunicorn's worker timeout, uWSGI's harakiri: 30 unless carried over",
    keepalive="Gunicorn's keepalive, Hypercorn's keep_alive_timeout: 5 unless carried over",
    backlog="the listen backlog carried over (Gunicorn, Hypercorn backlog; uWSGI listen), 0 when not",
    limit_request_line="Gunicorn's limit_request_line carried over, 0 when not",
    limit_request_fields="Gunicorn's limit_request_fields carried over, 0 when not",
    limit_request_field_size="Gunicorn's limit_request_field_size or uWSGI's buffer-size carried over, 0 when not",
    static_locations="list of {prefix, directory}: carried static files nginx serves (prefix and directory end in /)",
    static_in_app="list of {prefix, directory}: carried static files the app serves itself (no nginx beside them)",
    environment="list of {name, value}: environment variables carried over, validated to sit in double quotes",
    environment_was="the option that set them on the server migrated from, e.g. `env` (uWSGI), or empty",
    migrated_from="the server the settings were carried from (gunicorn, uwsgi, ..., daphne), or empty",
    migrated_from_name="its name, e.g. uWSGI, or empty",
    migration="list of {setting, was, became, note}: each carried setting and what it became, or why nothing",
    not_carried="list of {option, why}: what the server migrated from does that no other server has",
    permalink="the result page for these answers (may be empty)",
    recommended="true when this server is the recommended one",
    reasons="list of {text, points, question, option}: why the server scores what it does",
    excluded_because="list of {text, question, option}: why the answers rule this server out",
    compared_servers=(
        "list of {server, server_name, start_argv, pip_install, config_file, config_text, address, tls, workers,"
        " recommended}: this server, then every other server the answers leave in, in ranking order, each as its own"
        " bundle starts it (compare.py runs them): its command as a list, its pip requirements quoted for a shell,"
        " its config file's name and text as that bundle writes it (empty for Uvicorn and Granian), where it"
        " answers (host:port), whether TLS ends in it, its workers; empty inside those config files themselves"
    ),
)


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


# ---------------------------------------------------------------- the values


def context(plan: ServerPlan, ranking: Ranking, templates: Sequence[TemplateInfo], permalink: str = "") -> dict:
    """Every value a template may use (VARIABLES), each one validated or read from the plan; `templates` write the
    config files of the compared servers."""
    return plan_values(plan, ranking, permalink) | {
        "compared_servers": compared_servers(plan, ranking, templates, permalink)
    }


def plan_values(plan: ServerPlan, ranking: Ranking, permalink: str) -> dict:
    """The values of one server's plan: every variable but compared_servers."""
    slug = plan.server.slug
    answers_tls = plan.tls_answer
    check_plan(plan)
    result = next((r for r in ranking.results if r.server.slug == slug), None)
    argv = plan.argv
    reasons = result.reasons if result else ()
    excluded = result.excluded_because if result else ()
    return dict(
        server=slug,
        server_name=plan.server.name,
        server_version=plan.server.version,
        config_file=SERVER_CONFIG_FILES.get(slug, ""),
        deploy=plan.deploy,
        deploy_is_default=plan.deploy_is_default,
        framework=plan.app.framework,
        framework_label=plan.app.label,
        interface_assumed=plan.app.assumed,
        extensions=[
            StrictDict(name=e.name, requirement=e.requirement, how=e.how.format(package=plan.app.package))
            for e in plan.app.extensions
        ],
        app=plan.app_path,
        app_callable=plan.app_path.partition(":")[2],
        host=plan.host,
        host_given=plan.host_given,
        static_dir=f"{VM_APP_DIR}/staticfiles" if plan.app.framework == DJANGO else f"{VM_APP_DIR}/static",
        port=plan.port,
        bind=bind_address(plan.host, plan.port),
        upstream=upstream_address(plan.host, plan.port),
        cores=plan.cores,
        workers=plan.workers,
        threads=plan.threads,
        worker_model=plan.model,
        workers_rule=plan.rule,
        worker_class=plan.worker_class,
        interface=plan.interface,
        websockets=plan.app.websockets,
        long_polling=plan.app.held_requests,
        held_capacity=plan.held_capacity,
        http=plan.http,
        http2=plan.http2,
        quic=plan.quic,
        tls=answers_tls,
        tls_in_app=plan.tls_in_app,
        tls_at_proxy=answers_tls == TLS_AT_PROXY and not plan.tls_in_app,
        behind_proxy=plan.behind_proxy,
        cert_path=CERT_PATH,
        key_path=KEY_PATH,
        max_requests=plan.max_requests,
        max_requests_jitter=plan.max_requests_jitter,
        workers_lifetime=plan.workers_lifetime,
        recycling=plan.recycling,
        graceful_timeout=plan.graceful_seconds,
        stop_timeout=plan.stop_timeout_seconds,
        prestop_seconds=PRESTOP_SECONDS,
        termination_grace=plan.termination_grace_seconds,
        trusted_proxies=plan.trusted_proxies,
        start_command=shlex.join(argv),
        start_argv_json=json.dumps(argv),
        app_dir=VM_APP_DIR,
        venv=VM_VENV,
        image_app_dir=IMAGE_APP_DIR,
        image=KUBERNETES_IMAGE,
        python_image=PYTHON_IMAGE,
        pip_packages=list(plan.pip_packages),
        pip_install=shlex.join(plan.pip_packages),
        needs_compiler=slug == UWSGI,
        memory_estimate_mib=int(plan.measured_pss_mib.to_integral_value()),
        memory_limit_mib=plan.memory_limit_mib,
        memory_formula=plan.memory_formula,
        timeout=plan.timeout,
        keepalive=plan.keepalive,
        backlog=plan.carried_number("backlog"),
        limit_request_line=plan.carried_number("limit_request_line"),
        limit_request_fields=plan.carried_number("limit_request_fields"),
        limit_request_field_size=plan.carried_number("limit_request_field_size"),
        static_locations=[
            StrictDict(prefix=prefix, directory=f"{directory}/") for prefix, directory in plan.carried_values.static
        ],
        static_in_app=[
            StrictDict(prefix=prefix, directory=directory) for prefix, directory in plan.carried_values.static_in_app
        ],
        environment=[StrictDict(name=name, value=value) for name, value in plan.carried.env],
        environment_was=plan.carried_values.env_was,
        migrated_from=plan.carried.migrated_from,
        migrated_from_name=source_name(plan.carried.migrated_from),
        migration=[
            StrictDict(setting=row.setting, was=row.was, became=row.became, note=row.note) for row in plan.migration
        ],
        not_carried=[StrictDict(option=option, why=why) for option, why in plan.carried_values.not_carried],
        permalink=permalink,
        recommended=result is not None and ranking.recommended is result,
        reasons=[
            StrictDict(text=r.text, points=r.points, question=r.question_text, option=r.option_label) for r in reasons
        ],
        excluded_because=[StrictDict(text=r.text, question=r.question_text, option=r.option_label) for r in excluded],
    )


def compared_servers(
    plan: ServerPlan, ranking: Ranking, templates: Sequence[TemplateInfo], permalink: str
) -> list[StrictDict]:
    """`plan`'s server, then every other server the answers leave in (in ranking order), each planned for the same
    answers and started as its own bundle starts it: what compare.py runs."""
    others = [
        result.server
        for result in ranking.results
        if result.eligible and result.server.slug != plan.server.slug and result.server.slug in VERSIONS
    ]
    plans = [plan, *(plan_for(server, plan.answers) for server in others)]
    recommended = ranking.recommended.server.slug if ranking.recommended else ""
    return [
        StrictDict(
            server=each.server.slug,
            server_name=each.server.name,
            start_argv=each.argv,
            pip_install=shlex.join(each.pip_packages),
            config_file=SERVER_CONFIG_FILES.get(each.server.slug, ""),
            config_text=server_config_text(each, ranking, templates, permalink),
            address=upstream_address(each.host, each.port),
            tls=each.tls_in_app,
            workers=each.workers,
            recommended=each.server.slug == recommended,
        )
        for each in plans
    ]


def server_config_text(plan: ServerPlan, ranking: Ranking, templates: Sequence[TemplateInfo], permalink: str) -> str:
    """The config file that the server's start command reads, as its bundle writes it; "" when it reads none."""
    filename = SERVER_CONFIG_FILES.get(plan.server.slug)
    template = next(
        (
            t
            for t in sorted(templates, key=lambda t: (t.position, t.filename))
            if t.filename == filename and t.applies_to(plan.server.slug, plan.deploy)
        ),
        None,
    )
    if template is None:
        return ""
    content = render_template(template, plan_values(plan, ranking, permalink) | {"compared_servers": []})
    return with_link_comment(template.filename, content, permalink)


def check_plan(plan: ServerPlan) -> None:
    """The questionnaire form validates all of this; checked again because these values are written into files."""
    problems = []
    if not is_valid_host(plan.host):
        problems.append("host")
    if not is_valid_app_path(plan.app_path):
        problems.append("app")
    if not (CORES_RANGE[0] <= plan.cores <= CORES_RANGE[1] and PORT_RANGE[0] <= plan.port <= PORT_RANGE[1]):
        problems.append("cores or port")
    if any(
        not re.fullmatch(r"[a-z0-9-]*", value)
        for value in (plan.deploy, plan.app.framework, plan.http, plan.tls_answer)
    ):
        problems.append("choices")
    if not carried_settings_are_valid(plan):
        problems.append("carried settings")
    if problems:
        raise ConfigError(f"Refusing to write invalid {', '.join(problems)} into a config file.")


def carried_settings_are_valid(plan: ServerPlan) -> bool:
    carried = plan.carried
    return (
        all(
            key in NUMBER_SETTINGS and NUMBER_SETTINGS[key][0] <= value <= NUMBER_SETTINGS[key][1]
            for key, value in carried.numbers
        )
        and all(static_pair(f"{prefix}={directory}") == (prefix, directory) for prefix, directory in carried.static)
        and all(env_pair(f"{name}={value}") == (name, value) for name, value in carried.env)
        and carried.migrated_from in ("", *MIGRATION_SOURCES)
    )


# ---------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Bundle:
    plan: ServerPlan
    files: tuple[ConfigFile, ...]


def render_bundle(
    plan: ServerPlan, ranking: Ranking, templates: Sequence[TemplateInfo], permalink: str = ""
) -> tuple[ConfigFile, ...]:
    """The files of `plan`'s server, recommended or not, for its deploy target, in template order.

    Raises ConfigError naming the template when one cannot render, or when two write the same file.
    """
    values = context(plan, ranking, templates, permalink)
    files: dict[str, ConfigFile] = {}
    for template in sorted(templates, key=lambda t: (t.position, t.filename)):
        if not template.applies_to(plan.server.slug, plan.deploy):
            continue
        content = render_template(template, values)
        if not content:
            continue  # a template may leave its file out, as nginx.conf does when TLS ends in the app
        content = with_link_comment(template.filename, content, permalink)
        if template.filename in files:
            raise ConfigError(f"Two templates write {template.filename} for {plan.server.name} on {plan.deploy}.")
        files[template.filename] = ConfigFile(template.filename, content, template.content_type)
    return tuple(files.values())


def recommended_bundle(
    answers: Answers, ranking: Ranking, templates: Sequence[TemplateInfo], permalink: str = ""
) -> Bundle | None:
    """The recommended server's plan and files; None when the answers rule out every server."""
    if ranking.recommended is None:
        return None
    plan = plan_for(ranking.recommended.server, answers)
    return Bundle(plan, render_bundle(plan, ranking, templates, permalink))


def server_bundle(
    answers: Answers, server_slug: str, criteria: Criteria, templates: Sequence[TemplateInfo], permalink: str = ""
) -> tuple[ConfigFile, ...]:
    """Any server's files for the answers, recommended or not: what the admin's preview shows."""
    server = criteria.server(server_slug)
    if server is None:
        raise ConfigError(f"Unknown server {server_slug!r}.")
    return render_bundle(plan_for(server, answers), rank(answers.choices, criteria), templates, permalink)


# Files whose syntax reads a line starting with "#" as a comment: the link is named at their top.
HASH_COMMENTED_SUFFIXES = (".py", ".toml", ".yaml", ".yml", ".ini", ".conf", ".cfg", ".service", ".dockerignore")
DOCKERFILE_DIRECTIVE = re.compile(r"#\s*(syntax|escape|check)\s*=", re.IGNORECASE)


def with_link_comment(filename: str, content: str, permalink: str) -> str:
    """`content` with a first comment naming the result it was made for, so a file found later in a repository
    leads back to it; unchanged without a link or when the file's syntax has no "#" comment (README.md names the
    link in its text). A Dockerfile's parser directives stay first, where BuildKit looks for them."""
    if not permalink or not (filename.endswith(HASH_COMMENTED_SUFFIXES) or filename == "Dockerfile"):
        return content
    lines = content.splitlines(keepends=True)
    directives = 0
    if filename == "Dockerfile":
        while directives < len(lines) and DOCKERFILE_DIRECTIVE.match(lines[directives]):
            directives += 1
    comment = f"# Made with Serverwise, for these answers: {permalink}\n"
    return "".join(lines[:directives]) + comment + "".join(lines[directives:])


def render_template(template: TemplateInfo, values: dict) -> str:
    """One file's text: tag-only lines leave nothing behind, and the text ends with one newline ("" if empty)."""
    compiled = compile_template(template)
    try:
        text = compiled.render(StrictContext(values, autoescape=False, use_l10n=False))
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


SAMPLE_PERMALINK = "https://serverwise.example/recommend/"
SAMPLE_ANSWERS = (
    {},
    {
        FRAMEWORK: DJANGO,
        HTTP: HTTP2,
        TLS: TLS_AT_PROXY,
        WORKLOAD: HIGH_CONCURRENCY,
        REALTIME: LONG_POLLING,
    },
    {
        FRAMEWORK: FASTAPI,
        ASYNC: ASYNC_YES,
        REALTIME: WEBSOCKETS,
        HTTP: HTTP3,
        TLS: TLS_IN_APP,
        ASYNCLIB: TRIO,
    },
)


def check_template(template: TemplateInfo, criteria: Criteria, templates: Sequence[TemplateInfo]) -> None:
    """Compiles the template and renders it for each server and deploy target it serves, with sample answers;
    `templates` (the others) write the compared servers' config files.

    Raises ConfigError with the line of the first problem, so a bad template is refused when saved.
    """
    compile_template(template)
    for server in criteria.servers:
        if server.slug not in VERSIONS:
            continue
        for target in deploy_targets(criteria):
            if not template.applies_to(server.slug, target):
                continue
            for index in range(len(SAMPLE_ANSWERS)):
                answers = sample_answers(index, target)
                render_template(template, sample_context(plan_for(server, answers), answers, criteria, templates))


def deploy_targets(criteria: Criteria) -> list[str]:
    """The options of the deploy question, or the default target when the criteria have no such question."""
    deploy_question = criteria.question(DEPLOY)
    return [option.slug for option in deploy_question.options] if deploy_question else [DEFAULT_DEPLOY]


def sample_answers(index: int, deploy: str) -> Answers:
    """The sample answers a template is checked and previewed with, for one deploy target."""
    return Answers(choices=SAMPLE_ANSWERS[index] | {DEPLOY: deploy})


def sample_context(plan: ServerPlan, answers: Answers, criteria: Criteria, templates: Sequence[TemplateInfo]) -> dict:
    return context(plan, rank(answers.choices, criteria), templates, SAMPLE_PERMALINK)


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
