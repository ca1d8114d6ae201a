"""The site's own deploy/gunicorn.conf.py: Gunicorn accepts it, and it sizes workers to the cores without recycling."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the real tools that read the files

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "gunicorn.conf.py"


def read_settings() -> dict:
    settings: dict = {}
    exec(CONF.read_text(), settings)
    return settings


def test_gunicorn_accepts_it():
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = os.environ | {"HOST": "127.0.0.1", "PORT": "8000"}
    subprocess.run([gunicorn, "-c", CONF, "--check-config"], cwd=ROOT, env=env, check=True, timeout=60)


def test_it_runs_a_sync_worker_per_core_unless_told(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert read_settings()["workers"] == os.process_cpu_count()
    monkeypatch.setenv("WEB_CONCURRENCY", "7")
    assert read_settings()["workers"] == 7


def test_it_recycles_no_worker_and_preloads_the_app():
    settings = read_settings()
    assert settings["max_requests"] == 0 and settings["preload_app"] is True and settings["worker_class"] == "sync"
