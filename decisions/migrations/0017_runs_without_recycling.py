"""The runs of `make measure` with recycling off, and the texts they contradict, changed to what was measured
(docs/sources.md, "What the runs without recycling changed"):

- the runs the seed now ships (decisions/seed/measurements/) are stored, and the pages show the newest;
- a reason or a server's limitations still as the earlier seed wrote them get the new text; what an admin edited is
  left as it is. No points change.
"""

from django.db import migrations

from decisions.models import record_migration
from decisions.seeding import import_seed_measurements

# [question, option, server, old reason, new reason]
REASON_CHANGES = [
    [
        "workload",
        "minimal-logic",
        "granian",
        "Its Rust HTTP layer answers minimal responses among the fastest of the five for every framework; on WSGI apps uWSGI keeps up with it, and leads on Flask.",
        "Its Rust HTTP layer answers minimal responses among the fastest of the five for every framework; uWSGI answers more of them for Django and Flask.",
    ],
    [
        "bottleneck",
        "yes",
        "granian",
        "Benchmarked, and the server is the bottleneck: Granian's Rust I/O has among the highest throughput for every framework; on WSGI apps uWSGI keeps up with it, and leads on Flask.",
        "Benchmarked, and the server is the bottleneck: Granian's Rust I/O has among the highest throughput for every framework; uWSGI's is higher for Django and Flask.",
    ],
    [
        "priority",
        "performance",
        "hypercorn",
        "Slightly lower throughput for plain HTTP/1.1 workloads.",
        "The lowest throughput of the five for minimal HTTP/1.1 responses, for every framework measured.",
    ],
]
# [server, old limitations, new limitations]
LIMITATIONS_CHANGES = [
    [
        "hypercorn",
        "Smaller community than Uvicorn\nFewer production deployment examples\nSlightly lower throughput for standard HTTP/1.1 workloads",
        "Smaller community than Uvicorn\nFewer production deployment examples\nThe lowest throughput of the five for minimal HTTP/1.1 responses",
    ],
]


def update(apps, schema_editor):
    Effect, Server = apps.get_model("decisions", "Effect"), apps.get_model("decisions", "Server")
    import_seed_measurements(apps.get_model("decisions", "MeasurementRun"))
    changed = 0
    for question, option, server, reason, new_reason in REASON_CHANGES:
        changed += Effect.objects.filter(
            option__question__slug=question, option__slug=option, server__slug=server, reason=reason
        ).update(reason=new_reason)
    for server, limitations, new_limitations in LIMITATIONS_CHANGES:
        changed += Server.objects.filter(slug=server, limitations=limitations).update(limitations=new_limitations)
    record_migration(apps, bool(changed), "migration 0017")


class Migration(migrations.Migration):
    dependencies = [("decisions", "0016_measured_reasons")]
    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
