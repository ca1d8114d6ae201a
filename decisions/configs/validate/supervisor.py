"""supervisor: a program config included by a main config of our own, read by supervisord's own parser."""

import json
import re
from pathlib import Path

from decisions.configs.validate.checks import Check, did_you_mean, output, require_module


def check_file(check: Check, filename: str, content: str, app: str | None) -> None:
    require_module("supervisor", "supervisor")
    if not any(section.startswith("program:") for section in _ini_sections(content)):
        check.problem("no [program:name] section: supervisord would run nothing")

    def local_log_folder(match: re.Match) -> str:
        option, log = match.group(2), Path(match.group(3))
        if log.parent.is_dir():
            return match.group(0)
        check.note(f"{log.parent} is not here: {option} was written to a temporary folder")
        return match.group(1) + str(check.folder / "logs" / log.name)

    (check.folder / "logs").mkdir()
    log_options = re.compile(r"^(\s*(std(?:out|err)_logfile)\s*=\s*)(/\S+)", re.MULTILINE)
    program = check.write(filename, log_options.sub(local_log_folder, check.with_throwaway_tls(content)))
    main = check.write(
        "serverwise-supervisord.conf",
        f"[supervisord]\nlogfile = {check.folder}/supervisord.log\npidfile = {check.folder}/supervisord.pid\n\n"
        f"[include]\nfiles = {program}\n",
    )
    result = check.run_program("supervisor_realize.py", main, program)
    if result.returncode:
        said = [line for line in output(result).splitlines() if line != "For help, use -c -h"]
        check.problem("\n".join(said) or f"supervisord stopped with exit status {result.returncode}")
        return
    found = json.loads(result.stdout)
    for section, option, known in found["unknown"]:
        hint = did_you_mean(option, known)
        check.problem(f"[{section}] unknown option {option!r}, which supervisord ignores silently{hint}")
    for warning in found["warnings"]:
        check.problem(warning)


def _ini_sections(content: str) -> list[str]:
    return re.findall(r"^\s*\[([^\]]+)\]", content, re.MULTILINE)
