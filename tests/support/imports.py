"""The corpus of real setup files (tests/importing/corpus/, its manifest), and a setup imported through the site as
a visitor imports it."""

import tomllib
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "importing" / "corpus"
MANIFEST: dict[str, dict] = tomllib.loads((CORPUS / "manifest.toml").read_text())["files"]
UWSGI_INI = "healthchecks__healthchecks/docker/uwsgi.ini"  # harakiri and buffer-size carried, module read
PROCFILE = "alies7790__smart_video_door_phone/Procfile"  # read with its requirements.txt: Django, Channels
REQUIREMENTS = "alies7790__smart_video_door_phone/requirements.txt"
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}  # what a browser sends with a form posted from the site itself


def corpus_text(name: str) -> str:
    return (CORPUS / name).read_text()


def imported_page(client, **data):
    """Posts the import form as a browser on the site does and follows its 303: (the redirect, the page)."""
    redirect = client.post("/import/", data, headers=SAME_SITE)
    assert redirect.status_code == 303, redirect.content.decode()[:2000]
    return redirect, client.get(redirect["Location"])
