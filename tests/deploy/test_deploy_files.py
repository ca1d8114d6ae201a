"""The site's own deploy files pass the real tools, as every starter config does (tests/deploy/test_instances.py
runs them)."""

from pathlib import Path

import pytest

from decisions.configs.validate import validate

pytestmark = pytest.mark.slow  # runs the real tools that read the files

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.mark.parametrize("name", sorted(path.name for path in DEPLOY.iterdir()))
def test_it_passes_the_validators_of_the_starter_configs(name):
    verdict = validate(name, (DEPLOY / name).read_text())
    assert verdict.ok and verdict.tool != "none", verdict.messages
