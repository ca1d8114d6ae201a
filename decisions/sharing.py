"""What a pasted result link previews as: the Open Graph title and description. Pure functions."""

from django.utils.text import Truncator

from decisions.answers import Answers
from decisions.contract import FRAMEWORK, HTTP, HTTP2, HTTP3, LONG_POLLING, REALTIME, WEBSOCKETS
from decisions.domain import Criteria
from decisions.scoring import Ranking

# Answers worth naming in a title: what the app needs beyond plain HTTP/1.1 requests.
NOTABLE_ANSWERS = {REALTIME: (WEBSOCKETS, LONG_POLLING), HTTP: (HTTP2, HTTP3)}
DESCRIPTION_REASONS = 3
DESCRIPTION_LENGTH = 200


def share_title(ranking: Ranking, answers: Answers, criteria: Criteria) -> str:
    """E.g. "Recommended: Uvicorn - FastAPI with WebSockets": the server, the framework and what the app needs."""
    recommended = ranking.recommended
    if recommended is None:
        return "No single server fits these answers"
    framework = _label(criteria, answers, FRAMEWORK)
    needs = [
        label
        for slug, notable in NOTABLE_ANSWERS.items()
        if answers.get(slug) in notable and (label := _label(criteria, answers, slug))
    ]
    if framework and needs:
        subject = f"{framework} with {' and '.join(needs)}"
    else:
        subject = framework or " and ".join(needs)
    title = f"Recommended: {recommended.server.name}"
    return f"{title} - {subject}" if subject else title


def share_description(ranking: Ranking) -> str:
    """The recommended server's strongest reasons, or its summary when no answer speaks for it."""
    recommended = ranking.recommended
    if recommended is None:
        return "Every server is ruled out by at least one answer; the page says which answer rules out which server."
    reasons = sorted((r for r in recommended.reasons if r.points > 0), key=lambda r: -r.points)[:DESCRIPTION_REASONS]
    text = " ".join(reason.text for reason in reasons) or recommended.server.summary
    return Truncator(text).chars(DESCRIPTION_LENGTH)


def _label(criteria: Criteria, answers: Answers, question_slug: str) -> str:
    question = criteria.question(question_slug)
    option = question.option(answers.get(question_slug) or "") if question else None
    return option.label if option else ""
