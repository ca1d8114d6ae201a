"""The current criteria as frozen dataclasses: built from the models, memoised per criteria version."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from threading import Lock


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
    """The criteria in force: one small query while the memo is fresh, three when it is not."""
    from decisions.models import CriteriaVersion, Option, Server

    version, changed_at = CriteriaVersion.objects.values_list("number", "changed_at").get(pk=1)
    cached = _memo.get("criteria")
    if cached is not None and (cached.version, cached.changed_at) == (version, changed_at):
        return cached

    server_rows = list(Server.objects.values("pk", *ServerInfo.__dataclass_fields__))
    server_slugs = {row["pk"]: row["slug"] for row in server_rows}
    servers = tuple(
        _server_from_fields({name: row[name] for name in ServerInfo.__dataclass_fields__}) for row in server_rows
    )
    criteria = Criteria(version, changed_at, servers, _load_questions(Option, server_slugs))
    with _memo_lock:
        _memo["criteria"] = criteria
    return criteria


def _load_questions(Option, server_slugs: dict[int, str]) -> tuple[QuestionInfo, ...]:
    """Questions, options and effects in one query: a LEFT JOIN gives a row per (option, effect)."""
    rows = Option.objects.order_by("question__position", "question__slug", "position", "slug", "pk").values_list(
        "question__slug", "question__text", "question__help_text", "pk", "slug", "label", "help_text",
        "effects__server_id", "effects__points", "effects__excluded", "effects__reason",
    )  # fmt: skip
    questions: dict[str, tuple[str, str, dict[int, tuple]]] = {}
    for q_slug, q_text, q_help, o_pk, o_slug, o_label, o_help, server_id, points, excluded, reason in rows:
        options = questions.setdefault(q_slug, (q_text, q_help, {}))[2]
        option = options.setdefault(o_pk, (o_slug, o_label, o_help, {}))
        if server_id is not None:
            option[3][server_slugs[server_id]] = EffectInfo(points, excluded, reason)
    return tuple(
        QuestionInfo(q_slug, q_text, q_help, tuple(OptionInfo(*option) for option in options.values()))
        for q_slug, (q_text, q_help, options) in questions.items()
    )


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
                        {
                            slug: EffectInfo(e["points"], e["excluded"], e["reason"])
                            for slug, e in o.get("effects", {}).items()
                        },
                    )
                    for o in sorted(q["options"], key=lambda o: (o["position"], o["slug"]))
                ),
            )
            for q in questions
        ),
    )
