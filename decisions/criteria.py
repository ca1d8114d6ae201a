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


_memo: dict[str, Criteria] = {}
_memo_lock = Lock()


def current() -> Criteria:
    """The criteria in force: one query while the memo is fresh, three when it is not."""
    from decisions.models import CriteriaVersion, Effect, Option, Server

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

    effects: dict[int, dict[str, EffectInfo]] = {}
    slugs = {row.pk: row.slug for row in server_rows}
    for effect in Effect.objects.all():
        effects.setdefault(effect.option_id, {})[slugs[effect.server_id]] = EffectInfo(
            points=effect.points, excluded=effect.excluded, reason=effect.reason
        )
    questions: dict[int, tuple] = {}
    for option in Option.objects.select_related("question").order_by("question__position", "question__slug", "position", "slug"):
        question = option.question
        entry = questions.setdefault(question.pk, (question, []))
        entry[1].append(
            OptionInfo(option.slug, option.label, option.help_text, effects.get(option.pk, {}))
        )
    criteria = Criteria(
        version=version,
        changed_at=changed_at,
        servers=tuple(_server_info(row) for row in server_rows),
        questions=tuple(
            QuestionInfo(question.slug, question.text, question.help_text, tuple(options))
            for question, options in questions.values()
        ),
    )
    with _memo_lock:
        _memo["criteria"] = criteria
    return criteria


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
