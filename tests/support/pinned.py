"""A link pinned to the first criteria version, and the admin edit that makes it old."""

from django.urls import reverse

from decisions.models import ConfigTemplate, CriteriaVersion, Question
from tests.support.admin import key, matrix_data, template_data

QUERY = "framework=fastapi&async=yes&realtime=websockets&deploy=kubernetes"


def number() -> int:
    return CriteriaVersion.objects.get().number


def edit_as_admin(admin_client) -> None:
    """An admin rules Uvicorn out for FastAPI through the scoring matrix, and edits the README template."""
    question = Question.objects.get(slug="framework")
    data = matrix_data(question) | {f"points-{key('framework', 'fastapi', 'uvicorn')}": 0}
    data[f"excluded-{key('framework', 'fastapi', 'uvicorn')}"] = "on"
    data[f"reason-{key('framework', 'fastapi', 'uvicorn')}"] = "Ruled out for the test."
    assert admin_client.post(reverse("admin:decisions_question_scoring", args=[question.pk]), data).status_code == 302
    template = ConfigTemplate.objects.get(filename="README.md")
    data = template_data(template, body="Edited README for {{ server_name }}.\n" + template.body)
    assert admin_client.post(f"/admin/decisions/configtemplate/{template.pk}/change/", data).status_code == 302
