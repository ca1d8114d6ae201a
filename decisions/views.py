"""Thin views: parse the answers, rank, and render the page, the htmx partial or the JSON."""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import condition, require_safe
from django.views.decorators.vary import vary_on_headers

from decisions import criteria as criteria_module
from decisions.answers import Answers, InvalidAnswers, parse
from decisions.charts import memory_chart
from decisions.criteria import Criteria
from decisions.scoring import rank
from decisions.sharing import share_description, share_title
from decisions.sizing import memory_estimate
from guide.build import BUILD_ID


def _load(request: HttpRequest) -> tuple[Criteria, Answers | InvalidAnswers]:
    """The criteria and the parsed answers, worked out once per request."""
    if not hasattr(request, "loaded"):
        criteria = criteria_module.current()
        try:
            answers = parse(dict(request.GET.lists()), criteria.questions)
        except InvalidAnswers as invalid:
            answers = invalid
        request.loaded = (criteria, answers)
    return request.loaded


def _etag(request: HttpRequest) -> str:
    """A result is a pure function of the answers and the criteria: so is its ETag."""
    criteria, answers = _load(request)
    if isinstance(answers, InvalidAnswers):
        query = "invalid:" + request.GET.urlencode()
    else:
        query = answers.query_string(criteria.questions)
    parts = [BUILD_ID, criteria.key, request.path, request.get_host(), str(bool(request.htmx)), query]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def result_context(request: HttpRequest, criteria: Criteria, answers: Answers) -> dict:
    ranking = rank(answers.choices, criteria)
    query = answers.query_string(criteria.questions)
    recommended = ranking.recommended
    memory = [memory_estimate(result.server, answers) for result in ranking.results]
    return {
        "criteria": criteria,
        "answers": answers,
        "query": query,
        "ranking": ranking,
        "recommended": recommended,
        "answered": _answered(criteria, answers),
        "memory": memory,
        "memory_chart": memory_chart(memory, recommended.server.slug if recommended else None),
        "share_title": share_title(ranking, answers, criteria),
        "share_description": share_description(ranking),
        "permalink": request.build_absolute_uri(f"{reverse('result')}?{query}" if query else reverse("result")),
    }


def _answered(criteria: Criteria, answers: Answers) -> list[tuple]:
    answered = []
    for question in criteria.questions:
        option = question.option(answers.get(question.slug) or "")
        if option is not None:
            answered.append((question, option))
    return answered


def _cached_render(request: HttpRequest, template: str, build_context) -> str:
    key = f"render:{_etag(request)}:{template}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, build_context(), request=request)
        cache.set(key, html)
    return html


PARAMETER_FIELDS = (
    ("cores", "CPU cores per instance", "number", {"min": "1", "max": "256", "inputmode": "numeric"}),
    ("port", "Port", "number", {"min": "1", "max": "65535", "inputmode": "numeric"}),
    ("host", "Bind address", "text", {"spellcheck": "false", "autocapitalize": "off"}),
    ("app", "App import path", "text", {"spellcheck": "false", "autocapitalize": "off"}),
)


def _questionnaire_context(request: HttpRequest, criteria: Criteria, answers: Answers, errors: dict) -> dict:
    """The form's fields with what the user chose or typed, and the error at each field."""
    questions = [
        {"name": q.slug, "question": q, "chosen": answers.get(q.slug), "error": errors.get(q.slug)} for q in criteria.questions
    ]
    parameters = [
        {
            "name": name,
            "label": label,
            "type": input_type,
            "attrs": attrs,
            "value": request.GET.get(name, "") if name in errors else getattr(answers, name),
            "placeholder": answers.app_path if name == "app" else "",
            "error": errors.get(name),
        }
        for name, label, input_type, attrs in PARAMETER_FIELDS
    ]
    return {
        "criteria": criteria,
        "answers": answers,
        "errors": errors,
        "questions": questions,
        "parameters": parameters,
        "answered_count": len(answers.choices),
    }


def _invalid(request: HttpRequest, criteria: Criteria, invalid: InvalidAnswers) -> HttpResponse:
    ctx = _questionnaire_context(request, criteria, invalid.answers, invalid.errors)
    template = "decisions/home.html#result-region" if request.htmx else "decisions/home.html"
    return render(request, template, ctx, status=400)


@require_safe
@vary_on_headers("HX-Request")
@condition(etag_func=_etag)
def home(request: HttpRequest) -> HttpResponse:
    criteria, answers = _load(request)
    if isinstance(answers, InvalidAnswers):
        return _invalid(request, criteria, answers)
    template = "decisions/home.html#result-region" if request.htmx else "decisions/home.html"
    html = _cached_render(
        request,
        template,
        lambda: _questionnaire_context(request, criteria, answers, {}) | result_context(request, criteria, answers),
    )
    response = HttpResponse(html)
    if request.htmx:
        query = answers.query_string(criteria.questions)
        response["HX-Replace-Url"] = f"{reverse('home')}?{query}" if query else reverse("home")
    return response


@require_safe
@vary_on_headers("HX-Request")
@condition(etag_func=_etag)
def result(request: HttpRequest) -> HttpResponse:
    criteria, answers = _load(request)
    if isinstance(answers, InvalidAnswers):
        return _invalid(request, criteria, answers)
    template = "decisions/result.html#result" if request.htmx else "decisions/result.html"
    html = _cached_render(request, template, lambda: result_context(request, criteria, answers) | {"on_result_page": True})
    return HttpResponse(html)


@require_safe
@condition(etag_func=_etag)
def result_json(request: HttpRequest) -> JsonResponse:
    criteria, answers = _load(request)
    if isinstance(answers, InvalidAnswers):
        errors = {name: {"message": e.message, "allowed": list(e.allowed)} for name, e in answers.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    ctx = result_context(request, criteria, answers)
    ranking = ctx["ranking"]
    return JsonResponse(
        {
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
            "permalink": ctx["permalink"],
        }
    )


def answers_json(answers: Answers) -> dict:
    return answers.choices | {"cores": answers.cores, "port": answers.port, "host": answers.host, "app": answers.app_path}


@require_safe
def servers(request: HttpRequest) -> HttpResponse:
    criteria = criteria_module.current()
    return render(request, "decisions/servers.html", {"criteria": criteria})


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any database failure means this instance cannot serve
        return HttpResponse(f"unavailable: {type(error).__name__}\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
