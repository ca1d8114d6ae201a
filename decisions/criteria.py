"""The current criteria as frozen dataclasses: built from the models, memoised per criteria version."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from threading import Lock

from django.db.models import Subquery


@dataclass(frozen=True)
class ServerInfo:
    slug: str
    name: str
    position: int
    version: str
    summary: str
    interfaces: str
    protocols: str
    websockets: str
    maturity: str
    strengths: tuple[str, ...]
    limitations: tuple[str, ...]
    when_to_use: str
    memory_article_mib: int
    memory_article_source: str
    memory_rss_mib: Decimal
    memory_pss_mib: Decimal
    memory_uss_mib: Decimal
    memory_measured_source: str


@dataclass(frozen=True)
class EffectInfo:
    points: int
    excluded: bool
    reason: str


@dataclass(frozen=True)
class OptionInfo:
    slug: str
    label: str
    help_text: str
    effects: dict[str, EffectInfo]  # by server slug; servers it leaves alone are absent


@dataclass(frozen=True)
class QuestionInfo:
    slug: str
    text: str
    help_text: str
    options: tuple[OptionInfo, ...]

    def option(self, slug: str) -> OptionInfo | None:
        return next((option for option in self.options if option.slug == slug), None)


@dataclass(frozen=True)
class Criteria:
    version: int
    changed_at: datetime | None
    servers: tuple[ServerInfo, ...]
    questions: tuple[QuestionInfo, ...]

    @property
    def key(self) -> str:
        """Names this state of the criteria in cache keys and ETags."""
        stamp = self.changed_at.timestamp() if self.changed_at else 0
        return f"{self.version}-{stamp:.6f}"

    def question(self, slug: str) -> QuestionInfo | None:
        return next((question for question in self.questions if question.slug == slug), None)

    def server(self, slug: str) -> ServerInfo | None:
        return next((server for server in self.servers if server.slug == slug), None)


@dataclass(frozen=True)
class TemplateInfo:
    """A starter-config template: the bundles it belongs to, and its body in Django template syntax."""

    name: str
    filename: str
    servers: tuple[str, ...]  # server slugs; empty: every server
    deploys: tuple[str, ...]  # options of the deploy question; empty: every deploy target
    body: str
    content_type: str
    position: int

    def applies_to(self, server_slug: str, deploy: str) -> bool:
        return (not self.servers or server_slug in self.servers) and (not self.deploys or deploy in self.deploys)


_memo: dict[str, object] = {}
_memo_lock = Lock()


def current() -> Criteria:
    """The criteria in force: one query while the memo is fresh, two when it is not."""
    from decisions.models import CriteriaVersion, Option, Server

    # The servers query also reads the version, so a fresh memo costs this single query.
    version_row = CriteriaVersion.objects.filter(pk=1)
    server_rows = list(
        Server.objects.annotate(
            criteria_version=Subquery(version_row.values("number")),
            criteria_changed_at=Subquery(version_row.values("changed_at")),
        )
    )
    version = server_rows[0].criteria_version if server_rows else 0
    changed_at = server_rows[0].criteria_changed_at if server_rows else None
    cached = _memo.get("criteria")
    if cached is not None and (cached.version, cached.changed_at) == (version, changed_at):
        return cached

    # Options, their questions and their effects in one query: the LEFT JOIN keeps options without effects.
    slugs = {row.pk: row.slug for row in server_rows}
    rows = Option.objects.order_by(
        "question__position", "question__slug", "position", "slug", "effects__server__position", "effects__server__slug"
    ).values(
        "pk", "slug", "label", "help_text", "question_id", "question__slug", "question__text", "question__help_text",
        "effects__server_id", "effects__points", "effects__excluded", "effects__reason",
    )  # fmt: skip
    questions: dict[int, tuple[dict, list]] = {}
    options: dict[int, tuple[dict, dict]] = {}
    for row in rows:
        if row["pk"] not in options:
            options[row["pk"]] = (row, {})
            questions.setdefault(row["question_id"], (row, []))[1].append(row["pk"])
        if row["effects__server_id"] is not None:
            options[row["pk"]][1][slugs[row["effects__server_id"]]] = EffectInfo(
                points=row["effects__points"], excluded=row["effects__excluded"], reason=row["effects__reason"]
            )
    criteria = Criteria(
        version=version,
        changed_at=changed_at,
        servers=tuple(_server_info(row) for row in server_rows),
        questions=tuple(
            QuestionInfo(
                question["question__slug"],
                question["question__text"],
                question["question__help_text"],
                tuple(_option_info(*options[pk]) for pk in option_pks),
            )
            for question, option_pks in questions.values()
        ),
    )
    with _memo_lock:
        _memo["criteria"] = criteria
    return criteria


def _option_info(row: dict, effects: dict[str, EffectInfo]) -> OptionInfo:
    return OptionInfo(row["slug"], row["label"], row["help_text"], effects)


def current_templates(criteria: Criteria) -> tuple[TemplateInfo, ...]:
    """The config templates of `criteria`'s version: saving a template bumps that version, so one query per version."""
    from decisions.models import ConfigTemplate

    cached = _memo.get("templates")
    if cached is not None and cached[0] == criteria.key:
        return cached[1]
    templates = tuple(
        template_from_fields(
            {name: getattr(row, name) for name in TemplateInfo.__dataclass_fields__}
            | {"servers": split_slugs(row.servers), "deploys": split_slugs(row.deploys)}
        )
        for row in ConfigTemplate.objects.all()
    )
    with _memo_lock:
        _memo["templates"] = (criteria.key, templates)
    return templates


def split_slugs(text: str) -> list[str]:
    """'gunicorn, uwsgi' -> ['gunicorn', 'uwsgi']: how a template names its servers and deploy targets."""
    return [slug.strip() for slug in text.split(",") if slug.strip()]


def template_from_fields(fields: dict) -> TemplateInfo:
    return TemplateInfo(**fields | {"servers": tuple(fields["servers"]), "deploys": tuple(fields["deploys"])})


def _server_info(row) -> ServerInfo:
    return _server_from_fields({name: getattr(row, name) for name in ServerInfo.__dataclass_fields__})


def _server_from_fields(fields: dict) -> ServerInfo:
    def lines(text: str) -> tuple[str, ...]:
        return tuple(line.strip() for line in text.splitlines() if line.strip())

    return ServerInfo(
        **fields
        | {
            "strengths": lines(fields["strengths"]),
            "limitations": lines(fields["limitations"]),
            "memory_rss_mib": Decimal(fields["memory_rss_mib"]),
            "memory_pss_mib": Decimal(fields["memory_pss_mib"]),
            "memory_uss_mib": Decimal(fields["memory_uss_mib"]),
        }
    )


def from_data(data: dict, version: int = 0) -> Criteria:
    """Criteria from the JSON format of decisions/seed/criteria.json, with no database involved."""
    questions = sorted(data["questions"], key=lambda q: (q["position"], q["slug"]))
    return Criteria(
        version=version,
        changed_at=None,
        servers=tuple(
            _server_from_fields({name: row[name] for name in ServerInfo.__dataclass_fields__})
            for row in sorted(data["servers"], key=lambda s: (s["position"], s["slug"]))
        ),
        questions=tuple(
            QuestionInfo(
                q["slug"],
                q["text"],
                q.get("help_text", ""),
                tuple(
                    OptionInfo(
                        o["slug"],
                        o["label"],
                        o.get("help_text", ""),
                        {slug: EffectInfo(e["points"], e["excluded"], e["reason"]) for slug, e in o.get("effects", {}).items()},
                    )
                    for o in sorted(q["options"], key=lambda o: (o["position"], o["slug"]))
                ),
            )
            for q in questions
        ),
    )
