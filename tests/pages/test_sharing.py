"""What a pasted result link previews as. No database."""

from decisions.answers import Answers
from decisions.scoring import Ranking, rank
from decisions.sharing import DESCRIPTION_LENGTH, share_description, share_title
from tests.support.bundles import CRITERIA


def title(**choices: str) -> str:
    return share_title(rank(choices, CRITERIA), Answers(choices=choices), CRITERIA)


def test_it_names_the_server_the_framework_and_what_the_app_needs():
    assert title(framework="fastapi", realtime="websockets") == "Recommended: Uvicorn - FastAPI with WebSockets"
    assert title(framework="django", http="http2", realtime="long-polling").startswith("Recommended: ")
    assert title(framework="django", http="http2", realtime="long-polling").endswith(
        "- Django with Long-polling and HTTP/2"
    )


def test_it_leaves_out_answers_that_need_nothing_special():
    assert title(framework="flask", realtime="none", http="http1", deploy="docker") == "Recommended: Gunicorn - Flask"


def test_it_names_the_needs_alone_without_a_framework():
    assert title(http="http3") == "Recommended: Hypercorn - HTTP/3 (QUIC)"


def test_it_names_only_the_server_without_answers():
    assert title() == "Recommended: Gunicorn"


def test_it_says_so_when_no_server_fits():
    ruled_out = rank({"http": "http3"}, CRITERIA).ineligible  # every server but Hypercorn
    nothing = Ranking(results=ruled_out)
    assert share_title(nothing, Answers(), CRITERIA) == "No single server fits these answers"
    assert "ruled out" in share_description(nothing)


def test_it_describes_with_the_strongest_reasons_first():
    ranking = rank({"framework": "fastapi", "async": "yes", "realtime": "websockets"}, CRITERIA)
    description = share_description(ranking)
    assert description.startswith("Uvicorn is the standard choice for FastAPI.")
    assert "Native WebSocket support." in description
    assert len(description) <= DESCRIPTION_LENGTH


def test_it_describes_with_the_summary_when_no_answer_speaks_for_the_server():
    ranking = rank({}, CRITERIA)
    summary = ranking.recommended.server.summary
    assert len(summary) <= DESCRIPTION_LENGTH and share_description(ranking) == summary
