"""Does a second run of `make measure` reproduce the first? `make measure-compare FIRST=... SECOND=...`

    .venv/bin/python scripts/compare_measurements.py FIRST.json SECOND.json

For every cell both runs measured, prints the first run's ratio to its baseline with its spread (min-max over the
rounds) and the second run's ratio; a ratio is reproduced when the second's median lies within the first's spread.
Then how many would be, were the two runs' rounds draws of one distribution (decisions.measured.chance_of_reproducing):
a min-max over a few rounds misses a second run's median now and then even so. Exits 1 when any is not reproduced.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from decisions.measured import chance_of_reproducing, parse_run, reproductions, times  # noqa: E402


def main(first_path: Path, second_path: Path) -> int:
    first, second = (parse_run(json.loads(path.read_text())) for path in (first_path, second_path))
    found = reproductions(first, second)
    print(f"{'framework':10} {'workload':9} {'setup':32} {'first run':24} {'second run':24} reproduced")
    for row in found:
        mark = "yes" if row.reproduced else "NO"
        print(f"{row.framework:10} {row.workload:9} {row.setup:32} {times(row.first):24} {times(row.second):24} {mark}")
    missed = [row for row in found if not row.reproduced]
    print(f"{len(found) - len(missed)} of {len(found)} ratios reproduced within the first run's spread.")
    rated = [row for row in found if row.second.rounds % 2]
    if rated:
        expected = sum(chance_of_reproducing(row.first.rounds, row.second.rounds) for row in rated)
        print(
            f"Were both runs' rounds draws of one distribution, about {expected:.0f} of those {len(rated)} would be"
            f" ({expected / len(rated):.0%}): the runs differ by more than their rounds do where far fewer are."
        )
    return 1 if missed or not found else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
