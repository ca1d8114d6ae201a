"""The runs of `make measure` made on 5 December 2026, and the reasons they contradict, changed to what was measured
(docs/sources.md, "What the measurements changed"):

- the runs the seed now ships (decisions/seed/measurements/) are stored, and the pages show the newest;
- an effect whose points, exclusion and reason are still the earlier seed's gets the new ones, and so does each of
  the two expectations those points turn (Flask holding long-polling requests, a team on uWSGI holding them) while
  it still says what the earlier seed said. What an admin edited is left as it is;
- the tie of Uvicorn and uWSGI, which the second of those stopped showing, gets an expectation of its own
  (ADDED_EXPECTATION), unless one with its answers exists.
"""

from django.db import migrations

from decisions.models import record_migration
from decisions.seeding import default_expectations, import_seed_measurements

# [question, option, server, old points, old excluded, old reason, new points, new excluded, new reason]
EFFECT_CHANGES = [
    [
        "realtime",
        "long-polling",
        "uvicorn",
        2,
        False,
        "ASGI servers are 2-4x faster for many simultaneous, long-held connections.",
        2,
        False,
        "Holds each waiting request on its event loop, not on a thread, so one worker holds far more of them at once than a pool of threads does.",
    ],
    [
        "realtime",
        "long-polling",
        "granian",
        2,
        False,
        "Its Rust I/O holds many open connections cheaply.",
        1,
        False,
        "Holds waiting requests cheaply on an ASGI app; on a WSGI app (Django, Flask) each one holds a thread, as on Gunicorn's gthread workers.",
    ],
    [
        "realtime",
        "long-polling",
        "uwsgi",
        -2,
        False,
        "Each held request ties up a process or thread.",
        -1,
        False,
        "Each held request ties up a thread, as on Gunicorn's gthread workers: as many threads hold as many requests.",
    ],
    [
        "workload",
        "high-concurrency",
        "uvicorn",
        2,
        False,
        "ASGI servers are 2-4x faster than WSGI ones for high-concurrency async workloads.",
        2,
        False,
        "Serves many connections per worker on one event loop. The gain comes from that concurrency, not from ASGI: a WSGI server with enough threads gains as much when requests wait.",
    ],
    [
        "workload",
        "request-response",
        "gunicorn",
        1,
        False,
        "Database and business logic dominate response time, so the server's raw speed matters little.",
        1,
        False,
        "Database and business logic dominate response time, so raw speed matters little; what matters is how many requests can wait at once: a sync worker serves one, so give it threads or workers for the time spent waiting.",
    ],
    [
        "workload",
        "minimal-logic",
        "granian",
        3,
        False,
        "Largest gains in connection-heavy scenarios with minimal application logic.",
        3,
        False,
        "Its Rust HTTP layer answers minimal responses among the fastest of the five for every framework; on WSGI apps uWSGI keeps up with it, and leads on Flask.",
    ],
    [
        "bottleneck",
        "yes",
        "granian",
        4,
        False,
        "Benchmarked, and the server is the bottleneck: Granian's Rust I/O has the highest throughput.",
        4,
        False,
        "Benchmarked, and the server is the bottleneck: Granian's Rust I/O has among the highest throughput for every framework; on WSGI apps uWSGI keeps up with it, and leads on Flask.",
    ],
]

# [answers, old expected, old note]: the new ones are the seed's (decisions/seed/expectations.json)
EXPECTATION_CHANGES = [
    [
        "framework=flask&realtime=long-polling",
        "granian",
        "Flask holding long-polling requests: Hypercorn's small WSGI thread pool would block, Uvicorn's WSGI mode is deprecated; Granian's blocking threads lead Gunicorn.",
    ],
    [
        "realtime=long-polling&current=uwsgi&memory=tight&priority=simplicity",
        "uvicorn",
        "Tie: a team on uWSGI holding long-polling requests on tight memory, simplicity first: Uvicorn and uWSGI on equal points; uWSGI is in maintenance only.",
    ],
]

ADDED_EXPECTATION = (
    "realtime=long-polling&workload=high-concurrency&current=uwsgi&memory=tight&priority=performance&bottleneck=no"
)


def update(apps, schema_editor):
    Effect = apps.get_model("decisions", "Effect")
    import_seed_measurements(apps.get_model("decisions", "MeasurementRun"))
    changed = 0
    for question, option, server, points, excluded, reason, new_points, new_excluded, new_reason in EFFECT_CHANGES:
        changed += Effect.objects.filter(
            option__question__slug=question, option__slug=option, server__slug=server,
            points=points, excluded=excluded, reason=reason,
        ).update(points=new_points, excluded=new_excluded, reason=new_reason)  # fmt: skip
    Expectation = apps.get_model("decisions", "Expectation")
    seeded = {row["answers"]: row for row in default_expectations()}
    for answers, expected, note in EXPECTATION_CHANGES:
        new = seeded[answers]
        Expectation.objects.filter(answers=answers, expected=expected, note=note).update(
            expected=new["expected"], note=new["note"], source=new["source"]
        )
    if not Expectation.objects.filter(answers=ADDED_EXPECTATION).exists():
        last = Expectation.objects.order_by("-position").values_list("position", flat=True).first()
        Expectation.objects.create(**seeded[ADDED_EXPECTATION] | {"position": (last or 0) + 1})
    record_migration(apps, bool(changed), "migration 0016")


class Migration(migrations.Migration):
    dependencies = [("decisions", "0015_snapshot_measurement_run")]
    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
