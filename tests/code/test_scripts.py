"""The scripts beside the site (scripts/), which no test runs whole: each still imports, in a process of its own
as when it is run, so a name moved in the modules they share with the tests breaks a test, not a later run."""

import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(path.stem for path in (BASE_DIR / "scripts").glob("*.py"))


def test_it_finds_the_scripts():
    assert {"benchmark", "compat_matrix", "measure_app_memory"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_it_imports_each_script(script):
    imported = subprocess.run(
        [sys.executable, "-c", f"import scripts.{script}"], cwd=BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert imported.returncode == 0, imported.stderr
