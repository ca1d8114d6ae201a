"""Every file of the corpus (real files from public repositories, tests/importing/corpus/manifest.toml) is read
without a problem, into the answers and settings a careful reader took from it by hand. Pure: no Django."""

import tomllib
from pathlib import Path

import pytest

from decisions.setups import SETTING_KEYS, read_setup

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text())["files"]


def canonical(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_it_reads_each_corpus_file_as_a_careful_reader_does(name):
    expected = MANIFEST[name]
    path = CORPUS / name
    reading = read_setup([(path.name, path.read_bytes())])

    assert reading.problems == ()
    assert reading.answers == expected["answers"]
    assert sorted((s.key, canonical(s.value)) for s in reading.settings) == sorted(
        (key, canonical(value)) for key, value in expected["settings"]
    )
    assert sorted({c.name for c in reading.computed} & set(expected["computed"])) == sorted(expected["computed"])
    assert set(reading.sources) == set(reading.answers)


def test_it_holds_at_least_forty_files_of_every_kind_the_issue_names():
    on_disk = {path.relative_to(CORPUS).as_posix() for path in CORPUS.rglob("*") if path.name != "manifest.toml"}
    on_disk = {name for name in on_disk if (CORPUS / name).is_file()}
    assert on_disk == set(MANIFEST)
    names = [Path(name).name.lower() for name in MANIFEST]
    assert len(names) >= 40
    for kind in ("uwsgi", "gunicorn", "procfile", "dockerfile", ".service", "hypercorn", "requirements", "pyproject"):
        assert any(kind in name for name in names), kind
    assert any(entry["computed"] for entry in MANIFEST.values() if "gunicorn" in entry["path"])
    assert all(entry["repository"] and len(entry["commit"]) == 40 for entry in MANIFEST.values())


def test_it_only_expects_canonical_settings():
    assert {key for entry in MANIFEST.values() for key, _ in entry["settings"]} <= set(SETTING_KEYS)


def test_it_reads_files_together_the_server_from_the_command_and_the_framework_from_the_dependencies():
    files = [
        (Path(name).name, (CORPUS / name).read_bytes())
        for name in ("alies7790__smart_video_door_phone/Procfile", "alies7790__smart_video_door_phone/requirements.txt")
    ]
    reading = read_setup(files)
    assert reading.answers == {
        "current": "gunicorn",
        "app": "smart_video_door_phone.asgi:application",
        "async": "yes",
        "framework": "django",
        "realtime": "websockets",
    }
    assert reading.explain("async") == 'async: from "-k uvicorn.workers.UvicornWorker" (Procfile line 5)'
    assert str(reading.sources["realtime"]) == 'from "channels==3.0.4" (requirements.txt line 8)'
