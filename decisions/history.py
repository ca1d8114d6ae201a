"""What one version of the criteria changed from the one before, in short lines a person reads. Pure functions."""

from collections.abc import Sequence
from datetime import datetime

from decisions.domain import (
    MATURITY,
    POSITION,
    Criteria,
    EffectInfo,
    OptionInfo,
    QuestionInfo,
    ServerInfo,
    TemplateInfo,
)

FIRST_VERSION = "The criteria as first recorded."
TIE_RULES = {
    MATURITY: "experimental features, then maturity, then the first release, no longer by the servers' position",
    POSITION: "the servers' position",
}
SUMMARY_LINES = 3

Version = tuple[Criteria, tuple[TemplateInfo, ...]]


def criteria_changes(old: Version, new: Version) -> list[str]:
    """Each difference between two versions, servers first, then scoring, then templates; [] when they are equal."""
    (old_criteria, old_templates), (new_criteria, new_templates) = old, new
    names = {s.slug: s.name for s in old_criteria.servers} | {s.slug: s.name for s in new_criteria.servers}
    lines = _keyed_changes("Server", _by(old_criteria.servers), _by(new_criteria.servers), _server_label, _fields)
    lines += _keyed_changes("Question", _by(old_criteria.questions), _by(new_criteria.questions), _text, _fields)
    for question in new_criteria.questions:
        before = old_criteria.question(question.slug)
        if before is not None:
            lines += _option_changes(before, question, names)
    lines += _keyed_changes(
        "Config template", _templates(old_templates), _templates(new_templates), _template_label, _fields
    )
    if old_criteria.tie_rule != new_criteria.tie_rule:
        lines.append(f"Ties on points are now broken by {TIE_RULES[new_criteria.tie_rule]}.")
    if not lines and (old_criteria.servers, old_criteria.questions, old_templates) != (
        new_criteria.servers,
        new_criteria.questions,
        new_templates,
    ):
        lines.append("The order of servers, questions or templates changed.")
    return lines


def measurements_change(started_at: datetime, host: str, quick: bool) -> str:
    """The line of a version that shows a new run of `make measure`."""
    run = "quick run" if quick else "run"
    return f"Measured speed: the pages now show the {run} of `make measure` of {started_at:%-d %b %Y} on {host}."


def summary(lines: Sequence[str]) -> str:
    """The first few lines of a change, and how many more there are."""
    shown = "; ".join(lines[:SUMMARY_LINES])
    more = len(lines) - SUMMARY_LINES
    return f"{shown}; and {more} more change{'s' if more > 1 else ''}" if more > 0 else shown


def _by(items) -> dict:
    return {item.slug: item for item in items}


def _templates(templates: Sequence[TemplateInfo]) -> dict:
    return {(t.filename, t.servers, t.deploys): t for t in templates}


def _server_label(server: ServerInfo) -> str:
    return server.name


def _text(question: QuestionInfo) -> str:
    return f"“{question.text}”"


def _template_label(template: TemplateInfo) -> str:
    scope = ", ".join(template.servers) or "every server"
    return f"{template.filename} ({scope}{', ' + ', '.join(template.deploys) if template.deploys else ''})"


def _fields(old, new, ignore: tuple[str, ...] = ("options",)) -> list[str]:
    return [
        name for name in old.__dataclass_fields__ if name not in ignore and getattr(old, name) != getattr(new, name)
    ]


def _keyed_changes(kind: str, old: dict, new: dict, label, changed_fields) -> list[str]:
    lines = [f"{kind} added: {label(item)}" for key, item in new.items() if key not in old]
    lines += [f"{kind} removed: {label(item)}" for key, item in old.items() if key not in new]
    for key, item in new.items():
        if key in old and (fields := changed_fields(old[key], item)):
            lines.append(f"{label(item)}: {', '.join(field.replace('_', ' ') for field in fields)} changed")
    return lines


def _option_changes(old: QuestionInfo, new: QuestionInfo, names: dict[str, str]) -> list[str]:
    lines = _keyed_changes("Option", _by(old.options), _by(new.options), _option_label(new), _fields_of_option)
    for option in new.options:
        before = old.option(option.slug)
        if before is None:
            continue
        for server in dict.fromkeys([*before.effects, *option.effects]):
            change = _effect_change(before.effects.get(server), option.effects.get(server))
            if change:
                lines.append(f"{names.get(server, server)}: {option.label} ({new.slug}) {change}")
    return lines


def _option_label(question: QuestionInfo):
    def label(option: OptionInfo) -> str:
        return f"{option.label} ({question.slug})"

    return label


def _fields_of_option(old: OptionInfo, new: OptionInfo) -> list[str]:
    return _fields(old, new, ignore=("effects",))


def _effect_change(old: EffectInfo | None, new: EffectInfo | None) -> str:
    """E.g. "points +2 → -1, reason reworded", "now rules it out"; "" when unchanged."""
    old = old or EffectInfo(0, False, "")
    new = new or EffectInfo(0, False, "")
    if old.excluded != new.excluded:
        return "now rules it out" if new.excluded else "no longer rules it out"
    parts = [f"points {old.points:+d} → {new.points:+d}"] if old.points != new.points else []
    if old.experimental != new.experimental:
        parts.append("now needs an experimental feature" if new.experimental else "no longer experimental")
    return ", ".join(parts + (["reason reworded"] if old.reason != new.reason else []))
