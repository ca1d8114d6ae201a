"""What each in-process cache costs in memory and saves in time: the figures in docs/caching.md.

In one process, with Django's test client against the database `manage.py migrate` made (db.sqlite3, or
DATABASE_URL), gzip accepted, as `make benchmark` asks:

- time: the mean per request of the benchmark's two workloads, hot (one shared link, asked again and again) and
  cold (never-seen answer sets, scripts/benchmark.py's list), with every cache on, then with each one off in turn
  (its function called through, or the store's memo emptied before each request);
- memory: what the cache holds once the cold workload has filled it (tracemalloc, before and after emptying it).

    .venv/bin/python scripts/cache_costs.py
"""

import gc
import os
import sys
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

from decisions import answers, appmodel, caching, middleware, store, views  # noqa: E402
from decisions.configs import render  # noqa: E402
from scripts.benchmark import HEADERS, HOT, cold_answer_sets  # noqa: E402

COLD = 150
HOT_REQUESTS = 1000
ROUNDS = int(os.environ.get("CACHE_COST_ROUNDS", "3"))
KEYS = "caching._keys (keys of requests seen)"
STORE = "store memo (current criteria and templates)"
SENT = "sent-response cache (LocMem)"
CLIENT = Client(SERVER_NAME="localhost", headers=HEADERS)
# name: (module, attribute) of an lru_cache'd function
LRU = {
    "views._reversed (paths a result links to)": (views, "_reversed"),
    "middleware._key_function (path to key function)": (middleware, "_key_function"),
    "answers._query_pair (encoded query pairs)": (answers, "_query_pair"),
    "appmodel._app_model (app models by 4 answers)": (appmodel, "_app_model"),
    "configs.render._compile (compiled config templates)": (render, "_compile"),
}


def cold_paths(page: str) -> list[str]:
    return [f"{page}?{query}" for query in cold_answer_sets()[:COLD]]


def per_request(paths: list[str], between=lambda: None) -> float:
    """Mean microseconds per request over `paths`."""
    total = 0.0
    for path in paths:
        between()
        started = time.perf_counter()
        response = CLIENT.get(path)
        total += time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code)
    return total / len(paths) * 1e6


def workloads(between=lambda: None, sent_cache: bool = True) -> dict[str, float]:
    def cold_between():
        cache.clear()  # never seen: nothing stored (a new answer set misses the sent cache anyway)
        between()

    hot = [f"/recommend/?{HOT}"] * HOT_REQUESTS
    CLIENT.get(hot[0])
    return {
        "hot page": per_request(hot, between if sent_cache else lambda: (cache.clear(), between())),
        "cold page": per_request(cold_paths("/recommend/"), cold_between),
        "cold JSON": per_request(cold_paths("/recommend.json"), cold_between),
    }


@contextmanager
def bypassed(module, name: str):
    cached = getattr(module, name)
    setattr(module, name, cached.__wrapped__)
    try:
        yield
    finally:
        setattr(module, name, cached)


def held_kib(fill, empty) -> float:
    """KiB that `fill()` leaves held and `empty()` releases."""
    empty()
    gc.collect()
    tracemalloc.start()
    fill()
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    empty()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (before - after) / 1024


def fill_cold(renders: bool = True) -> None:
    """The cold pages and JSON, each rendered (`renders`: none replayed from the sent-response cache)."""
    for page in ("/recommend/", "/recommend.json"):
        for path in cold_paths(page):
            if renders:
                cache.clear()
            CLIENT.get(path)


def row(name: str, times: dict[str, float], base: dict[str, float], kib: float | str) -> str:
    cells = "  ".join(f"{times[k]:7.0f} ({times[k] / base[k]:4.2f}x)" for k in base)
    memory = f"{kib:8.0f}" if isinstance(kib, float) else f"{kib:>8}"
    return f"{name:55} {cells}  {memory}"


def main() -> None:
    for path in cold_paths("/recommend/")[:20]:  # imports, template loading, the store's first load
        CLIENT.get(path)
    held = {name: held_kib(fill_cold, getattr(m, a).cache_clear) for name, (m, a) in LRU.items() if hasattr(m, a)}
    held[KEYS] = held_kib(lambda: [CLIENT.get(f"/recommend/?{HOT}&cores={n}") for n in range(1, 257)], caching.forget)
    held[STORE] = held_kib(lambda: store.current(), store.forget)
    held[SENT] = held_kib(lambda: fill_cold(renders=False), cache.clear)
    runs = {name: [] for name in ["(none: every cache on)", *held]}
    for _ in range(ROUNDS):  # interleaved, the fastest of each kept: load from elsewhere falls on every row alike
        runs["(none: every cache on)"].append(workloads())
        for name, (module, attribute) in LRU.items():
            if hasattr(module, attribute):
                with bypassed(module, attribute):
                    runs[name].append(workloads())
        runs[KEYS].append(workloads(caching.forget))
        runs[STORE].append(workloads(store.forget))
        runs[SENT].append(workloads(sent_cache=False))
    best = {name: {k: min(run[k] for run in measured) for k in measured[0]} for name, measured in runs.items()}
    base = best["(none: every cache on)"]
    print(f"{COLD} cold answer sets, {HOT_REQUESTS} hot requests, fastest of {ROUNDS} interleaved rounds")
    print(f"microseconds per request, and x all caches on; KiB the cache holds once filled by {COLD * 2} cold pages")
    print(f"{'cache off':55} {'hot page':>15}  {'cold page':>15}  {'cold JSON':>15}  held KiB")
    for name, times in best.items():
        print(row(name, times, base, held.get(name, "-")))
    print(f"sent-response cache: {held[SENT] / (COLD * 2):.1f} KiB per entry on average (gzip: pages and JSON)")


if __name__ == "__main__":
    main()
