"""How long the admin's "Preview impact" takes to walk the whole answer space: decisions.space.impact() for
single-cell edits of the seed's scoring matrix, across questions and servers, one after the other in one process
as a server worker would run them (the first also fills the app model's cache). Prints each time, p50 and p95, and
exits 1 when p95 is over TARGET_SECONDS. No database: the seed is read from decisions/seed/criteria.json.
Run with `make benchmark`, or alone: .venv/bin/python scripts/preview_benchmark.py
"""

import dataclasses
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from decisions.domain import Criteria, EffectInfo, from_data  # noqa: E402
from decisions.seeding import default_criteria  # noqa: E402
from decisions.space import impact  # noqa: E402

TARGET_SECONDS = 2.0
# (question, option, server, the cell's new values): what an admin might change in one cell of the matrix.
EDITS = (
    ("framework", "django", "uvicorn", {"points": 3}),
    ("framework", "flask", "granian", {"points": 2}),
    ("framework", "fastapi", "hypercorn", {"points": 2}),
    ("async", "yes", "gunicorn", {"points": 1}),
    ("async", "no", "uwsgi", {"points": 2}),
    ("realtime", "websockets", "gunicorn", {"points": 0}),
    ("realtime", "websockets", "uvicorn", {"experimental": True}),
    ("realtime", "long-polling", "hypercorn", {"points": 2}),
    ("http", "http2", "gunicorn", {"excluded": True, "points": 0}),
    ("http", "http3", "granian", {"excluded": False, "points": 2, "experimental": True}),
    ("asynclib", "asyncio", "uvicorn", {"points": 1}),
    ("current", "none", "uwsgi", {"points": 0}),
    ("current", "gunicorn", "gunicorn", {"points": 3}),
    ("bottleneck", "yes", "granian", {"points": 2}),
    ("workload", "high-concurrency", "gunicorn", {"points": 1}),
    ("workload", "minimal-logic", "uvicorn", {"points": 2}),
    ("memory", "tight", "hypercorn", {"points": 0}),
    ("priority", "performance", "uvicorn", {"points": 2}),
    ("deploy", "kubernetes", "granian", {"points": 1}),
    ("tls", "app", "granian", {"points": 1}),
)


def edited(criteria: Criteria, question: str, option: str, server: str, changes: dict) -> Criteria:
    """The criteria with one cell of the scoring matrix changed (an empty cell is filled)."""
    old_question = criteria.question(question)
    old_option = old_question.option(option)
    effect = dataclasses.replace(old_option.effects.get(server, EffectInfo(0, False, "")), **changes)
    new_option = dataclasses.replace(old_option, effects=old_option.effects | {server: effect})
    options = tuple(new_option if o is old_option else o for o in old_question.options)
    new_question = dataclasses.replace(old_question, options=options)
    return dataclasses.replace(
        criteria, questions=tuple(new_question if q is old_question else q for q in criteria.questions)
    )


def main() -> int:
    seed = from_data(default_criteria())
    times = []
    for question, option, server, changes in EDITS:
        after = edited(seed, question, option, server, changes)
        start = time.perf_counter()
        found = impact(seed, after)
        times.append(time.perf_counter() - start)
        cell = f"{question}={option} → {server} {changes}"
        print(f"{times[-1]:6.3f} s  {found.changed:>10,} of {found.total:,} changed ({found.share:6.2%})  {cell}")
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    p50, p95 = statistics.median(times), cuts[18]
    print(f"impact() over {len(times)} edits: p50 {p50:.3f} s, p95 {p95:.3f} s, max {max(times):.3f} s")
    if p95 > TARGET_SECONDS:
        print(f"FAIL: p95 over the {TARGET_SECONDS} s target")
        return 1
    print(f"OK: p95 within the {TARGET_SECONDS} s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
