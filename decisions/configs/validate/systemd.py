"""systemd: a unit through systemd-analyze verify, with this machine's server standing in for the app's venv."""

import re

from decisions.configs.paths import VM_VENV
from decisions.configs.validate.checks import Check, ToolMissing, executable, output

APP_VENV_BIN = f"{VM_VENV}/bin/"


def check_file(check: Check, filename: str, content: str, app: str | None) -> None:
    tool = executable("systemd-analyze")

    def local_executable(match: re.Match) -> str:
        name = match.group(3)
        try:
            found = executable(name)
        except ToolMissing:
            check.problem(f"{name} is not installed here, so {APP_VENV_BIN}{name} cannot stand in")
            return match.group(0)
        check.note(f"{APP_VENV_BIN}{name} is not here: {found} stood in for it")
        return match.group(1) + found

    exec_lines = re.compile(rf"^(\s*Exec\w*\s*=\s*[-@:+!]*)({re.escape(APP_VENV_BIN)})([\w.-]+)", re.MULTILINE)
    unit = check.write(filename, exec_lines.sub(local_executable, check.with_throwaway_tls(content)))
    result = check.run([tool, "verify", unit])
    lines = output(result).splitlines()
    about_unit = [line for line in lines if filename in line]
    if result.returncode or about_unit:  # unknown keys only warn, with exit status 0
        check.problem("\n".join(lines) or f"systemd-analyze verify failed with exit status {result.returncode}")
    else:
        for line in lines:
            check.note(line)
