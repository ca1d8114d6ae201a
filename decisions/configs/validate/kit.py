"""compare.py, the bundle's measuring kit: Python compiles it, and its --help runs with the standard library only."""

import sys

from decisions.configs.validate.checks import Check, last_line, output

# -I: no user site, no PYTHON* variables, no current folder on sys.path; -S: no site-packages either.
STANDARD_LIBRARY_ONLY = [sys.executable, "-I", "-S"]


def check_file(check: Check, filename: str, content: str, app: str | None) -> None:
    check.write(filename, content)
    compiled = check.run([*STANDARD_LIBRARY_ONLY, "-m", "py_compile", filename])
    if compiled.returncode:
        check.problem(output(compiled))
        return
    helped = check.run([*STANDARD_LIBRARY_ONLY, filename, "--help"])
    if helped.returncode or not helped.stdout.startswith(f"usage: {filename}"):
        check.problem(f"python {filename} --help failed without site-packages: {last_line(helped)}")
