"""Run files of `make measure` made up for tests: small, valid, with the figures a test asks for."""

import copy

from decisions.measured import FORMAT, HELD, HELLO, IO

WORKLOADS = {
    HELLO: {"label": "the minimal response (GET /), 50 connections", "path": "/", "connections": 50, "seconds": 2},
    IO: {
        "label": "a view that waits 10 ms, 32 connections",
        "path": "/io/?seconds=0.01",
        "connections": 32,
        "seconds": 2,
    },
    HELD: {"label": "1,000 requests held 1 s each", "path": "/io/?seconds=1", "connections": 1000, "seconds": 4},
}


def cell(framework: str, workload: str, server: str, setup: str, rps: list[float], baseline: bool = False) -> dict:
    """A cell with one run per round, at these requests per second."""
    return {
        "framework": framework,
        "app": framework,
        "workload": workload,
        "server": server,
        "setup": setup,
        "interface": "wsgi" if setup.startswith(("gunicorn sync", "gunicorn gthread")) else "asgi",
        "baseline": baseline,
        "command": f"{server} ...",
        "error": "",
        "runs": [
            {
                "round": number,
                "rps": value,
                "p50_ms": 10.0,
                "p99_ms": 20.0 + number,
                "errors": 0,
                "requests": int(value * 2),
                "pss_mib": 30.0,
            }
            for number, value in enumerate(rps)
        ],
    }


def run_data(cells: list[dict], **fields) -> dict:
    """A run file's data holding `cells`, its workloads those the cells name."""
    workloads = dict.fromkeys(c["workload"] for c in cells)
    return copy.deepcopy(
        {
            "format": FORMAT,
            "started_at": "2026-12-06T03:00:00+00:00",
            "finished_at": "2026-12-06T03:12:00+00:00",
            "host": "testhost",
            "quick": False,
            "machine": {"cpu": "Test CPU", "cores": 2, "memory_gib": 4.0, "os": "Debian", "kernel": "6.1"},
            "load": {"before": "load average: 0.10", "after": "load average: 1.00"},
            "python": "3.13.0",
            "versions": {"gunicorn": "27.0.1", "uvicorn": "0.54.0"},
            "method": {
                "workers": 1,
                "rounds": 3,
                "placement": "servers on cores 1, load generator on cores 0 (taskset)",
                "workloads": [{"slug": slug, "client": "wrk", "answers": {}, **WORKLOADS[slug]} for slug in workloads],
            },
            "cells": cells,
        }
        | fields
    )


def django_run() -> dict:
    """Django and FastAPI on Gunicorn, Uvicorn and Granian, the three HTTP workloads, three rounds each."""
    return run_data(
        [
            cell("django", HELLO, "gunicorn", "gunicorn sync", [1000, 1100, 900], baseline=True),
            cell("django", HELLO, "uvicorn", "uvicorn", [1500, 1650, 1260]),
            cell("django", HELLO, "granian", "granian wsgi", [2000, 2200, 1800]),
            cell("django", IO, "gunicorn", "gunicorn sync", [90, 90, 90], baseline=True),
            cell("django", IO, "uvicorn", "uvicorn", [900, 990, 810]),
            cell("django", IO, "granian", "granian wsgi 32 threads", [720, 720, 720]),
            cell("django", HELD, "gunicorn", "gunicorn gthread 32 threads", [30, 30, 30], baseline=True),
            cell("django", HELD, "uvicorn", "uvicorn", [90, 96, 84]),
            cell("django", HELD, "granian", "granian wsgi 32 threads", [30, 30, 30]),
            cell("fastapi", HELLO, "uvicorn", "uvicorn", [5000, 5000, 5000], baseline=True),
            cell("fastapi", HELLO, "gunicorn", "gunicorn UvicornWorker", [4000, 4000, 4000]),
            cell("fastapi", HELLO, "granian", "granian asgi", [6000, 6000, 6000]),
            cell("fastapi", IO, "uvicorn", "uvicorn", [2000, 2000, 2000], baseline=True),
            cell("fastapi", IO, "gunicorn", "gunicorn UvicornWorker", [1900, 1900, 1900]),
        ]
    )
