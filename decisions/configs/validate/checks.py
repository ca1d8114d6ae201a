"""What every check shares: its temporary folder, the tools it runs there, and the Verdict it ends with."""

import contextlib
import difflib
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import tempfile
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from decisions.configs.paths import CERT_PATH, KEY_PATH

TIMEOUT_SECONDS = 30
# Our own environment must not change how a tool reads the file under test (GUNICORN_CMD_ARGS, UWSGI_*, ...).
TOOL_ENVIRONMENT_PREFIXES = (
    "GUNICORN_",
    "UWSGI_",
    "HYPERCORN_",
    "UVICORN_",
    "GRANIAN_",
    "HADOLINT_",
    "WEB_CONCURRENCY",
)
PROGRAMS = Path(__file__).parent / "programs"


@dataclass(frozen=True)
class Verdict:
    filename: str
    ok: bool
    tool: str
    messages: tuple[str, ...]


class ToolMissing(Exception):
    pass


@dataclass
class Check:
    """One validation: its temporary folder, and what it found so far."""

    folder: Path
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def write(self, name: str, content: str) -> Path:
        path = (self.folder / name).resolve()
        if not path.is_relative_to(self.folder.resolve()):
            raise ValueError(f"{name!r} would land outside the folder of the check")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        return path

    def run(self, args: list[str]) -> subprocess.CompletedProcess:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(TOOL_ENVIRONMENT_PREFIXES)}
        return subprocess.run(
            [str(arg) for arg in args],
            cwd=self.folder,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )

    def run_program(self, name: str, *args: str | Path) -> subprocess.CompletedProcess:
        """Runs one of programs/ with this interpreter, in the folder of the check."""
        return self.run([sys.executable, PROGRAMS / name, *args])

    def with_throwaway_tls(self, text: str) -> str:
        """The user's certificates are not here: a self-signed pair made now stands in for them."""
        if CERT_PATH not in text and KEY_PATH not in text:
            return text
        cert, key = self.folder / "throwaway-tls" / "cert.pem", self.folder / "throwaway-tls" / "key.pem"
        if not cert.exists():
            cert.parent.mkdir()
            made = self.run(self_signed_pair_command(executable("openssl"), cert, key))
            if made.returncode:
                raise ToolMissing(f"openssl could not make a throwaway certificate: {output(made)}")
            self.note(f"{CERT_PATH} and {KEY_PATH} are not here: a throwaway self-signed pair stood in for them")
        return text.replace(CERT_PATH, str(cert)).replace(KEY_PATH, str(key))

    def verdict(self, filename: str, tool: str) -> Verdict:
        noise = (f"{self.folder}/", f"{os.path.dirname(sys.executable)}/")
        messages = tuple(_without(message, noise) for message in self.problems + self.notes)
        return Verdict(filename, not self.problems, tool, messages)


def _without(text: str, parts: tuple[str, ...]) -> str:
    for part in parts:
        text = text.replace(part, "")
    return text


def checked(filename: str, tool: str, body: Callable[[Check], None]) -> Verdict:
    with tempfile.TemporaryDirectory(prefix="serverwise-check-") as folder:
        check = Check(Path(folder))
        try:
            body(check)
        except ToolMissing as missing:
            check.problem(str(missing))
        except subprocess.TimeoutExpired as slow:
            check.problem(f"{Path(str(slow.cmd[0])).name} did not finish within {slow.timeout:g} s")
        return check.verdict(filename, tool)


def executable(name: str) -> str:
    """A tool from this venv's bin (where pip puts hadolint, uwsgi...), PATH, or Debian's sbin (nginx)."""
    search = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    found = shutil.which(name, path=search)
    if found is None:
        raise ToolMissing(f"{name} is not installed here")
    return found


def require_module(module: str, package: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise ToolMissing(f"{package} is not installed here")


def output(result: subprocess.CompletedProcess) -> str:
    return "\n".join(line for line in (result.stderr + result.stdout).splitlines() if line.strip())


def did_you_mean(name: str, known: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def last_line(result: subprocess.CompletedProcess) -> str:
    lines = output(result).splitlines()
    return lines[-1] if lines else f"exit status {result.returncode}"


@contextlib.contextmanager
def quiet() -> typing.Iterator[None]:
    """--help and --version print before they exit: keep that out of the web server's log."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


class UsageError(Exception):
    pass


def raise_usage_error(message: str) -> typing.NoReturn:
    raise UsageError(message)


def self_signed_pair_command(openssl: str, cert: Path, key: Path, common_name: str = "localhost") -> list[str | Path]:
    """openssl's command for a throwaway self-signed certificate and key (P-256, one day): what the validators and
    the tests put where the user's certificate would be."""
    subject = ["-subj", f"/CN={common_name}", "-keyout", key, "-out", cert]
    return [
        openssl,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "1",
        *subject,
    ]
