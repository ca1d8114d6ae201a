"""compare.py's built-in client beside wrk: the req/s each reports for the same real app under the same server.

The kit in every bundle loads the user's app with wrk when it is on PATH, and otherwise with a client of its own
(asyncio, HTTP/1.1 keep-alive). Both must report the same server alike. This renders the Django bundle from the
seed (no database), builds Django's real app beside it (lab/realapps.py) and runs `python compare.py --json
--servers uvicorn` in that folder ROUNDS times with each client, in turns, so load from elsewhere on a shared
machine falls on both alike. It prints each round's req/s and their ratio, and exits 1 when the median ratio
(built-in / wrk) is further than TOLERANCE from 1. Run with `make benchmark`, or alone:
.venv/bin/python scripts/kit_client_benchmark.py
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from decisions.answers import Answers  # noqa: E402
from decisions.configs.render import recommended_bundle, seed_templates  # noqa: E402
from decisions.domain import from_data  # noqa: E402
from decisions.scoring import rank  # noqa: E402
from decisions.seeding import default_criteria  # noqa: E402
from lab import realapps  # noqa: E402
from lab.serving import free_port, server_environment  # noqa: E402

ROUNDS = 5
SECONDS = 3
TOLERANCE = 0.2
# One Uvicorn worker serving Django's ASGI handler: a few hundred requests a second here (380 to 440 on
# 5 December 2026), few enough for a Python client on the other core to keep up.
FRAMEWORK = "django"
SERVER = "uvicorn"


def main() -> int:
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed: `make test` installs it")
        return 1
    with tempfile.TemporaryDirectory(prefix="serverwise-kit-") as scratch:
        folder = Path(scratch)
        app_beside_its_bundle(folder)
        print(f"{FRAMEWORK} under one {SERVER} worker, compare.py --seconds {SECONDS}, {ROUNDS} rounds")
        print(f"{'round':>5}  {'wrk req/s':>10}  {'built-in req/s':>14}  {'ratio':>6}")
        ratios = []
        for round_number in range(1, ROUNDS + 1):
            by_wrk = requests_per_second(folder, with_wrk=True)
            built_in = requests_per_second(folder, with_wrk=False)
            ratios.append(built_in / by_wrk)
            print(f"{round_number:>5}  {by_wrk:>10,.1f}  {built_in:>14,.1f}  {ratios[-1]:>6.2f}")
    ratio = statistics.median(ratios)
    verdict = "ok" if abs(ratio - 1) <= TOLERANCE else "FAIL"
    print(f"median ratio built-in / wrk: {ratio:.2f} (target within {TOLERANCE:.0%} of 1): {verdict}")
    return 0 if verdict == "ok" else 1


def app_beside_its_bundle(folder: Path) -> None:
    """The Django bundle's files, and Django's real app from startproject (wsgi.py and asgi.py) in `folder`."""
    answers = Answers(choices={"framework": FRAMEWORK}, cores=1, host="127.0.0.1", port=free_port())
    ranking = rank(answers.choices, from_data(default_criteria()))
    bundle = recommended_bundle(answers, ranking, seed_templates())
    for file in bundle.files:
        (folder / file.filename).parent.mkdir(parents=True, exist_ok=True)
        (folder / file.filename).write_text(file.content)
    realapps.build(f"django-{bundle.plan.interface}", folder, bundle.plan.app_path)


def requests_per_second(folder: Path, with_wrk: bool) -> float:
    environment = server_environment(folder)
    if not with_wrk:
        environment["PATH"] = os.path.dirname(sys.executable)  # the servers of this virtualenv, and no wrk
    finished = subprocess.run(
        [sys.executable, "compare.py", "--json", "--servers", SERVER, "--seconds", str(SECONDS)],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    (row,) = json.loads(finished.stdout)
    if row["errors"]:
        raise SystemExit(f"{row['errors']} errors: {finished.stderr}")
    return row["rps"]


if __name__ == "__main__":
    sys.exit(main())
