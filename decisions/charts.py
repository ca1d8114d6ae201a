"""The geometry of the charts the pages draw as SVG: the memory chart on the result page, and each framework ×
workload's requests per second on the measured page. Pure: no request, no database."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from decisions.configs.plan import ServerPlan
from decisions.measured import CellFigures

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
        return _percent(Decimal(value), longest)

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


SPEED_ROW_HEIGHT = 44  # one setup: its name, then its bar with the spread over the rounds across it


@dataclass(frozen=True)
class SpeedRow:
    label: str  # the setup, e.g. "gunicorn gthread 32 threads"
    baseline: bool
    top: int
    median: float | None  # None: the cell has no figures (its error says why)
    low: float | None
    high: float | None
    median_percent: str
    low_percent: str
    high_percent: str


@dataclass(frozen=True)
class SpeedChart:
    rows: tuple[SpeedRow, ...]
    height: int


def speed_chart(figures: Sequence[CellFigures]) -> SpeedChart:
    """A bar per setup for its median requests (or messages) per second, with a line from its lowest round to its
    highest across it, on one scale."""
    longest = max((Decimal(repr(f.rps.high)) for f in figures if f.rps), default=Decimal(0))

    def percent(value: float | None) -> str:
        return _percent(Decimal(repr(value)), longest) if value is not None else "0"

    rows = []
    for index, found in enumerate(figures):
        median, low, high = (found.rps.median, found.rps.low, found.rps.high) if found.rps else (None, None, None)
        rows.append(
            SpeedRow(
                label=found.cell.setup,
                baseline=found.cell.baseline,
                top=index * SPEED_ROW_HEIGHT,
                median=median,
                low=low,
                high=high,
                median_percent=percent(median),
                low_percent=percent(low),
                high_percent=percent(high),
            )
        )
    return SpeedChart(rows=tuple(rows), height=len(rows) * SPEED_ROW_HEIGHT)


def _percent(value: Decimal, longest: Decimal) -> str:
    """`value` as an SVG percentage of the chart's width, the longest bar LONGEST_BAR_PERCENT, e.g. "41.3"."""
    if not longest:
        return "0"
    return str((value / longest * LONGEST_BAR_PERCENT).quantize(Decimal("0.1"), ROUND_HALF_UP))
