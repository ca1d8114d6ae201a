"""Thin views: parse the answers, rank, and render the page, the htmx partial, the JSON, a config file or the zip."""

import functools
import io
import shlex
import zipfile
from dataclasses import replace
from typing import NamedTuple

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.csrf import csrf_failure
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import replace_url
from django_htmx.middleware import HtmxDetails

from decisions import store
from decisions.answers import ENV, MIGRATED_FROM, STATIC, Answers, Carried
from decisions.appmodel import app_model
from decisions.caching import ResponseKey, criteria_stamp, keyed, response_key
from decisions.charts import memory_chart, speed_chart
from decisions.configs.plan import ServerPlan, bind_address, plan_for
from decisions.configs.render import Bundle, ConfigError, recommended_bundle, render_bundle
from decisions.contract import FRAMEWORK
from decisions.decision_record import DecisionRecord, decision_record
from decisions.domain import Criteria, TemplateInfo
from decisions.forms import (
    CARRIED_PARAMETERS,
    KIND_CHOICES,
    PARAMETERS,
    FieldError,
    ImportForm,
    questionnaire_form,
    read_import,
    read_questionnaire,
)
from decisions.imported import from_this_site, remember, shown_on
from decisions.measured import (
    CellFigures,
    Spread,
    claim_checks,
    first_anchor,
    for_servers,
    group_anchor,
    groups,
    workloads_for,
)
from decisions.scoring import Change, Ranking, Sensitivity, compare_versions, rank, what_would_change
from decisions.setups import MAX_FILES, NotCarried
from decisions.setups.report import reading_data
from decisions.setups.share import share_query
from decisions.sharing import share_description, share_title

# A longer file (compare.py) is offered for download only: inline, it would outweigh the rest of the page.
PREVIEW_CHARACTERS = 8_000


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    parsed: "Parsed"


class Parsed(NamedTuple):
    """A request's criteria and answers, worked out once: `errors` holds the field errors of bad input. `criteria`
    are the version the link pins (v), with its `templates`, or else `current`, whose templates the store holds."""

    criteria: Criteria
    answers: Answers
    errors: dict[str, FieldError]
    current: Criteria
    templates: tuple[TemplateInfo, ...] | None


def _parse(request: HttpRequest) -> Parsed:
    """The criteria the link pins, or those at the version the request's key read, and the answers: once per
    request (kept on it), for the key and the view alike."""
    if not hasattr(request, "parsed"):
        current = store.current(criteria_stamp(request))
        form = read_questionnaire(request.GET, current=current)
        errors = {} if form.is_valid() else form.field_errors()
        criteria, templates = form.pinned() or (current, None)
        request.parsed = Parsed(criteria, form.answers(), errors, current, templates)
    return request.parsed


def _pinned(request: HttpRequest) -> bool:
    """The link names its criteria version (v), the current one or an older one."""
    return "v" in request.GET and not _parse(request).errors


def _templates(parsed: Parsed) -> tuple[TemplateInfo, ...]:
    return parsed.templates if parsed.templates is not None else store.current_templates(parsed.criteria)


def _page_key(request: HttpRequest, vary: tuple[str, ...]) -> ResponseKey:
    """A page or the JSON: ranked with the criteria the link pins, and naming the current ones (a pinned link's
    notice says when newer ones exist)."""
    return _result_key(request, vary, names_current=True)


def _download_key(request: HttpRequest, vary: tuple[str, ...]) -> ResponseKey:
    """A file holds no notice: pinned, it never changes while newer versions appear."""
    return _result_key(request, vary, names_current=False)


def _result_key(request: HttpRequest, vary: tuple[str, ...], names_current: bool) -> ResponseKey:
    parsed = _parse(request)
    query = (
        "invalid:" + request.GET.urlencode()
        if parsed.errors
        else parsed.answers.query_string(parsed.criteria.questions)
    )
    return response_key(
        request,
        criteria=parsed.criteria,
        current=parsed.current if names_current else None,
        pinned=_pinned(request),
        query=query,
        vary=vary,
    )


def result_context(request: HttpRequest, parsed: Parsed) -> dict:
    criteria, answers = parsed.criteria, parsed.answers
    sensitivity = what_would_change(answers.choices, criteria)
    ranking = sensitivity.ranking
    query = answers.pinned_query(criteria)
    recommended = ranking.recommended
    permalink = _permalink(request, query)
    plans = [plan_for(result.server, answers) for result in ranking.results]
    return (
        {
            "criteria": criteria,
            "answers": answers,
            "query": query,
            "ranking": ranking,
            "recommended": recommended,
            "answered": _answered(criteria, answers),
            "memory": plans,
            "memory_chart": memory_chart(plans, recommended.server.slug if recommended else None),
            "share_title": share_title(ranking, answers, criteria),
            "share_description": share_description(ranking),
            "permalink": permalink,
            "plan": plans[0] if recommended else None,
            "sensitivity": sensitivity,
            "change_groups": _change_groups(criteria, answers, sensitivity),
        }
        | _configs_context(parsed, ranking, plans[0] if recommended else None, query, permalink)
        | _outdated_context(request, parsed)
        | {"measured": measured_for_answers(criteria, answers, ranking, _pinned(request))}
    )


def _outdated_context(request: HttpRequest, parsed: Parsed) -> dict:
    """For a link pinned to an older version: today's result for the same answers, and what differs."""
    if parsed.criteria is parsed.current:
        return {"outdated": None}
    outdated = compare_versions(parsed.answers.choices, parsed.criteria, parsed.current)
    today = replace(parsed.answers, choices=outdated.choices)
    return {
        "outdated": outdated,
        "current_criteria": parsed.current,
        "current_url": _permalink(request, today.pinned_query(parsed.current)),
    }


def _configs_context(parsed: Parsed, ranking: Ranking, plan: ServerPlan | None, query: str, permalink: str) -> dict:
    """The recommended server's starter configs and their links; a template that fails becomes a message."""
    ctx = {
        "configs": [],
        "configs_error": "",
        "bundle_url": "",
        "decision_record_url": "",
        "start_command": "",
        "start_command_words": [],
    }
    if plan is None:
        return ctx
    try:
        files = render_bundle(plan, ranking, _templates(parsed), permalink)
    except ConfigError as error:
        return ctx | {"configs_error": str(error)}
    configs = [
        {
            "filename": f.filename,
            "content": f.content if len(f.content) <= PREVIEW_CHARACTERS else "",
            "kilobytes": round(len(f.content.encode()) / 1000),
            "url": _with_query(_path("config-file", f.filename), query),
        }
        for f in files
    ]
    return ctx | {
        "configs": configs,
        "bundle_url": _with_query(_path("config-bundle"), query),
        "decision_record_url": _with_query(_path("decision-record"), query),
        "start_command": plan.start_command,
        # The page shows the command word by word, so it wraps between words and never inside --an-option.
        "start_command_words": [shlex.quote(word) for word in plan.argv],
    }


def _change_groups(
    criteria: Criteria, answers: Answers, sensitivity: Sensitivity
) -> list[tuple[str, list[tuple[Change, str]]]]:
    """Each answer that would change the recommendation, with the link to that result, grouped by question (its
    text first) in the order the questions first appear."""
    path = _path("result")
    groups: dict[str, tuple[str, list[tuple[Change, str]]]] = {}
    for change in sensitivity.changes:
        link = _with_query(path, answers.changed(change).pinned_query(criteria))
        groups.setdefault(change.question, (change.question_text, []))[1].append((change, link))
    return list(groups.values())


def _path(name: str, *args: str) -> str:
    return _reversed(get_script_prefix(), name, args)


@functools.lru_cache(maxsize=128)
def _reversed(script_prefix: str, name: str, args: tuple[str, ...]) -> str:
    """reverse() once per script prefix for the few paths the views link to: a result links to a dozen, and each
    reverse() walks the URL resolver (docs/caching.md has what it saves)."""
    return reverse(name, args=args)


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def _permalink(request: HttpRequest, query: str) -> str:
    return request.build_absolute_uri(_with_query(_path("result"), query))


def _answered(criteria: Criteria, answers: Answers) -> list[tuple]:
    answered = []
    for question in criteria.questions:
        option = question.option(answers.get(question.slug) or "")
        if option is not None:
            answered.append((question, option))
    return answered


def _questionnaire_context(request: HttpRequest, criteria: Criteria, answers: Answers, errors: dict) -> dict:
    """The form's fields with what the user chose or typed, and the error at each field."""
    questions = [
        {"name": q.slug, "question": q, "chosen": answers.get(q.slug), "error": errors.get(q.slug)}
        for q in criteria.questions
    ]
    fields = questionnaire_form(criteria).base_fields
    parameters = [
        {
            "name": name,
            "label": fields[name].label,
            "type": fields[name].widget.input_type,
            "attrs": fields[name].widget.attrs,
            "value": request.GET.get(name, "") if name in errors else getattr(answers, name),
            "placeholder": app_placeholder(answers) if name == "app" else "",
            "error": errors.get(name),
        }
        for name in PARAMETERS
    ]
    return {
        "carried_fields": _carried_fields(request, fields, answers, errors),
        "import_kinds": KIND_CHOICES[1:],
        "import_most_files": MAX_FILES,
        "criteria": criteria,
        "answers": answers,
        "errors": errors,
        "questions": questions,
        "parameters": parameters,
        "answered_count": len(answers.choices),
    }


def _carried_fields(request: HttpRequest, fields: dict, answers: Answers, errors: dict) -> list[dict]:
    """The settings a link carries (or names, perhaps wrongly), as the questionnaire keeps and shows them: each with
    its values, one input each (static and env repeat)."""
    carried = answers.carried
    values = {
        **{key: [str(value)] for key, value in carried.numbers},
        STATIC: [f"{prefix}={directory}" for prefix, directory in carried.static],
        ENV: [f"{name}={value}" for name, value in carried.env],
        MIGRATED_FROM: [carried.migrated_from] if carried.migrated_from else [],
    }
    return [
        {
            "name": name,
            "label": fields[name].label or name,
            "type": fields[name].widget.input_type,
            "attrs": fields[name].widget.attrs,
            "given": (request.GET.getlist(name) if name in errors else values.get(name)) or [""],
            "error": errors.get(name),
        }
        for name in CARRIED_PARAMETERS
        if name in request.GET
    ]


# A page and its htmx partial are different responses at one address.
page_view = keyed(_page_key, vary=("HX-Request",))
result_view = keyed(_page_key)
download_view = keyed(_download_key)


def _invalid(request: HttpRequest, parsed: Parsed) -> HttpResponse:
    ctx = _questionnaire_context(request, parsed.current, parsed.answers, parsed.errors)
    template = "decisions/partials/result_region.html" if request.htmx else "decisions/home.html"
    return render(request, template, ctx, status=400)


@page_view
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The questionnaire asks today's questions; a pinned link's result below it is that version's."""
    parsed = _parse(request)
    if parsed.errors:
        return _invalid(request, parsed)
    template = "decisions/partials/result_region.html" if request.htmx else "decisions/home.html"
    questionnaire = _questionnaire_context(request, parsed.current, parsed.answers, {})
    imported = {"imported": shown_on(request)}
    response = render(request, template, questionnaire | result_context(request, parsed) | imported)
    if request.htmx:  # the address bar becomes the share link of the answers
        replace_url(response, _with_query(_path("home"), parsed.answers.pinned_query(parsed.criteria)))
    return response


@page_view
def result(request: HtmxHttpRequest) -> HttpResponse:
    parsed = _parse(request)
    if parsed.errors:
        return _invalid(request, parsed)
    template = "decisions/partials/result.html" if request.htmx else "decisions/result.html"
    return render(request, template, result_context(request, parsed) | {"on_result_page": True})


@result_view
def result_json(request: HttpRequest) -> JsonResponse:
    parsed = _parse(request)
    criteria, answers, errors = parsed.criteria, parsed.answers, parsed.errors
    if errors:
        return _errors_json(errors)
    sensitivity = what_would_change(answers.choices, criteria)
    ranking = sensitivity.ranking
    query = answers.pinned_query(criteria)
    permalink = _permalink(request, query)
    plan = plan_for(ranking.recommended.server, answers) if ranking.recommended else None
    ctx = _configs_context(parsed, ranking, plan, query, permalink)
    outdated = _outdated_context(request, parsed)
    return JsonResponse(
        {
            "criteria_version": criteria.version,
            "answers": answers_json(answers),
            "recommended": ranking.recommended.server.slug if ranking.recommended else None,
            "ranking": [
                {
                    "server": r.server.slug,
                    "name": r.server.name,
                    "score": r.score,
                    "eligible": r.eligible,
                    "reasons": [{"question": x.question, "text": x.text, "points": x.points} for x in r.reasons],
                    "excluded_because": [{"question": x.question, "text": x.text} for x in r.excluded_because],
                }
                for r in ranking.results
            ],
            "permalink": permalink,
            "plan": plan_json(plan),
            "configs": [
                {"filename": c["filename"], "url": request.build_absolute_uri(c["url"])} for c in ctx["configs"]
            ],
            "bundle_url": request.build_absolute_uri(ctx["bundle_url"]) if ctx["bundle_url"] else None,
            "decision_record_url": request.build_absolute_uri(ctx["decision_record_url"])
            if ctx["decision_record_url"]
            else None,
            "margin": sensitivity.margin,
            "what_would_change": [
                {
                    "question": c.question,
                    "option": c.option,
                    "recommended": c.recommended.slug if c.recommended else None,
                }
                for c in sensitivity.changes
            ],
            "start_command": ctx["start_command"] or None,
            "configs_error": ctx["configs_error"] or None,
        }
        | ({"current": _current_json(outdated)} if outdated["outdated"] else {})
        | measured_json(request, measured_for_answers(criteria, answers, ranking, _pinned(request)))
    )


def _current_json(outdated: dict) -> dict:
    recommended = outdated["outdated"].now.recommended
    return {
        "criteria_version": outdated["current_criteria"].version,
        "recommended": recommended.server.slug if recommended else None,
        "permalink": outdated["current_url"],
    }


def _errors_json(errors: dict[str, FieldError]) -> JsonResponse:
    fields = {name: {"message": e.message, "allowed": list(e.allowed)} for name, e in errors.items()}
    return JsonResponse({"errors": fields}, status=400)


def _bundle(request: HttpRequest) -> Bundle | JsonResponse:
    """The recommended server's plan and files, or the JSON error a download answers with instead."""
    parsed = _parse(request)
    criteria, answers, errors = parsed.criteria, parsed.answers, parsed.errors
    if errors:
        return _errors_json(errors)
    permalink = _permalink(request, answers.pinned_query(criteria))
    templates = _templates(parsed)
    try:
        bundle = recommended_bundle(answers, rank(answers.choices, criteria), templates, permalink)
    except ConfigError as error:
        return JsonResponse({"error": str(error)}, status=400)
    if bundle is None:
        return JsonResponse({"error": "No server fits every answer, so there are no starter configs."}, status=404)
    return bundle


@download_view
def config_file(request: HttpRequest, filename: str) -> HttpResponse:
    bundle = _bundle(request)
    if isinstance(bundle, JsonResponse):
        return bundle
    file = next((f for f in bundle.files if f.filename == filename), None)
    if file is None:
        names = [f.filename for f in bundle.files]
        message = f"{filename} is not in the {bundle.plan.server.slug} bundle for these answers."
        return JsonResponse({"error": message, "files": names}, status=404)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = content_disposition_header(True, file.filename)
    return response


ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same answers and version give the same bytes (and ETag)


@download_view
def config_bundle(request: HttpRequest) -> HttpResponse:
    bundle = _bundle(request)
    if isinstance(bundle, JsonResponse):
        return bundle
    folder = f"serverwise-{bundle.plan.server.slug}"
    record = _decision_record(request, bundle)
    entries = [(f.filename, f.content) for f in bundle.files] + [(f"docs/decisions/{record.filename}", record.text)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            entry = zipfile.ZipInfo(f"{folder}/{name}", date_time=ZIP_DATE)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, content, compress_type=zipfile.ZIP_DEFLATED)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, f"{folder}.zip")
    return response


def answers_json(answers: Answers) -> dict:
    return (
        answers.choices
        | {
            "cores": answers.cores,
            "port": answers.port,
            "host": answers.host or None,
            "app": answers.app or None,
        }
        | carried_json(answers.carried)
    )


def carried_json(carried: Carried) -> dict:
    """The settings carried over, where the link carries any: each whole number by its key, then static, env and
    from."""
    if not carried:
        return {}
    return dict(carried.numbers) | {
        STATIC: [{"prefix": prefix, "directory": directory} for prefix, directory in carried.static],
        ENV: [{"name": name, "value": value} for name, value in carried.env],
        MIGRATED_FROM: carried.migrated_from or None,
    }


def plan_json(plan: ServerPlan | None) -> dict | None:
    """How the recommended server runs the app: what the bundle declares."""
    if plan is None:
        return None
    # The JSON's field names, as keywords: http2 and http3 say what the server speaks, not which answer was given.
    return dict(
        server=plan.server.slug,
        interface=plan.interface,
        app=plan.app_path,
        interface_assumed=plan.app.assumed,
        worker_class=plan.worker_class or None,
        workers=plan.workers,
        threads=plan.threads,
        bind=bind_address(plan.host, plan.port),
        http2=plan.http2,
        http3=plan.quic,
        tls_in_app=plan.tls_in_app,
        held_capacity=plan.held_capacity or None,
        stop_timeout_seconds=plan.stop_timeout_seconds,
        packages=list(plan.pip_packages),
    ) | carried_plan_json(plan)


def carried_plan_json(plan: ServerPlan) -> dict:
    """What the carried settings became, where the link carries any (a link without them keeps its JSON, byte for
    byte, pinned links included): the recycling they set, and each one's row of the README's table."""
    if not plan.carried:
        return {}
    return dict(
        max_requests=plan.max_requests,
        max_requests_jitter=plan.max_requests_jitter,
        carried=[
            {"setting": row.setting, "was": row.was or None, "became": row.became or None, "note": row.note or None}
            for row in plan.migration
        ],
    )


def app_placeholder(answers: Answers) -> str:
    """The import path the bundle uses when the user gives none: the app's preferred interface's."""
    app = app_model(answers.choices)
    return app.path(app.interfaces[0])


def _current_key(request: HttpRequest, vary: tuple[str, ...]) -> ResponseKey:
    """A page of the current criteria alone (the servers, the changelog): it changes only with a new version."""
    current = store.current(criteria_stamp(request))
    return response_key(request, criteria=current, current=current, pinned=False, query="", vary=vary)


@keyed(_current_key)
def servers(request: HttpRequest) -> HttpResponse:
    criteria = store.current(criteria_stamp(request))
    return render(request, "decisions/servers.html", {"criteria": criteria})


@keyed(_current_key)
def changes(request: HttpRequest) -> HttpResponse:
    ctx = {"criteria": store.current(criteria_stamp(request)), "versions": store.changelog()}
    return render(request, "decisions/changes.html", ctx)


class MeasuredSection(NamedTuple):
    """One workload the answers describe: the figures of the ranked servers measured for it."""

    workload: str  # its label in the run
    workload_slug: str
    rows: tuple[CellFigures, ...]
    anchor: str  # of its table on the measured page


class MeasuredForAnswers(NamedTuple):
    shown: store.ShownRun
    framework: str
    framework_label: str
    sections: tuple[MeasuredSection, ...]
    page: str  # the measured page of this run: pinned (v) where the result is
    page_anchor: str  # the framework's first table on the measured page


def measured_for_answers(
    criteria: Criteria, answers: Answers, ranking: Ranking, pinned: bool
) -> MeasuredForAnswers | None:
    """The run `criteria`'s version shows, for the answered framework and workloads; None when the version shows
    no run or the run did not measure the framework. A `pinned` result links to the measured page of its version."""
    shown = store.shown_run(criteria)
    framework = answers.choices.get(FRAMEWORK, "")
    if shown is None or framework not in shown.run.frameworks:
        return None
    run = shown.run
    servers = [result.server.slug for result in ranking.results if result.eligible]
    sections = tuple(
        MeasuredSection(info.label, info.slug, rows, group_anchor(framework, info.slug))
        for workload in workloads_for(answers.choices)
        if (info := run.workload(workload)) and (rows := for_servers(run, framework, workload, servers))
    )
    label = _framework_labels(criteria).get(framework, framework)
    page = _measured_page(criteria, pinned)
    return MeasuredForAnswers(shown, framework, label, sections, page, first_anchor(run, framework))


def _measured_page(criteria: Criteria, pinned: bool) -> str:
    return _with_query(_path("measured"), f"v={criteria.version}") if pinned else _path("measured")


def measured_json(request: HttpRequest, measured: MeasuredForAnswers | None) -> dict:
    """`measured` and `measurement_run` where the version shows a run that measured the framework: a link pinned
    before runs were shown keeps its JSON, byte for byte."""
    if measured is None:
        return {}
    page = request.build_absolute_uri(measured.page)
    return {
        "measured": [
            _figures_json(section, row) | {"url": f"{page}#{section.anchor}"}
            for section in measured.sections
            for row in section.rows
        ],
        "measurement_run": {
            "id": measured.shown.id,
            "started_at": measured.shown.run.started_at.isoformat(),
            "url": page,
        },
    }


def _figures_json(section: MeasuredSection, row: CellFigures) -> dict:
    # The JSON's field names, as keywords: `workload` is the measured workload, not the question of that name.
    return dict(
        server=row.cell.server,
        setup=row.cell.setup,
        workload=section.workload_slug,
        rps=_spread_json(row.rps, 1),
        p50_ms=_median(row.p50_ms, 2),
        p99_ms=_median(row.p99_ms, 2),
        errors=row.errors,
        requests=row.requests,
        pss_mib=_median(row.pss_mib, 1),
        ratio=_spread_json(row.ratio.spread if row.ratio else None, 2),
        baseline=row.ratio.baseline.setup if row.ratio else None,
    )


def _spread_json(spread: Spread | None, digits: int) -> dict | None:
    if spread is None:
        return None
    return {
        "median": round(spread.median, digits),
        "low": round(spread.low, digits),
        "high": round(spread.high, digits),
    }


def _median(spread: Spread | None, digits: int) -> float | None:
    return round(spread.median, digits) if spread else None


def _framework_labels(criteria: Criteria) -> dict[str, str]:
    question = criteria.question(FRAMEWORK)
    return {option.slug: option.label for option in question.options} if question else {}


@keyed(_page_key)
def measured(request: HttpRequest) -> HttpResponse:
    """Every framework × workload of the run the criteria version shows (the current one, or the one `v` pins),
    with the article's claims."""
    parsed = _parse(request)
    if parsed.errors:
        ctx = {"criteria": parsed.current, "field_errors": parsed.errors, "shown": None, "current_run": None}
        return render(request, "decisions/measured.html", ctx | {"groups": [], "claims": ()}, status=400)
    shown, current = store.shown_run(parsed.criteria), store.shown_run(parsed.current)
    labels = _framework_labels(parsed.criteria)
    ctx = {
        "criteria": parsed.criteria,
        "field_errors": {},
        "shown": shown,
        # a pinned version's run is not the current one's: the page names the current one
        "current_run": current if current and current.id != getattr(shown, "id", None) else None,
        "groups": [
            (group, labels.get(group.framework, group.framework), speed_chart(group.rows))
            for group in (groups(shown.run) if shown else ())
        ],
        "claims": claim_checks(shown.run) if shown else (),
    }
    return render(request, "decisions/measured.html", ctx)


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any database failure means this instance cannot serve
        return HttpResponse(f"unavailable: {type(error).__name__}\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def _decision_record(request: HttpRequest, bundle: Bundle) -> DecisionRecord:
    criteria, answers, *_ = _parse(request)
    sensitivity = what_would_change(answers.choices, criteria)
    filenames = [file.filename for file in bundle.files]
    result_url = request.build_absolute_uri(_path("result"))
    dated = timezone.localdate(criteria.changed_at)  # not the day of the download: a pinned link gives the same bytes
    return decision_record(answers, criteria, sensitivity, bundle.plan, filenames, result_url, dated)


@download_view
def decision_record_download(request: HttpRequest) -> HttpResponse:
    bundle = _bundle(request)
    if isinstance(bundle, JsonResponse):
        return bundle
    record = _decision_record(request, bundle)
    response = HttpResponse(record.text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, record.filename)
    return response


# Start from your current setup (issue 20): the form's POST answers with a 303 to the share link of what was read,
# and the page there shows where each answer was read (decisions.imported); /import.json says the same as JSON.


@csrf_exempt  # the body is read with its uploads held in memory first; from_this_site is the check
@require_POST
def import_setup(request: HtmxHttpRequest) -> HttpResponse:
    if not from_this_site(request):
        return csrf_failure(request, reason="The form was posted from another site.")
    form = read_import(request)
    if not form.is_valid():
        return _import_refused(request, form)
    answers, criteria, left_out = _imported_answers(request, form)
    query = answers.pinned_query(criteria)
    remember(request, query, reading_data(form.reading, left_out))
    return HttpResponseRedirect(_with_query(_path("home"), query), status=303)


def _import_refused(request: HtmxHttpRequest, form: ImportForm) -> HttpResponse:
    """The home page, unanswered, with the import's errors at its fields and what was pasted."""
    parsed = _parse(request)
    ctx = _questionnaire_context(request, parsed.current, parsed.answers, {}) | result_context(request, parsed)
    ctx |= {
        "import_errors": form.field_errors(),
        "import_text": form.data.get("text", ""),
        "import_kind": form.data.get("kind", ""),
    }
    return render(request, "decisions/home.html", ctx, status=400)


@csrf_exempt  # no side effects: it reads what it is given and answers
@require_POST
def import_json(request: HttpRequest) -> JsonResponse:
    form = read_import(request)
    if not form.is_valid():
        return _errors_json(form.field_errors())
    answers, criteria, left_out = _imported_answers(request, form)
    ranking = rank(answers.choices, criteria)
    plan = plan_for(ranking.recommended.server, answers) if ranking.recommended else None
    data = reading_data(form.reading, left_out)
    return JsonResponse(
        {
            "answers": data["answers"],
            "sources": data["sources"],
            "settings": _carried_settings_json(plan),
            "not_carried": data["not_carried"],
            "computed": data["computed"],
            "not_understood": data["not_understood"],
            "problems": data["problems"],
            "recommended": ranking.recommended.server.slug if ranking.recommended else None,
            "recommend_url": _permalink(request, answers.pinned_query(criteria)),
        }
    )


def _imported_answers(request: HttpRequest, form: ImportForm) -> tuple[Answers, Criteria, tuple[NotCarried, ...]]:
    """What was read, as the share link carries it (read by the questionnaire like any link), and what it left
    out."""
    query, left_out = share_query(form.reading)
    current = store.current(criteria_stamp(request))
    questionnaire = read_questionnaire(QueryDict(query), current=current)
    questionnaire.is_valid()
    return questionnaire.answers(), current, left_out


def _carried_settings_json(plan: ServerPlan | None) -> list[dict]:
    """Each setting carried: what it was and what it becomes on the recommended server (the README's rows, without
    their Markdown)."""
    if plan is None:
        return []
    rows = [(*row.setting.partition(" = ")[::2], row.was, row.became, row.note) for row in plan.migration]
    env_was = plan.carried_values.env_was
    rows += [
        (f"env {name}", value, env_was, "the environment of each deploy file", "") for name, value in plan.carried.env
    ]
    return [
        {"setting": setting, "value": value, "from": _plain(was), "to": _plain(became), "note": _plain(note)}
        for setting, value, was, became, note in rows
    ]


def _plain(markdown: str) -> str | None:
    return markdown.replace("`", "") or None
