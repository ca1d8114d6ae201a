"""The memory chart's geometry for the SVG on the result page. Pure: no request, no database."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from decisions.configs.plan import ServerPlan

ROW_HEIGHT = 64  # one server: its name, then two bars; the template lays them out inside the row
LONGEST_BAR_PERCENT = Decimal(72)  # leaves room after the longest bar for its value


@dataclass(frozen=True)
class ChartRow:
    slug: str
    name: str
    recommended: bool
    top: int  # y of the row in the SVG
    measured_mib: int
    article_mb: int
    measured_percent: str  # bar widths as SVG percentages of the chart's width, e.g. "41.3"
    article_percent: str


@dataclass(frozen=True)
class MemoryChart:
    rows: tuple[ChartRow, ...]
    height: int


def memory_chart(estimates: list[ServerPlan], recommended_slug: str | None) -> MemoryChart:
    """Bars for what each server's workers take: measured PSS and the article's figure, on one scale."""
    longest = max([e.measured_pss_mib for e in estimates] + [Decimal(e.article_mib) for e in estimates], default=0)

    def percent(value) -> str:
        if not longest:
            return "0"
        return str((Decimal(value) / longest * LONGEST_BAR_PERCENT).quantize(Decimal("0.1"), ROUND_HALF_UP))

    rows = tuple(
        ChartRow(
            slug=estimate.server.slug,
            name=estimate.server.name,
            recommended=estimate.server.slug == recommended_slug,
            top=index * ROW_HEIGHT,
            measured_mib=estimate.measured_mib,
            article_mb=estimate.article_mib,
            measured_percent=percent(estimate.measured_pss_mib),
            article_percent=percent(estimate.article_mib),
        )
        for index, estimate in enumerate(estimates)
    )
    return MemoryChart(rows=rows, height=len(rows) * ROW_HEIGHT)
