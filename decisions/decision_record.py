"""The decision as a MADR 4.0 record (Markdown Any Decision Records), for a team to commit beside its code.

`decision_record(...)` fills every MADR section from the answers, the ranking, what would change it and the
recommended server's plan. Pure: no request and no database; the caller gives the result page's address and
the date: the day the criteria it stands on were last changed.

Admins write server names, summaries, questions, options and reasons: `text()` keeps each on one line and
escapes what Markdown reads as structure or markup (headings, lists, quotes, code, links, raw HTML), so no
admin text can add a section, a link or HTML to the record.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.text import slugify

from decisions.answers import Answers
from decisions.configs.plan import ServerPlan
from decisions.configs.validate import command_tool_for, tool_for
from decisions.domain import Criteria
from decisions.scoring import Change, Reason, Sensitivity, ServerResult

NUMBER = "0001"  # the first record of a folder that has none; the team renumbers it if it has some
SIGNIFICANT = re.compile(r"[\\`*_\[\]<>#|~&]")
# At the start of a line these begin a list (1. or 1) too), or underline the line before into a heading.
LINE_START = re.compile(r"^(\d{0,9})([-+=.)])")


@dataclass(frozen=True)
class DecisionRecord:
    filename: str
    text: str


def decision_record(
    answers: Answers,
    criteria: Criteria,
    sensitivity: Sensitivity,
    plan: ServerPlan,
    filenames: Sequence[str],
    result_url: str,
    dated: date,
) -> DecisionRecord:
    """The record of choosing `plan`'s server, the recommended one; `result_url` is the result page without a query."""
    our_app = (
        plan.app.label.replace("your ", "our ") if plan.app.label.startswith("your ") else f"our {plan.app.label} app"
    )
    permalink = _with_query(result_url, answers.pinned_query(criteria))
    blocks = [
        f"---\nstatus: proposed\ndate: {dated.isoformat()}\n---",
        f"# Use {text(plan.server.name)} for {text(our_app)}",
        "## Context and Problem Statement",
        *_context(answers, criteria, our_app, permalink),
        "## Decision Drivers",
        _drivers(answers, criteria),
        "## Considered Options",
        "\n".join(f"* {text(result.server.name)}" for result in sensitivity.ranking.results),
        "## Decision Outcome",
        *_outcome(sensitivity),
        "### Consequences",
        _consequences(sensitivity.leader, plan),
        "### Confirmation",
        *_confirmation(plan, filenames, permalink),
        "## Pros and Cons of the Options",
        *_pros_and_cons(sensitivity),
        "## More Information",
        *_more_information(answers, criteria, sensitivity, result_url),
    ]
    return DecisionRecord(f"{NUMBER}-{slugify(f'use {plan.server.slug} for {our_app}')}.md", "\n\n".join(blocks) + "\n")


def text(value: str) -> str:
    """Admin-written text as one line of Markdown that shows exactly as written."""
    escaped = SIGNIFICANT.sub(lambda match: "\\" + match[0], " ".join(value.split()))
    return LINE_START.sub(r"\1\\\2", escaped)


def code(value: str) -> str:
    """A code span that holds any one line, backticks included: its fence is longer than any run inside."""
    flat = " ".join(value.split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    padding = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{padding}{flat}{padding}{fence}"


def _context(answers: Answers, criteria: Criteria, our_app: str, permalink: str) -> list[str]:
    names = [text(server.name) for server in criteria.servers]
    cores = f"{answers.cores} CPU core{'' if answers.cores == 1 else 's'}"
    return [
        f"{text(our_app[0].upper() + our_app[1:])} needs a Python application server. Which of"
        f" {', '.join(names[:-1])} and {names[-1]} should run it?",
        f"We answered {len(answers.choices)} of {len(criteria.questions)} questions of Serverwise's questionnaire, for"
        f" {cores} per instance, and Serverwise ranked the servers for those answers: <{permalink}>",
    ]


def _drivers(answers: Answers, criteria: Criteria) -> str:
    drivers = [
        f"* {text(option.label)} ({text(question.text)})"
        for question in criteria.questions
        if (option := question.option(answers.get(question.slug) or "")) is not None
    ]
    return (
        "\n".join(drivers)
        or "No question was answered: every server scores 0, and the tie rule puts the most mature one first."
    )


def _outcome(sensitivity: Sensitivity) -> list[str]:
    leader, runner_up = sensitivity.leader, sensitivity.runner_up
    if runner_up is None:
        return [f'Chosen option: "{text(leader.server.name)}", because it is the only one that fits every answer.']
    return [
        f'Chosen option: "{text(leader.server.name)}", because it fits every answer and comes out best, with'
        f" {leader.score:+d} (see Pros and Cons of the Options).",
        text(sensitivity.lead),
    ]


def _consequences(leader: ServerResult, plan: ServerPlan) -> str:
    return "\n".join(
        [_argument(reason) for reason in leader.reasons]
        + [
            f"* Neutral, because it needs about {plan.memory_limit_mib} MiB of memory per instance:"
            f" {text(plan.memory_formula)}.",
            f"* Neutral, because it installs {', '.join(code(package) for package in plan.pip_packages)}.",
        ]
    )


def _confirmation(plan: ServerPlan, filenames: Sequence[str], permalink: str) -> list[str]:
    checks = [f"* {code(name)}: {code(tool)}" for name in filenames if (tool := tool_for(name)) != "none"]
    if (command_tool := command_tool_for(plan.server.slug)) != "none":
        checks.append(f"* the start command {code(plan.start_command)}: {code(command_tool)}")
    return [
        "Serverwise's tests put each file of the starter bundle for these answers through the tool that reads it."
        " Run the same checks after you edit a file, before you deploy:",
        "\n".join(checks),
        f"The result for these answers, ranked with the criteria this record was made with: <{permalink}>",
    ]


def _pros_and_cons(sensitivity: Sensitivity) -> list[str]:
    blocks = []
    results = sensitivity.ranking.results
    for place, result in enumerate(results, start=1):
        if not result.eligible:
            standing = "Ruled out by these answers."
        elif result is sensitivity.leader:
            standing = f"Chosen: score {result.score:+d}, ranked {place} of {len(results)}."
        else:
            standing = f"Score {result.score:+d}, ranked {place} of {len(results)}."
        arguments = [_argument(reason, rules_out=True) for reason in result.excluded_because]
        arguments += [_argument(reason) for reason in result.reasons]
        blocks += [
            f"### {text(result.server.name)}",
            f"{text(result.server.summary)} {standing}",
            "\n".join(arguments) or "* Neutral, because none of these answers moves it up or down.",
        ]
    return blocks


def _argument(reason: Reason, rules_out: bool = False) -> str:
    answer = text(reason.option_label)
    if rules_out:
        return f"* Bad, because {text(reason.text)} ({answer + ' ' if answer else ''}rules it out)"
    verdict = "Good" if reason.points > 0 else "Bad" if reason.points < 0 else "Neutral"
    return f"* {verdict}, because {text(reason.text)} ({answer}: {reason.points:+d})"


def _more_information(answers: Answers, criteria: Criteria, sensitivity: Sensitivity, result_url: str) -> list[str]:
    blocks = [text(sensitivity.lead)]
    changes = [
        _change(change, _with_query(result_url, answers.changed(change).pinned_query(criteria)))
        for change in sensitivity.changes
    ]
    if changes:
        blocks += ["What would change the recommendation, one answer at a time:", "\n".join(changes)]
    else:
        blocks.append("No single answer, changed or left unanswered, would recommend another server.")
    return blocks


def _change(change: Change, url: str) -> str:
    answer = f"answered **{text(change.option_label)}**" if change.option else "left it unanswered"
    server = text(change.recommended.name) if change.recommended else "no server fits"
    return f"* {text(change.question_text)} If you {answer}: [{server}](<{url}>)"


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path
