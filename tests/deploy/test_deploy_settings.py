"""The deploying doc's production environment passes Django's deployment checks, warnings included."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.instances import readme_environment

BASE_DIR = Path(__file__).resolve().parents[2]


def check_deploy(environment: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=clean | environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_check_deploy_with_the_readmes_production_environment():
    result = check_deploy(readme_environment() | {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_fails_check_deploy_until_the_secret_is_replaced():
    result = check_deploy(readme_environment())
    assert result.returncode == 1 and "security.W009" in result.stderr


@pytest.mark.parametrize(
    ("left_out", "warning"),
    [
        ("DJANGO_HSTS_SECONDS", "security.W004"),
        ("DJANGO_SSL_REDIRECT", "security.W008"),
        ("DJANGO_HSTS_INCLUDE_SUBDOMAINS", "security.W005"),
        ("DJANGO_SECURE_COOKIES", "security.W012"),
    ],
)
def test_it_warns_when_a_production_setting_is_left_out(left_out, warning):
    environment = readme_environment() | {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    del environment[left_out]
    result = check_deploy(environment)
    assert result.returncode == 1 and warning in result.stderr


@pytest.mark.parametrize(
    ("redis_url", "backend"),
    [("", "LocMemCache"), ("redis://127.0.0.1:6379/0", "ForgivingRedisCache")],
)
def test_it_shares_the_cache_in_redis_only_when_given_redis_url(redis_url, backend):
    clean = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.core.cache import caches;"
            " print(type(caches['default']).__name__)",
        ],
        cwd=BASE_DIR,
        env=clean | {"REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "guide.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == backend, result.stderr


def test_the_deploying_doc_lists_every_variable_the_settings_read():
    read = set(re.findall(r'env(?:bool|int|list)\("([A-Z_]+)"', (BASE_DIR / "guide" / "settings.py").read_text()))
    table = (BASE_DIR / "docs" / "deploying.md").read_text().split("## Deploy it", 1)[0]
    assert read and {name for name in read if f"`{name}`" not in table} == set()
