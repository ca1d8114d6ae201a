"""The pages' repeated parts, written in Python: the questionnaire's questions and their field errors; on the
result, the ranking with its reasons, the links to a changed answer, the memory table and chart, the start
command and the starter files.

A never-seen answer set repeats these shapes dozens of times. As template nodes (about 300 variables and 20
loops on a result, 400 more variables in the questionnaire) they made the result page's template cost 1.77 ms
and the answered home page's 3.0 ms; as f-strings 0.73 and 1.0 ms, for the same HTML (issue 11). Every value
goes through `_escape`, which escapes as the template engine does, and a reason's markup, which depends only on
the criteria, is built once per distinct reason.
"""

import functools
import html
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.safestring import SafeData, SafeString, mark_safe

from decisions.charts import MemoryChart
from decisions.configs.plan import ServerPlan
from decisions.domain import OptionInfo
from decisions.scoring import Change, Reason, ServerResult

register = template.Library()
REASONS_KEPT = 2048  # distinct reasons across the criteria versions in use: a few hundred each


def _escape(value: object) -> str:
    """As Django's conditional_escape, without its check for lazy strings, which costs more than the escaping."""
    return value if isinstance(value, SafeData) else html.escape(str(value))


@register.simple_tag
def reason_items(reasons: Iterable[Reason]) -> SafeString:
    """The `<li>` of each reason that moves a server's score, with its points."""
    return mark_safe("".join(_reason_item(reason) for reason in reasons))


@register.simple_tag
def exclusion_items(reasons: Iterable[Reason]) -> SafeString:
    """The `<li>` of each reason that rules a server out."""
    return mark_safe("".join(_exclusion_item(reason) for reason in reasons))


def _reason_body(reason: Reason) -> str:
    label, question, text = _escape(reason.option_label), _escape(reason.question_text), _escape(reason.text)
    return f'<span><strong>{label}</strong> <span class="muted">({question})</span><br>{text}</span>'


@functools.lru_cache(maxsize=REASONS_KEPT)
def _reason_item(reason: Reason) -> str:
    sign = "plus" if reason.points > 0 else "minus" if reason.points < 0 else ""
    return f'<li><span class="points {sign}">{reason.points:+d}</span>{_reason_body(reason)}</li>'


@functools.lru_cache(maxsize=REASONS_KEPT)
def _exclusion_item(reason: Reason) -> str:
    return f'<li><span class="points minus">✕</span>{_reason_body(reason)}</li>'


@register.simple_tag
def ranking_items(results: Iterable[ServerResult]) -> SafeString:
    """Every server in ranking order, the first one open: its score or "ruled out", and its reasons."""
    return mark_safe("".join(_ranking_item(result, first=index == 0) for index, result in enumerate(results)))


def _ranking_item(result: ServerResult, first: bool) -> str:
    name = _escape(result.server.name)
    standing = (
        f'<span class="score">{result.score:+d}</span>' if result.eligible else '<span class="badge">ruled out</span>'
    )
    reasons = ""
    if result.excluded_because:
        reasons += f'<ul class="reasons">{exclusion_items(result.excluded_because)}</ul>'
    if result.reasons:
        reasons += f'<ul class="reasons">{reason_items(result.reasons)}</ul>'
    elif not result.excluded_because:
        reasons += f'<p class="muted">None of your answers moves {name} up or down.</p>'
    return (
        f'<li class="ranking-item{"" if result.eligible else " ruled-out"}"><details{" open" if first else ""}>'
        f'<summary><span class="server-name">{name}</span> {standing}</summary>{reasons}</details></li>'
    )


@register.simple_tag
def change_groups(links: Sequence[tuple[Change, str]]) -> SafeString:
    """What would change the answer, one `<div>` per question: a link to each changed result, with the server."""
    groups: dict[str, tuple[str, list[str]]] = {}
    for change, url in links:
        item = f'<li><a href="{_escape(url)}">{_change_text(change)}</a></li>'
        groups.setdefault(change.question, (change.question_text, []))[1].append(item)
    return mark_safe(
        "".join(
            f"<div><dt>{_escape(text)}</dt><dd><ul>{''.join(items)}</ul></dd></div>" for text, items in groups.values()
        )
    )


def _change_text(change: Change) -> str:
    answer = f"answered <strong>{_escape(change.option_label)}</strong>" if change.option else "left it unanswered"
    server = _escape(change.recommended.name) if change.recommended else "no server fits"
    return f"If you {answer}: {server}"


@register.simple_tag
def memory_rows(plans: Sequence[ServerPlan], recommended_slug: str) -> SafeString:
    """The memory table's body: each server's figures per worker and for the user's worker count."""
    return mark_safe("".join(_memory_row(plan, plan.server.slug == recommended_slug) for plan in plans))


def _memory_row(plan: ServerPlan, recommended: bool) -> str:
    server = plan.server
    if plan.memory_pss_mib == server.memory_pss_mib:
        measured = f'<span class="muted">({_escape(server.memory_rss_mib)} / {_escape(server.memory_uss_mib)})</span>'
    else:
        measured = f'<span class="muted">(worker class {_escape(plan.worker_class)})</span>'
    total = plan.measured_pss_mib.quantize(Decimal(1), ROUND_HALF_UP)
    return (
        f"<tr{' class="highlight"' if recommended else ''}>"
        f'<th scope="row">{_escape(server.name)}</th>'
        f"<td>~{_escape(server.memory_article_mib)} MB</td>"
        f"<td>{_escape(plan.memory_pss_mib)} MiB {measured}</td>"
        f'<td>{plan.workers} {_escape(plan.model)} <span class="muted">({_escape(plan.rule)})</span></td>'
        f'<td>~{total} MiB measured<br><span class="muted">~{plan.article_mib} MB by the article</span></td>'
        "</tr>"
    )


@register.simple_tag
def chart_rows(chart: MemoryChart) -> SafeString:
    """The memory chart's bars, a `<g>` per server: measured PSS and the article's figure."""
    return mark_safe(
        "".join(
            f'<g transform="translate(0 {row.top})" class="chart-row{" recommended" if row.recommended else ""}">'
            f'<text x="0" y="15" class="chart-label">{_escape(row.name)}</text>'
            f'<rect x="0" y="24" width="{row.measured_percent}%" height="12" rx="3" class="bar-measured"></rect>'
            f'<text x="{row.measured_percent}%" dx="6" y="34" class="chart-value">{row.measured_mib} MiB</text>'
            f'<rect x="0" y="40" width="{row.article_percent}%" height="12" rx="3" class="bar-article"></rect>'
            f'<text x="{row.article_percent}%" dx="6" y="50" class="chart-value">{row.article_mb} MB</text>'
            "</g>"
            for row in chart.rows
        )
    )


@register.simple_tag
def chart_description(chart: MemoryChart) -> str:
    """The chart's figures in words, for its `<desc>`: "Gunicorn 50 MiB measured, 40 MB by the article; ..."."""
    rows = [f"{row.name} {row.measured_mib} MiB measured, {row.article_mb} MB by the article" for row in chart.rows]
    return f" {'; '.join(rows)}." if rows else ""


@register.simple_tag
def command_words(words: Iterable[str]) -> SafeString:
    """The start command a word per `<span>`, so that it wraps between words and never inside --an-option."""
    return mark_safe(" ".join(f"<span>{_escape(word)}</span>" for word in words))


@register.simple_tag
def config_files(configs: Iterable[dict]) -> SafeString:
    """Each starter file, the first one open: its name, download and copy buttons, and its text."""
    return mark_safe("".join(_config_file(number, file) for number, file in enumerate(configs, start=1)))


def _config_file(number: int, file: dict) -> str:
    name = _escape(file["filename"])
    return (
        f'<details class="config-file"{" open" if number == 1 else ""}><summary><code>{name}</code></summary>'
        '<div class="config-actions">'
        f'<a class="button" href="{_escape(file["url"])}" download="{name}">'
        f'Download <span class="visually-hidden">{name}</span></a>'
        f'<button type="button" class="button" data-copy="#config-{number}" hidden>'
        f'Copy <span class="visually-hidden">{name}</span></button>'
        '<span class="copy-status" role="status"></span>'
        "</div>"
        f'<pre class="config-pre" tabindex="0" role="region" aria-label="{name}">'
        f'<code id="config-{number}">{_escape(file["content"])}</code></pre>'
        "</details>"
    )


@register.simple_tag
def question_fieldset(field: dict, number: int) -> SafeString:
    """One question of the questionnaire: its options as radio buttons, the chosen one checked, then "skip"."""
    question, chosen = field["question"], field["chosen"]
    slug = _escape(question.slug)
    described, help_text = "", ""
    if question.help_text:
        described = f' aria-describedby="help-{slug}"'
        help_text = f'<p class="help" id="help-{slug}">{_escape(question.help_text)}</p>'
    options = "".join(_option(slug, option, option.slug == chosen) for option in question.options)
    return mark_safe(
        f'<fieldset class="question" id="field-{slug}"{described}>'
        f'<legend><span class="question-number" aria-hidden="true">{number}</span> {_escape(question.text)}</legend>'
        f"{help_text}{field_error(field)}"
        f'<div class="options">{options}'
        f'<label class="option option-skip" for="q-{slug}-skip">'
        f'<input type="radio" id="q-{slug}-skip" name="{slug}" value=""{"" if chosen else " checked"}>'
        "<span>Not sure / skip</span></label>"
        "</div></fieldset>"
    )


def _option(question_slug: str, option: OptionInfo, checked: bool) -> str:
    slug = _escape(option.slug)
    help_text = f" <small>{_escape(option.help_text)}</small>" if option.help_text else ""
    return (
        f'<label class="option" for="q-{question_slug}-{slug}">'
        f'<input type="radio" id="q-{question_slug}-{slug}" name="{question_slug}" value="{slug}"'
        f"{' checked' if checked else ''}> <span>{_escape(option.label)}{help_text}</span></label>"
    )


@register.simple_tag
def field_error(field: dict, out_of_band: bool = False) -> SafeString:
    """A field's error message, or an empty paragraph that htmx fills or clears out of band."""
    message = _escape(field["error"].message) if field["error"] else ""
    swap = ' data-hx-swap-oob="true"' if out_of_band else ""
    return mark_safe(f'<p class="field-error" id="error-{_escape(field["name"])}"{swap}>{message}</p>')
