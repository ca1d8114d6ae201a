"""The criteria as frozen dataclasses, and the builders that make them from plain data: no ORM, no request."""

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal


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
    maturity_level: int  # MATURITY_LEVELS: the lower, the more mature
    first_release_year: int


PROVEN, WIDELY_DEPLOYED, GROWING, MAINTENANCE_ONLY = 1, 2, 3, 4
MATURITY_LEVELS = {
    PROVEN: "proven: a decade or more in production",
    WIDELY_DEPLOYED: "widely deployed",
    GROWING: "growing: a smaller community",
    MAINTENANCE_ONLY: "maintenance only: bug fixes, no new features",
}


@dataclass(frozen=True)
class EffectInfo:
    points: int
    excluded: bool
    reason: str
    experimental: bool = False  # the server meets the answer only through an experimental or draft feature


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


MATURITY = "maturity"  # ties: no experimental feature, then maturity, then the first release, then the slug
POSITION = "position"  # ties in snapshots of format 1, before the rule: the admin-set position, then the slug


@dataclass(frozen=True)
class Criteria:
    version: int
    changed_at: datetime | None
    servers: tuple[ServerInfo, ...]
    questions: tuple[QuestionInfo, ...]
    tie_rule: str = MATURITY

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


def split_slugs(text: str) -> list[str]:
    """'gunicorn, uwsgi' -> ['gunicorn', 'uwsgi']: how a template names its servers and deploy targets."""
    return [slug.strip() for slug in text.split(",") if slug.strip()]


def template_from_fields(fields: dict) -> TemplateInfo:
    return TemplateInfo(**fields | {"servers": tuple(fields["servers"]), "deploys": tuple(fields["deploys"])})


def server_from_fields(fields: dict) -> ServerInfo:
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
            server_from_fields({name: row[name] for name in ServerInfo.__dataclass_fields__})
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
                            slug: EffectInfo(e["points"], e["excluded"], e["reason"], e.get("experimental", False))
                            for slug, e in o.get("effects", {}).items()
                        },
                    )
                    for o in sorted(q["options"], key=lambda o: (o["position"], o["slug"]))
                ),
            )
            for q in questions
        ),
    )


# The layout snapshot_data() writes. A snapshot keeps the format it was written in, and snapshot_criteria()
# upgrades an older one step by step (UPGRADES), so a pinned link shows what it showed. A field added to a
# dataclass above needs a default or an upgrade step.
SNAPSHOT_FORMAT = 2


def snapshot_data(criteria: Criteria, templates: tuple[TemplateInfo, ...]) -> dict:
    """The criteria and templates as plain JSON data, in their order: snapshot_criteria() rebuilds them exactly."""
    return {
        "format": SNAPSHOT_FORMAT,
        "tie_rule": criteria.tie_rule,
        "servers": [
            asdict(server) | {name: str(getattr(server, name)) for name in DECIMAL_FIELDS}
            for server in criteria.servers
        ],
        "questions": [asdict(question) for question in criteria.questions],
        "templates": [asdict(template) for template in templates],
    }


DECIMAL_FIELDS = ("memory_rss_mib", "memory_pss_mib", "memory_uss_mib")


def snapshot_criteria(
    data: dict, version: int, changed_at: datetime | None
) -> tuple[Criteria, tuple[TemplateInfo, ...]]:
    """The frozen criteria and templates that snapshot_data() wrote, in any format up to SNAPSHOT_FORMAT."""
    written_in = data.get("format", 1)
    if written_in > SNAPSHOT_FORMAT:  # written by newer code: reading it as an older format would misread it
        raise ValueError(f"Snapshot format {written_in} is newer than the newest this code reads, {SNAPSHOT_FORMAT}.")
    for upgrade in UPGRADES[written_in - 1 :]:
        data = upgrade(data)
    servers = tuple(
        ServerInfo(
            **row
            | {"strengths": tuple(row["strengths"]), "limitations": tuple(row["limitations"])}
            | {name: Decimal(row[name]) for name in DECIMAL_FIELDS}
        )
        for row in data["servers"]
    )
    questions = tuple(
        QuestionInfo(
            q["slug"],
            q["text"],
            q["help_text"],
            tuple(
                OptionInfo(o["slug"], o["label"], o["help_text"], {s: EffectInfo(**e) for s, e in o["effects"].items()})
                for o in q["options"]
            ),
        )
        for q in data["questions"]
    )
    templates = tuple(template_from_fields(row) for row in data["templates"])
    return Criteria(version, changed_at, servers, questions, data["tie_rule"]), templates


# What a server had before the tie rule's facts were stored: criteria of that time break ties by position.
TIE_FACT_PLACEHOLDERS = {"maturity_level": GROWING, "first_release_year": 0}


def _format_1_to_2(data: dict) -> dict:
    """Format 2 added the tie rule's facts (maturity, first release, experimental effects). A format 1 snapshot
    broke ties by position, and keeps doing so; its servers get placeholders for the facts it never had."""
    servers = [row | TIE_FACT_PLACEHOLDERS for row in data["servers"]]
    return data | {"format": 2, "tie_rule": POSITION, "servers": servers}


UPGRADES = (_format_1_to_2,)
