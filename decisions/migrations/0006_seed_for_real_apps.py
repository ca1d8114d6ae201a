"""Brings stored criteria and templates that still hold the first seed up to the seed that serves real apps.

Only what an admin has not changed is updated: an effect whose points, exclusion and reason are still the old
seed's, a template whose body is still the old seed's (by its SHA-256). Edited ones are left as they are.
"""

import hashlib

from django.db import migrations
from django.db.models import F
from django.utils import timezone

from decisions.seeding import default_templates

# [question, option, server, old points, old excluded, old reason, new points, new excluded, new reason]
EFFECT_CHANGES = [  # fmt: skip
    [
        "async",
        "no",
        "gunicorn",
        2,
        False,
        "Sync workers are the simple, proven model for synchronous code: no need to switch to ASGI because it is newer.",
        2,
        False,
        "Synchronous code runs well on Gunicorn's pre-forked worker processes, the simple, proven model: no need to switch to ASGI because it is newer.",
    ],
    [
        "async",
        "yes",
        "gunicorn",
        0,
        False,
        "Runs async code only with an ASGI worker (asgi or uvicorn_worker.UvicornWorker).",
        0,
        False,
        "Runs async code on an ASGI worker (asgi or uvicorn_worker.UvicornWorker); Flask's async views run on its sync workers too.",
    ],
    [
        "async",
        "yes",
        "uwsgi",
        0,
        True,
        "uWSGI cannot run async code: it has no ASGI support.",
        -2,
        False,
        "No ASGI support: async code runs only inside a synchronous request, as Flask's async views do.",
    ],
    [
        "realtime",
        "websockets",
        "gunicorn",
        -1,
        False,
        "No WebSockets in sync mode: only with an ASGI worker.",
        -1,
        False,
        "WebSockets only on an ASGI worker class (asgi or uvicorn_worker.UvicornWorker), or for Flask through flask-sock on threads, one per open socket: not on its sync workers.",
    ],
    [
        "realtime",
        "websockets",
        "uwsgi",
        0,
        True,
        "WebSockets only through uWSGI's own API, not the standard ASGI one your framework speaks.",
        0,
        True,
        "WebSockets only through uWSGI's own API, which neither ASGI frameworks nor Flask's flask-sock use.",
    ],
    [
        "realtime",
        "long-polling",
        "gunicorn",
        -1,
        False,
        "Each held request ties up a sync worker unless it runs an async worker.",
        -1,
        False,
        "Each held request ties up a worker thread (gthread), unless the app runs on an ASGI worker.",
    ],
    [
        "workload",
        "high-concurrency",
        "gunicorn",
        -1,
        False,
        "A sync worker serves one request at a time.",
        -1,
        False,
        "Each open connection ties up a worker thread (gthread), unless the app runs on an ASGI worker.",
    ],
    [
        "http",
        "http2",
        "gunicorn",
        0,
        False,
        'HTTP/2 only with http_protocols = "h2,h1", TLS and gunicorn[http2].',
        0,
        False,
        'HTTP/2 with http_protocols = "h2,h1" and gunicorn[http2], on a gthread or asgi worker: by ALPN over TLS, or cleartext (h2c) with http2_cleartext.',
    ],
    [
        "http",
        "http2",
        "uvicorn",
        -1,
        False,
        "HTTP/2 only with the --http zttp --http2 option.",
        -1,
        False,
        "HTTP/2 only through zttp (--http zttp --http2), which is experimental upstream.",
    ],
    [
        "asynclib",
        "trio",
        "hypercorn",
        3,
        False,
        'Runs Trio apps with worker_class = "trio".',
        3,
        False,
        'Runs Trio code: worker_class = "trio" for an ASGI app on Trio or AnyIO (a WSGI app runs on its asyncio worker, with Trio inside each request).',
    ],
    [
        "memory",
        "tight",
        "uwsgi",
        1,
        False,
        "Smallest worker measured: 4.4 MiB PSS (the article's ~40 MB is dated).",
        2,
        False,
        "Smallest worker measured: 4.4 MiB PSS (the article's ~40 MB is dated).",
    ],
    [
        "memory",
        "tight",
        "gunicorn",
        1,
        False,
        "Small sync workers: 9.7 MiB PSS measured (article: ~30 MB).",
        1,
        False,
        "Small sync workers: 9.7 MiB PSS measured (article: ~30 MB).",
    ],
    [
        "memory",
        "tight",
        "granian",
        1,
        False,
        "16.1 MiB PSS measured per worker, of which only 7.7 MiB is its own.",
        0,
        False,
        "16.1 MiB PSS measured per worker, about Uvicorn's.",
    ],
    [
        "memory",
        "tight",
        "uvicorn",
        -1,
        False,
        "Spawned workers share nothing with the parent: 17.4 MiB PSS each measured.",
        0,
        False,
        "17.4 MiB PSS measured per worker, about Granian's; its spawned workers share nothing with the parent.",
    ],
    [
        "memory",
        "tight",
        "hypercorn",
        -1,
        False,
        "Largest worker measured: 20.6 MiB PSS, and spawned workers share nothing.",
        -1,
        False,
        "Largest worker measured: 20.6 MiB PSS, and spawned workers share nothing.",
    ],
]
OLD_TEMPLATE_BODIES = {
    "gunicorn.conf.py": "fbb086638bfaeea34792361a6c0a5076f00e83a5c4943b7eb312109fb0c945b7",
    "uwsgi.ini": "dd39a9808dad4f5d96e38f4cee2d4b17d7eb1fae8ab812eb19ec819e9cb39976",
    "hypercorn.toml": "617c4ae22d432ee03c377055d7c1e43d5772a5a9284a2ad615d4a816f109adc6",
    "app.service": "3b6fc3e279da95d3fc5ffba7c94df9077338afee3ba7ad3e24d9fe4d2a2fe1f3",
    "supervisor.conf": "c4bc66a105b4f6b41733ae4f687fd90ea85daffec916fac5042bd7aba7e8a389",
    ".dockerignore": "c57ba453bf6d8c3179604a9d72ddc68bf05bebdebc1e848d863e4578731f9bc6",
    "kubernetes.yaml": "f5483c94d2d285c219f60a051d347c280104f0d9c43c9b77962307b39a0973d4",
    "nginx.conf": "50e6395564499bfde3f03b9d157b071af95e52ecd60c6dfa069853127c38b312",
    "README.md": "761fb1b820ac27dfb8e31dac67c115b9236815b0a8df127f09ef97d0759077a6",
}


def update(apps, schema_editor):
    Effect = apps.get_model("decisions", "Effect")
    ConfigTemplate = apps.get_model("decisions", "ConfigTemplate")
    changed = 0
    for question, option, server, points, excluded, reason, new_points, new_excluded, new_reason in EFFECT_CHANGES:
        changed += Effect.objects.filter(
            option__question__slug=question, option__slug=option, server__slug=server,
            points=points, excluded=excluded, reason=reason,
        ).update(points=new_points, excluded=new_excluded, reason=new_reason)  # fmt: skip
    bodies = {row["filename"]: row["body"] for row in default_templates()}
    for template in ConfigTemplate.objects.filter(filename__in=OLD_TEMPLATE_BODIES):
        if hashlib.sha256(template.body.encode()).hexdigest() == OLD_TEMPLATE_BODIES[template.filename]:
            template.body = bodies[template.filename]
            template.save(update_fields=["body"])
            changed += 1
    if changed:
        # Migrations use historical models, which send no signal: bump the version as a save would.
        CriteriaVersion = apps.get_model("decisions", "CriteriaVersion")
        CriteriaVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("decisions", "0005_criteria_editors_group")]
    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
