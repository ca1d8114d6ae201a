"""The whole answer space walked once: each distinct (feature answers, recommended server), its plan checked against
the app model, and the plans grouped into the classes that tests/configs/test_boot.py boots."""

from collections import Counter

from decisions.answers import Answers
from decisions.appmodel import ASGI, WSGI, app_model, speaks_http2_itself
from decisions.configs.plan import HELD_THREADS, ServerPlan, plan_for
from decisions.space import FEATURES, Walk
from tests.support.bundles import CRITERIA

SPACE = Walk(CRITERIA, (CRITERIA,))


SERVERS = {server.slug: server for server in CRITERIA.servers}


class RecordingChoices(dict):
    """Choices that remember which questions were read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def mismatches(plan: ServerPlan, choices) -> list[str]:
    """What the plan gets wrong about the app the answers describe; empty when it serves it."""
    app = app_model(choices)
    problems = []
    if not app.serves(plan.interface):
        problems.append(f"runs the {plan.interface} app of an app that offers only {app.interfaces}")
    if plan.app_path != app.path(plan.interface):
        problems.append(f"imports {plan.app_path}, not the app's {app.path(plan.interface)}")
    if app.framework == "django" and plan.app_path.partition(":")[0].rpartition(".")[2] != plan.interface:
        problems.append(f"serves Django's {plan.interface} handler from {plan.app_path}")
    if speaks_http2_itself(choices) and not plan.http2:
        problems.append("HTTP/2 answered, TLS in the server, and the server does not speak it")
    if plan.http2 and not plan.tls_in_app:
        problems.append("told to speak HTTP/2 where nginx speaks HTTP/1.1 to it")
    if plan.quic != (choices.get("http") == "http3"):
        problems.append("HTTP/3 answered but no QUIC, or QUIC unasked")
    if plan.tls_in_app != (choices.get("tls") == "app" or plan.quic):
        problems.append("TLS does not end where the answers say")
    if app.websockets:
        if plan.interface == WSGI and plan.worker_class != "gthread":
            problems.append("WebSockets on a WSGI server that hands flask-sock no thread per socket")
        if plan.server.slug == "granian" and "--ws" not in plan.argv:
            problems.append("Granian without --ws")
        if plan.max_requests or plan.workers_lifetime:
            problems.append("recycling cuts the WebSockets")
    if app.held_requests and (plan.max_requests or plan.workers_lifetime):
        problems.append("recycling cuts the held requests")
    waits = app.held_requests or app.websockets or choices.get("workload") == "high-concurrency"
    if waits and plan.interface == WSGI and plan.held_capacity < plan.workers * HELD_THREADS:
        problems.append(f"holds only {plan.held_capacity} requests at once")
    trio_worker = plan.worker_class == "trio"
    if trio_worker != (
        app.trio and plan.interface == ASGI and plan.server.slug == "hypercorn" and app.framework != "django"
    ):
        problems.append(f"worker class {plan.worker_class} for Trio={app.trio} on {plan.interface}")
    if plan.quic and plan.workers != 1:
        problems.append("several workers share the QUIC socket")
    if plan.behind_proxy and plan.deploy in ("systemd", "supervisor") and plan.host != "127.0.0.1":
        problems.append(f"listens on {plan.host} behind nginx")
    extension_packages = {extension.requirement for extension in app.extensions}
    if not extension_packages <= set(plan.pip_packages):
        problems.append(f"does not install {extension_packages - set(plan.pip_packages)}")
    return problems


def plan_class(plan: ServerPlan) -> tuple:
    """What a real boot must cover: the server, the app's interface and extensions, how the server runs it and
    the protocols (the start command's shape follows from these)."""
    app = plan.app
    return (
        plan.server.slug,
        plan.interface,
        tuple(extension.name for extension in app.extensions),
        plan.worker_class,
        plan.model,
        app.websockets,
        app.held_requests,
        plan.http2,
        plan.quic,
        plan.tls_in_app,
    )


def walk() -> tuple[Counter, dict[tuple, list[dict[str, str]]], list[str]]:
    """Every (feature answers, recommended server): answer sets per server, the feature sets of each class, problems."""
    recommended: Counter = Counter()
    classes: dict[tuple, list[dict[str, str]]] = {}
    problems = []
    for features, outcomes in SPACE.outcomes():
        for outcome in outcomes:
            recommended[outcome.recommended] += outcome.answer_sets
            if outcome.recommended is None:
                continue
            choices = RecordingChoices(features)
            plan = plan_for(SERVERS[outcome.recommended], Answers(choices=choices))
            if choices.read - set(FEATURES):
                problems.append(f"the plan read {choices.read - set(FEATURES)}, which the walk does not vary")
            problems += [f"{outcome.recommended} for {features}: {problem}" for problem in mismatches(plan, features)]
            classes.setdefault(plan_class(plan), []).append(features | outcome.example)
    return recommended, classes, problems


def representatives(classes: dict[tuple, list[dict[str, str]]]) -> dict[tuple, dict[str, str]]:
    """One feature set per class, spreading the frameworks: each class takes its least used framework so far."""
    used: Counter = Counter()
    chosen = {}
    for key, feature_sets in sorted(classes.items(), key=lambda item: (len(item[1]), str(item[0]))):
        features = min(feature_sets, key=lambda f: (used[f.get("framework", "")], len(f), sorted(f.items())))
        used[features.get("framework", "")] += 1
        chosen[key] = features
    return chosen


RECOMMENDED, CLASSES, PROBLEMS = walk()
