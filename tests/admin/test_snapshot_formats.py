"""Old snapshots keep loading: a snapshot frozen as the code writes it today, and one in the layout before
snapshots had a format, load and their pinned links render; adding a field to a criteria dataclass changes
nothing an old link shows. The frozen files are in tests/admin/snapshots/; refreeze() says how they are made."""

import json
import os
import re
from dataclasses import field, make_dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from decisions import domain, store
from decisions.domain import POSITION, SNAPSHOT_FORMAT, snapshot_criteria, snapshot_data
from decisions.models import CriteriaSnapshot
from decisions.scoring import rank, what_would_change

pytestmark = pytest.mark.django_db
SNAPSHOTS = Path(__file__).parent / "snapshots"
QUERY = "framework=fastapi&async=yes&realtime=websockets&deploy=kubernetes"
NUMBER = 1000  # the version the frozen snapshot is stored as: fixed, so its links name the same v every run
CREATED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)  # the snapshot's date, which the page shows
TODAY_AT = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
PAGES = {
    "format2.result.html": f"/recommend/?{QUERY}&v={NUMBER}",
    "format2.result.json": f"/recommend.json?{QUERY}&v={NUMBER}",
}
FORMAT_2_ADDED = {"servers": ("maturity_level", "first_release_year"), "effects": ("experimental",)}


@pytest.fixture(autouse=True)
def forgotten_snapshots():
    """Version NUMBER is a different snapshot in each test: the store must not keep it from one to the next."""
    store.forget()
    yield
    store.forget()


def frozen(name: str) -> dict:
    return json.loads((SNAPSHOTS / name).read_text())


def format_1(data: dict) -> dict:
    """A format 2 snapshot in the layout snapshot_data() wrote before formats (git show 536ce88:decisions/domain.py):
    no format or tie rule, servers without maturity_level and first_release_year, effects without experimental."""

    def without(row: dict, names: tuple[str, ...]) -> dict:
        return {name: value for name, value in row.items() if name not in names}

    def option(o: dict) -> dict:
        return o | {"effects": {slug: without(e, FORMAT_2_ADDED["effects"]) for slug, e in o["effects"].items()}}

    questions = [q | {"options": [option(o) for o in q["options"]]} for q in data["questions"]]
    return {
        "servers": [without(row, FORMAT_2_ADDED["servers"]) for row in data["servers"]],
        "questions": questions,
        "templates": data["templates"],
    }


def pin(monkeypatch, data: dict) -> None:
    """Stores `data` as version NUMBER of a fixed date. A pinned page also names today's version and its date, and
    compares today's criteria with its own; the seed may change today's, so today's criteria are the same snapshot
    as version NUMBER + 1 of a fixed date: the frozen page depends on the snapshot and the code alone."""
    CriteriaSnapshot.objects.create(number=NUMBER, created_at=CREATED_AT, by="test", summary="frozen", data=data)
    today = replace(CriteriaSnapshot.objects.get(number=NUMBER).frozen()[0], version=NUMBER + 1, changed_at=TODAY_AT)
    monkeypatch.setattr(store, "current", lambda stamp=None: today)


def unhashed(content: bytes) -> bytes:
    """The static files' names without their content hash (site.38e1c5d8b8c1.css -> site.css): a stylesheet edit
    renames them, and is no change to what a pinned link shows."""
    return re.sub(rb"(/static/[^\"' ]+)\.[0-9a-f]{12}(\.\w+)", rb"\1\2", content)


def rendered(client) -> dict[str, bytes]:
    responses = {name: client.get(url) for name, url in PAGES.items()}
    assert [response.status_code for response in responses.values()] == [200, 200]
    return {name: unhashed(response.content) for name, response in responses.items()}


def refreeze(client, monkeypatch) -> None:
    """SERVERWISE_REFREEZE=1 pytest tests/admin/test_snapshot_formats.py rewrites the frozen pages, then review the
    diff: the result page and the JSON as the frozen format 2 snapshot's pinned link renders them now, after a
    deliberate change to what a result shows. A snapshot is written only when missing, as an old one stays as it
    was written: format2.json as snapshot_data() writes today's seeded criteria, format1.json the same data in
    the layout before formats."""
    if not (SNAPSHOTS / "format2.json").exists():
        criteria = store.current()
        data = snapshot_data(criteria, store.current_templates(criteria))
        assert data["format"] == 2, "format2.json holds a format 2 snapshot: name a newer one after its format"
        SNAPSHOTS.mkdir(exist_ok=True)
        for name, content in {"format2.json": data, "format1.json": format_1(data)}.items():
            (SNAPSHOTS / name).write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n")
    with monkeypatch.context() as pinned:
        pin(pinned, frozen("format2.json"))
        for name, content in rendered(client).items():
            (SNAPSHOTS / name).write_bytes(content)
    CriteriaSnapshot.objects.filter(number=NUMBER).delete()
    store.forget()


def test_it_renders_a_frozen_format_2_snapshot_s_pinned_link_byte_identically(client, monkeypatch):
    if os.environ.get("SERVERWISE_REFREEZE") == "1":
        refreeze(client, monkeypatch)
    data = frozen("format2.json")
    assert data["format"] == 2 and data["tie_rule"] == "maturity"
    pin(monkeypatch, data)
    assert rendered(client) == {name: (SNAPSHOTS / name).read_bytes() for name in PAGES}


@pytest.mark.parametrize("name", ["ServerInfo", "OptionInfo", "EffectInfo"])
def test_it_renders_the_old_snapshot_the_same_after_a_criteria_dataclass_gains_a_field(client, monkeypatch, name):
    grown = make_dataclass(
        name, [("added_later", str, field(default="new"))], bases=(getattr(domain, name),), frozen=True
    )
    monkeypatch.setattr(domain, name, grown)
    pin(monkeypatch, frozen("format2.json"))
    criteria, _ = store.version(NUMBER)
    loaded = {
        "ServerInfo": criteria.servers[0],
        "OptionInfo": criteria.questions[0].options[0],
        "EffectInfo": next(e for q in criteria.questions for o in q.options for e in o.effects.values()),
    }[name]
    assert type(loaded) is grown and loaded.added_later == "new"  # the snapshot loaded into the grown class
    assert rendered(client) == {name: (SNAPSHOTS / name).read_bytes() for name in PAGES}


def test_it_loads_a_format_1_snapshot_that_breaks_ties_by_position(client, monkeypatch):
    data = frozen("format1.json")
    assert data == format_1(frozen("format2.json"))  # the same criteria, in the layout before formats
    pin(monkeypatch, data)
    criteria, templates = store.version(NUMBER)
    assert criteria.tie_rule == POSITION and len(templates) == len(data["templates"])
    # Empty answers tie every server at +0. By position: Gunicorn, Uvicorn, ... The maturity rule would see
    # format 1's placeholder facts, equal for all, and order them by slug: Granian first.
    assert [result.server.slug for result in rank({}, criteria).results] == [
        "gunicorn",
        "uvicorn",
        "hypercorn",
        "granian",
        "uwsgi",
    ]
    tie_break = "Gunicorn was listed before Uvicorn in this version of the criteria."
    assert what_would_change({}, criteria).tie_break == tie_break
    response = client.get(f"/recommend/?v={NUMBER}")
    assert response.status_code == 200 and tie_break in response.content.decode()
    assert client.get(f"/recommend/?{QUERY}&v={NUMBER}").status_code == 200


def test_it_refuses_a_snapshot_of_a_newer_format_by_name():
    newer = frozen("format2.json") | {"format": SNAPSHOT_FORMAT + 1}
    message = f"Snapshot format {SNAPSHOT_FORMAT + 1} is newer than the newest this code reads, {SNAPSHOT_FORMAT}."
    with pytest.raises(ValueError, match=re.escape(message)):
        snapshot_criteria(newer, NUMBER, CREATED_AT)
