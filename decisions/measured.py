"""What a measuring run (`make measure`, lab/measure.py) found: its JSON file read into frozen data, the cells of a
framework × workload, each cell's ratio to the run's baseline, the article's three speed claims beside the
figures, and whether a second run reproduces a first. Pure: plain data in, frozen data out; docs/measuring.md.
"""

import functools
import itertools
import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from decisions.contract import (
    DJANGO,
    FASTAPI,
    GRANIAN,
    GUNICORN,
    HIGH_CONCURRENCY,
    LONG_POLLING,
    MINIMAL_LOGIC,
    REALTIME,
    REQUEST_RESPONSE,
    UVICORN,
    WEBSOCKETS,
    WORKLOAD,
)

FORMAT = "serverwise-measurements/1"
HELLO = "hello"  # the minimal response, GET /
IO = "io"  # a view that waits about 10 ms, at moderate concurrency
HELD = "held"  # long-polling: requests held 1 s each, many at once
WEBSOCKET = "websocket"  # an echo over many open sockets, in messages per second
WORKLOADS = (HELLO, IO, HELD, WEBSOCKET)
# The questionnaire's answers each workload stands for.
WORKLOAD_ANSWERS = {
    HELLO: ((WORKLOAD, MINIMAL_LOGIC),),
    IO: ((WORKLOAD, REQUEST_RESPONSE),),
    HELD: ((WORKLOAD, HIGH_CONCURRENCY), (REALTIME, LONG_POLLING)),
    WEBSOCKET: ((REALTIME, WEBSOCKETS),),
}
ARTICLE_ASGI_RANGE = (2.0, 4.0)
CLAIM_ASGI = "ASGI servers are 2-4x faster than WSGI servers for async workloads with high concurrency."
CLAIM_GAP = "For request-response APIs the gap between Gunicorn and Uvicorn narrows."
CLAIM_GRANIAN = "Granian's gains are largest in connection-heavy scenarios with minimal application logic."
AGREES, DISAGREES, NOT_MEASURED = "agrees", "disagrees", "not measured"
# A run is noisy when other jobs loaded the machine before it began: a 1-minute load average above this per core.
NOISY_LOAD_PER_CORE = 0.5
RATIO_DECIMALS = 2  # a ratio as the pages and make measure-compare report it: 6.36x


class InvalidMeasurements(ValueError):
    """The data is not a measuring run; the message says where and why."""


@dataclass(frozen=True)
class Figures:
    """One timed run of one cell."""

    round: int
    rps: float  # requests, or WebSocket messages, per second
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    pss_mib: float  # per worker, read while the load ran


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    rounds: int  # how many values it spans


@dataclass(frozen=True)
class Cell:
    framework: str  # the questionnaire's framework slug
    app: str  # the real app's kind (lab/realapps.py)
    workload: str
    server: str
    setup: str  # the server as the bundle set it up, e.g. "gunicorn gthread 32 threads"
    interface: str
    baseline: bool
    command: str
    error: str  # why the cell has no figures (the server did not start, the load failed); "" when it has
    runs: tuple[Figures, ...]

    def spread(self, figure: str) -> Spread | None:
        return spread_of([getattr(run, figure) for run in self.runs])


@dataclass(frozen=True)
class WorkloadInfo:
    slug: str
    label: str
    path: str
    connections: int
    seconds: float
    client: str


@dataclass(frozen=True)
class MeasuredRun:
    started_at: datetime
    host: str
    quick: bool
    machine: Mapping[str, object]
    python: str
    versions: Mapping[str, str]
    workers: int
    recycling: str
    rounds: int
    placement: str
    load_before: str
    load_after: str
    workloads: tuple[WorkloadInfo, ...]
    cells: tuple[Cell, ...]

    def workload(self, slug: str) -> WorkloadInfo | None:
        return next((workload for workload in self.workloads if workload.slug == slug), None)

    @property
    def frameworks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(cell.framework for cell in self.cells))

    @property
    def cores(self) -> int | None:
        cores = self.machine.get("cores")
        return cores if isinstance(cores, int) and not isinstance(cores, bool) and cores > 0 else None

    @property
    def load_before_minute(self) -> float | None:
        """The 1-minute load average `uptime` gave before the run began."""
        found = re.search(r"load average: ([0-9.]+)", self.load_before)
        return float(found.group(1)) if found else None

    @property
    def noisy(self) -> bool:
        """Other jobs loaded the machine when the run began: its absolute figures are low, its ratios less sure
        (each round loads every server in turn, so they shared the load)."""
        load, cores = self.load_before_minute, self.cores
        return load is not None and cores is not None and load > NOISY_LOAD_PER_CORE * cores

    @property
    def outside_by_chance(self) -> float | None:
        """How often a second run's median falls outside a cell's lowest-to-highest round when nothing but the
        rounds' own variation differs; None for an even number of rounds."""
        return 1 - chance_of_reproducing(self.rounds, self.rounds) if self.rounds % 2 else None


@dataclass(frozen=True)
class Ratio:
    """A cell's requests per second over its baseline's, round by round (the two ran in the same round)."""

    cell: Cell
    baseline: Cell
    spread: Spread


@dataclass(frozen=True)
class CellFigures:
    """What a page shows of one cell: its medians with their spread over the rounds, and its ratio to the baseline."""

    cell: Cell
    rps: Spread | None
    p50_ms: Spread | None
    p99_ms: Spread | None
    pss_mib: Spread | None
    errors: int  # over every round
    requests: int  # over every round
    ratio: Ratio | None


@dataclass(frozen=True)
class Group:
    """The cells of one framework × workload, as the run lists them."""

    framework: str
    workload: WorkloadInfo
    rows: tuple[CellFigures, ...]

    @property
    def anchor(self) -> str:
        return group_anchor(self.framework, self.workload.slug)

    @property
    def baseline(self) -> Cell | None:
        return next((row.cell for row in self.rows if row.cell.baseline), None)


@dataclass(frozen=True)
class ClaimCheck:
    claim: str  # the article's words
    measured: str  # what this run found, in a sentence
    verdict: str  # AGREES, DISAGREES or NOT_MEASURED


@dataclass(frozen=True)
class Reproduction:
    framework: str
    workload: str
    setup: str
    first: Spread
    second: Spread

    @property
    def reproduced(self) -> bool:
        """The second run's ratio lies within the spread the first run reports, both as reported (`times`)."""
        low, high, found = (
            round(value, RATIO_DECIMALS) for value in (self.first.low, self.first.high, self.second.median)
        )
        return low <= found <= high


def spread_of(values: Sequence[float]) -> Spread | None:
    return Spread(statistics.median(values), min(values), max(values), len(values)) if values else None


@functools.cache
def chance_of_reproducing(first_rounds: int, second_rounds: int) -> float:
    """How often a second run's median lies within the first run's lowest-to-highest round when both runs' rounds
    are independent draws of one distribution, whatever it is: the share of the equally likely orders of their
    values in which it does. 0.6 for 3 rounds each, 0.83 for 5, 0.93 for 7. The second run's rounds must be odd in
    number (the median of an even number is a mean, which the order alone does not place)."""
    if second_rounds % 2 == 0:
        raise ValueError(f"the second run's rounds must be odd in number, not {second_rounds}")
    everyone = range(first_rounds + second_rounds)
    within = 0
    for firsts in itertools.combinations(everyone, first_rounds):
        seconds = [place for place in everyone if place not in firsts]
        within += firsts[0] < seconds[second_rounds // 2] < firsts[-1]
    return within / math.comb(first_rounds + second_rounds, first_rounds)


# ---------------------------------------------------------------- reading a run file


def parse_run(data: object) -> MeasuredRun:
    """The run in `data` (a run file's JSON); raises InvalidMeasurements naming the first thing wrong."""
    run = _mapping(data, "the file")
    if run.get("format") != FORMAT:
        raise InvalidMeasurements(f"format is {run.get('format')!r}, not {FORMAT!r}")
    method = _mapping(_get(run, "method", "the file"), "method")
    load = _mapping(_get(run, "load", "the file"), "load")
    workloads = tuple(_workload(row, f"method.workloads[{i}]") for i, row in enumerate(_list(method, "workloads")))
    cells = tuple(_cell(row, f"cells[{i}]") for i, row in enumerate(_list(run, "cells")))
    known = {workload.slug for workload in workloads}
    for index, cell in enumerate(cells):
        if cell.workload not in known:
            raise InvalidMeasurements(f"cells[{index}]: workload {cell.workload!r} is not in method.workloads")
    for (framework, workload), group in _groups(cells).items():
        if sum(cell.baseline for cell in group) != 1:
            raise InvalidMeasurements(f"{framework} × {workload}: {len(group)} cells need exactly one baseline")
    return MeasuredRun(
        started_at=_datetime(_get(run, "started_at", "the file"), "started_at"),
        host=_text(run, "host", "the file"),
        quick=_typed(run, "quick", bool, "the file"),
        machine=_mapping(_get(run, "machine", "the file"), "machine"),
        python=_text(run, "python", "the file"),
        versions={str(name): str(version) for name, version in _mapping(run.get("versions"), "versions").items()},
        workers=_typed(method, "workers", int, "method"),
        # Runs before recycling was turned off for measuring kept the bundles' recycling and did not say so.
        recycling=_text(method, "recycling", "method") if "recycling" in method else "as each bundle sets it",
        rounds=_typed(method, "rounds", int, "method"),
        placement=_text(method, "placement", "method"),
        load_before=_text(load, "before", "load"),
        load_after=_text(load, "after", "load"),
        workloads=workloads,
        cells=cells,
    )


def _workload(row: object, where: str) -> WorkloadInfo:
    data = _mapping(row, where)
    slug = _text(data, "slug", where)
    if slug not in WORKLOADS:
        raise InvalidMeasurements(f"{where}: workload {slug!r} is none of {', '.join(WORKLOADS)}")
    return WorkloadInfo(
        slug=slug,
        label=_text(data, "label", where),
        path=_text(data, "path", where),
        connections=_typed(data, "connections", int, where),
        seconds=float(_number(data, "seconds", where)),
        client=_text(data, "client", where),
    )


def _cell(row: object, where: str) -> Cell:
    data = _mapping(row, where)
    runs = tuple(_figures(run, f"{where}.runs[{i}]") for i, run in enumerate(_list(data, "runs", where)))
    # the cell's text fields, read by the names of Cell's own (some of them are also the questionnaire's slugs)
    texts = {f.name: _text(data, f.name, where, allow_empty=f.name == "error") for f in fields(Cell) if f.type is str}
    if not runs and not texts["error"]:
        raise InvalidMeasurements(f"{where}: a cell without runs must say why in error")
    return Cell(**texts, baseline=_typed(data, "baseline", bool, where), runs=runs)


def _figures(row: object, where: str) -> Figures:
    data = _mapping(row, where)
    numbers = {name: _number(data, name, where) for name in ("rps", "p50_ms", "p99_ms", "pss_mib")}
    return Figures(
        round=_typed(data, "round", int, where),
        errors=_typed(data, "errors", int, where),
        requests=_typed(data, "requests", int, where),
        **{name: float(value) for name, value in numbers.items()},
    )


def _get(data: Mapping, name: str, where: str) -> object:
    if name not in data:
        raise InvalidMeasurements(f"{where}: {name} is missing")
    return data[name]


def _mapping(value: object, where: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise InvalidMeasurements(f"{where} must be an object")
    return value


def _list(data: Mapping, name: str, where: str = "the file") -> list:
    value = _get(data, name, where)
    if not isinstance(value, list):
        raise InvalidMeasurements(f"{where}: {name} must be a list")
    return value


def _typed(data: Mapping, name: str, kind: type, where: str):
    value = _get(data, name, where)
    # bool is an int in Python: a count given as true is still wrong
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidMeasurements(f"{where}: {name} must be {kind.__name__}, not {value!r}")
    return value


def _text(data: Mapping, name: str, where: str, allow_empty: bool = False) -> str:
    value = _typed(data, name, str, where)
    if not value and not allow_empty:
        raise InvalidMeasurements(f"{where}: {name} is empty")
    return value


def _number(data: Mapping, name: str, where: str) -> float:
    value = _get(data, name, where)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidMeasurements(f"{where}: {name} must be a number of 0 or more, not {value!r}")
    return value


def _datetime(value: object, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidMeasurements(f"{where}: {value!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise InvalidMeasurements(f"{where}: {value!r} has no time zone")
    return parsed


def _groups(cells: Iterable[Cell]) -> dict[tuple[str, str], list[Cell]]:
    groups: dict[tuple[str, str], list[Cell]] = {}
    for cell in cells:
        groups.setdefault((cell.framework, cell.workload), []).append(cell)
    return groups


# ---------------------------------------------------------------- reading figures


def workloads_for(choices: Mapping[str, str]) -> tuple[str, ...]:
    """The measured workloads the questionnaire's answers describe, in WORKLOADS order."""
    return tuple(
        workload
        for workload in WORKLOADS
        if any(choices.get(question) == option for question, option in WORKLOAD_ANSWERS[workload])
    )


def cells_for(run: MeasuredRun, framework: str, workload: str) -> tuple[Cell, ...]:
    return tuple(cell for cell in run.cells if cell.framework == framework and cell.workload == workload)


def baseline_for(run: MeasuredRun, framework: str, workload: str) -> Cell | None:
    return next((cell for cell in cells_for(run, framework, workload) if cell.baseline), None)


def ratio(run: MeasuredRun, cell: Cell) -> Ratio | None:
    """`cell`'s req/s over its baseline's, per round they both ran; None when either has no figures."""
    baseline = baseline_for(run, cell.framework, cell.workload)
    if baseline is None:
        return None
    baseline_rps = {figures.round: figures.rps for figures in baseline.runs}
    ratios = [figures.rps / baseline_rps[figures.round] for figures in cell.runs if baseline_rps.get(figures.round)]
    found = spread_of(ratios)
    return Ratio(cell, baseline, found) if found else None


def figures_of(run: MeasuredRun, cell: Cell) -> CellFigures:
    return CellFigures(
        cell=cell,
        rps=cell.spread("rps"),
        p50_ms=cell.spread("p50_ms"),
        p99_ms=cell.spread("p99_ms"),
        pss_mib=cell.spread("pss_mib"),
        errors=sum(figures.errors for figures in cell.runs),
        requests=sum(figures.requests for figures in cell.runs),
        ratio=ratio(run, cell),
    )


def groups(run: MeasuredRun) -> tuple[Group, ...]:
    """Every framework × workload the run measured: frameworks as the run lists them, workloads in WORKLOADS order."""
    found = _groups(run.cells)
    return tuple(
        Group(framework, info, tuple(figures_of(run, cell) for cell in found[framework, info.slug]))
        for framework in run.frameworks
        for workload in WORKLOADS
        if (info := run.workload(workload)) and (framework, workload) in found
    )


def first_anchor(run: MeasuredRun, framework: str) -> str:
    """The anchor of the framework's first table on the measured page (groups() order), without reading figures."""
    workload = next(w for w in WORKLOADS if run.workload(w) and any(cells_for(run, framework, w)))
    return group_anchor(framework, workload)


def for_servers(run: MeasuredRun, framework: str, workload: str, servers: Sequence[str]) -> tuple[CellFigures, ...]:
    """The figures of each of `servers` (slugs, in that order) the run measured for the framework and workload."""
    cells = (server_cell(run, framework, workload, server) for server in servers)
    return tuple(figures_of(run, cell) for cell in cells if cell is not None)


def group_anchor(framework: str, workload: str) -> str:
    """The id of a framework × workload's table on the measured page, e.g. django-held."""
    return f"{framework}-{workload}"


def server_cell(run: MeasuredRun, framework: str, workload: str, server: str) -> Cell | None:
    """The first cell of `server` (a server slug) for the framework and workload, if it has figures."""
    return next((c for c in cells_for(run, framework, workload) if c.server == server and c.runs), None)


def reproductions(first: MeasuredRun, second: MeasuredRun) -> tuple[Reproduction, ...]:
    """Each ratio both runs measured, first run's spread beside the second's."""
    found = []
    for cell in first.cells:
        twin = next(
            (
                other
                for other in second.cells
                if (other.framework, other.workload, other.setup) == (cell.framework, cell.workload, cell.setup)
            ),
            None,
        )
        mine, theirs = ratio(first, cell), twin and ratio(second, twin)
        if mine and theirs and not cell.baseline:
            found.append(Reproduction(cell.framework, cell.workload, cell.setup, mine.spread, theirs.spread))
    return tuple(found)


# ---------------------------------------------------------------- the article's claims


def claim_checks(run: MeasuredRun) -> tuple[ClaimCheck, ClaimCheck, ClaimCheck]:
    return asgi_claim(run), gap_claim(run), granian_claim(run)


def asgi_claim(run: MeasuredRun) -> ClaimCheck:
    """Django, the framework served both ways: Uvicorn (ASGI) over Gunicorn (WSGI) with many held requests."""
    found = _server_ratio(run, DJANGO, HELD, UVICORN, GUNICORN)
    if found is None:
        return ClaimCheck(
            CLAIM_ASGI, "Not measured in this run: Django on Uvicorn and on Gunicorn, held requests.", NOT_MEASURED
        )
    low, high = ARTICLE_ASGI_RANGE
    held = run.workload(HELD)
    load = held.label if held else "held requests"
    verdict = AGREES if low <= found.spread.median <= high else DISAGREES
    measured = (
        f"Measured here: Django on Uvicorn {times(found.spread)} Django on {found.baseline.setup} for {load}"
        f" ({_workers(run)})."
    )
    if verdict == DISAGREES:
        direction = "more" if found.spread.median > high else "less"
        measured += f" That is {direction} than the article's 2-4x."
    return ClaimCheck(CLAIM_ASGI, measured, verdict)


def gap_claim(run: MeasuredRun) -> ClaimCheck:
    """Uvicorn over Gunicorn for the minimal response and for the I/O-bound view: the same one ahead, by less?"""
    sentences, verdicts = [], []
    for framework in (DJANGO, FASTAPI):
        hello = _server_ratio(run, framework, HELLO, UVICORN, GUNICORN)
        io = _server_ratio(run, framework, IO, UVICORN, GUNICORN)
        if hello is None or io is None:
            continue
        change = gap_change(hello.spread.median, io.spread.median)
        verdicts.append(change == NARROWS)
        sentences.append(
            f"{_framework_label(framework)} on Uvicorn is {times(hello.spread)} {hello.baseline.setup} for the minimal"
            f" response and {times(io.spread)} for the view that waits 10 ms: {change}."
        )
    if not verdicts:
        return ClaimCheck(CLAIM_GAP, "Not measured in this run: Uvicorn and Gunicorn, both workloads.", NOT_MEASURED)
    return ClaimCheck(
        CLAIM_GAP,
        f"Measured here ({_workers(run)}): " + " ".join(sentences),
        AGREES if all(verdicts) else DISAGREES,
    )


NARROWS = "the gap narrows"
WIDENS = "the gap widens"
TURNS = "the other server leads"


def gap_change(before: float, after: float) -> str:
    """How the gap between two servers changes from one ratio to another (2x and 0.5x are the same gap)."""
    if (before - 1) * (after - 1) < 0:
        return TURNS
    return NARROWS if _gap(after) < _gap(before) else WIDENS


def granian_claim(run: MeasuredRun) -> ClaimCheck:
    """Where Granian's ratio to the baseline is largest: over the frameworks measured, the median per workload."""
    by_workload = {}
    for workload in (HELLO, IO, HELD):
        ratios = [
            found.spread.median
            for framework in run.frameworks
            if (cell := server_cell(run, framework, workload, GRANIAN)) and (found := ratio(run, cell))
        ]
        if ratios:
            by_workload[workload] = statistics.median(ratios)
    if len(by_workload) < 2:
        return ClaimCheck(CLAIM_GRANIAN, "Not measured in this run: Granian on two workloads or more.", NOT_MEASURED)
    largest = max(by_workload, key=by_workload.__getitem__)
    figures = ", ".join(f"{_workload_label(run, w)} {x:.2f}x" for w, x in by_workload.items())
    measured = (
        f"Measured here: Granian's median ratio to each framework's baseline is {figures}; largest for"
        f" {_workload_label(run, largest)}."
    )
    return ClaimCheck(CLAIM_GRANIAN, measured, AGREES if largest in (HELLO, HELD) else DISAGREES)


def _server_ratio(run: MeasuredRun, framework: str, workload: str, server: str, over: str) -> Ratio | None:
    """`server`'s req/s over `over`'s, round by round, for one framework and workload."""
    cell, other = server_cell(run, framework, workload, server), server_cell(run, framework, workload, over)
    if cell is None or other is None:
        return None
    other_rps = {figures.round: figures.rps for figures in other.runs}
    found = spread_of([f.rps / other_rps[f.round] for f in cell.runs if other_rps.get(f.round)])
    return Ratio(cell, other, found) if found else None


def _gap(ratio_median: float) -> float:
    """How far apart two servers are, whichever is faster: 2x and 0.5x are the same gap."""
    return max(ratio_median, 1 / ratio_median) if ratio_median else float("inf")


def times(spread: Spread) -> str:
    places = RATIO_DECIMALS
    return f"{spread.median:.{places}f}x ({spread.low:.{places}f}-{spread.high:.{places}f})"


def _workers(run: MeasuredRun) -> str:
    return f"{run.workers} worker{'s' if run.workers != 1 else ''} each"


def _framework_label(framework: str) -> str:
    return {DJANGO: "Django", FASTAPI: "FastAPI"}.get(framework, framework)


def _workload_label(run: MeasuredRun, workload: str) -> str:
    info = run.workload(workload)
    return info.label if info else workload
