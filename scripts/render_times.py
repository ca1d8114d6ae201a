"""Where a never-seen answer set's time goes: the whole request, and the page's render() alone. The figures in
docs/speed.md.

In one process, with Django's test client against the database `manage.py migrate` made, gzip accepted as
`make benchmark` asks: the benchmark's never-seen answer sets, each asked once per round, the fastest of ROUNDS
interleaved rounds kept. "render" is the time inside `django.shortcuts.render` as the views call it (the
template engine, with the context processors), timed by wrapping it.

    .venv/bin/python scripts/render_times.py
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

from decisions import views  # noqa: E402
from scripts.benchmark import HEADERS, cold_answer_sets  # noqa: E402

COLD = 300
ROUNDS = int(os.environ.get("RENDER_ROUNDS", "3"))
CLIENT = Client(SERVER_NAME="localhost", headers=HEADERS)
PAGES = {
    "/health": ["/health"] * COLD,
    "never-seen result page /recommend/": [f"/recommend/?{q}" for q in cold_answer_sets()[:COLD]],
    "never-seen answered home page /": [f"/?{q}" for q in cold_answer_sets()[COLD : 2 * COLD]],
    "never-seen JSON /recommend.json": [f"/recommend.json?{q}" for q in cold_answer_sets()[:COLD]],
}


class TimedRender:
    """views.render, adding up the seconds spent in it."""

    def __init__(self, render):
        self.render = render
        self.seconds = 0.0

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.render(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def measure(paths: list[str]) -> tuple[float, float]:
    """Mean milliseconds per request: the whole request, and inside render()."""
    timed = TimedRender(views.render)
    views.render = timed
    total = 0.0
    try:
        for path in paths:
            cache.clear()  # rendered anew, even when a round asks for an answer set again
            started = time.perf_counter()
            response = CLIENT.get(path)
            total += time.perf_counter() - started
            assert response.status_code == 200, (path, response.status_code)
    finally:
        views.render = timed.render
    return total / len(paths) * 1e3, timed.seconds / len(paths) * 1e3


def main() -> None:
    for paths in PAGES.values():  # imports, template loading, the store's first load
        for path in paths[:20]:
            CLIENT.get(path)
    runs = {name: [] for name in PAGES}
    for _ in range(ROUNDS):
        for name, paths in PAGES.items():
            runs[name].append(measure(paths))
    print(f"{COLD} requests a row, fastest of {ROUNDS} interleaved rounds, milliseconds per request")
    print(f"{'row':40} {'request':>8} {'render':>8}")
    for name, measured in runs.items():
        request_ms, render_ms = min(measured)
        print(f"{name:40} {request_ms:8.2f} {render_ms:8.2f}")


if __name__ == "__main__":
    main()
