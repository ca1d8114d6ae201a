"""Measures each server setup a bundle can produce on each framework's real app: `make measure` (lab/measure.py).

    .venv/bin/python scripts/measure.py [--quick] [--frameworks django,fastapi] [--workloads hello,held]
        [--servers uvicorn,granian] [--rounds N] [--seconds S] [--wait S] [--out measurements]

Prints a line per cell as each framework × workload ends, then, last, the path of the run's JSON file.
"""

import argparse
import dataclasses
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lab import measure  # noqa: E402


def options(arguments: argparse.Namespace) -> measure.Options:
    chosen = measure.quick_options() if arguments.quick else measure.Options()
    if arguments.frameworks:
        chosen = dataclasses.replace(chosen, frameworks=tuple(arguments.frameworks.split(",")))
    if arguments.workloads:
        wanted = arguments.workloads.split(",")
        chosen = dataclasses.replace(chosen, workloads=tuple(measure.WORKLOADS[slug] for slug in wanted))
    if arguments.seconds:
        workloads = tuple(dataclasses.replace(w, seconds=arguments.seconds) for w in chosen.workloads)
        chosen = dataclasses.replace(chosen, workloads=workloads)
    if arguments.servers:
        chosen = dataclasses.replace(chosen, servers=tuple(arguments.servers.split(",")))
    if arguments.rounds:
        chosen = dataclasses.replace(chosen, rounds=arguments.rounds)
    if arguments.wait is not None:
        chosen = dataclasses.replace(chosen, quiet_wait_seconds=arguments.wait)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="Django only: the minimal response, the 10 ms view, held requests"
    )
    parser.add_argument("--frameworks", help=f"framework slugs, of {','.join(measure.APPS)}")
    parser.add_argument("--workloads", help=f"workload slugs, of {','.join(measure.WORKLOADS)}")
    parser.add_argument("--servers", help="only these server slugs (each must fit the framework)")
    parser.add_argument("--rounds", type=int, help=f"timed runs per cell (default {measure.ROUNDS})")
    parser.add_argument("--seconds", type=int, help="seconds per timed run, for every workload")
    parser.add_argument(
        "--wait",
        type=float,
        help=f"seconds to wait at most for a quiet machine before the run (default {measure.QUIET_WAIT_SECONDS})",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "measurements", help="the folder of the run's file")
    arguments = parser.parse_args()
    # Stopped by a signal, the run still stops the servers it started (their contexts end): started in the
    # background, a shell would have it ignore SIGINT.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.monotonic()
    data = measure.run(options(arguments), report=lambda line: print(line, flush=True))
    path = measure.write(data, arguments.out)
    print(f"Done in {time.monotonic() - started:.0f} s; the run's file:")
    print(path)


if __name__ == "__main__":
    main()
