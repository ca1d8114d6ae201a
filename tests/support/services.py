"""Real PostgreSQL, Redis, nginx and gunicorn for the slow tests.

Each runs from a temporary folder, on a free port of 127.0.0.1 only, and is stopped by the fixture that
started it (tests/conftest.py), whether its tests pass or fail.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import psycopg
import redis

from lab.serving import free_port

BASE_DIR = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# Debian's postgresql package puts initdb and pg_ctl here, under the major version (15 on Debian 12).
POSTGRES_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda path: int(path.parent.parent.name))
# PostgreSQL refuses to run as root: as root, the cluster belongs to this unprivileged user instead.
POSTGRES_OS_USER = "nobody"
POSTGRES_ROLE = "serverwise"


def wait_for(check, what: str, timeout: float = 30, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    tail = f"\n{log.read_text()[-3000:]}" if log and log.exists() else ""
    raise TimeoutError(f"{what} within {timeout:.0f} s{tail}")


def status(url: str, host: str = "localhost", timeout: float = 5) -> int:
    """The HTTP status of a GET, or 0 when nothing answers."""
    try:
        with urlopen(Request(url, headers={"Host": host}), timeout=timeout) as response:
            response.read()
            return response.status
    except HTTPError as error:
        return error.code
    except OSError:
        return 0


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) == 0


def _end(process: subprocess.Popen | None, stop_signal: signal.Signals, timeout: float = 30) -> None:
    """Stops a server we started, gracefully if it can, killed if it cannot."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(stop_signal)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _temporary_folder(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"serverwise-{prefix}-"))


@dataclass
class Postgres:
    """A throwaway PostgreSQL cluster: initdb'd afresh, trusting loopback only, with no Unix socket."""

    folder: Path = field(default_factory=lambda: _temporary_folder("postgres"))
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "postgres.log"

    def url(self, database: str) -> str:
        return f"postgres://{POSTGRES_ROLE}@{HOST}:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> None:
        if not POSTGRES_BINS:
            raise RuntimeError("PostgreSQL is not installed: `make test` installs Debian's postgresql package")
        command = [str(POSTGRES_BINS[-1].parent / program), *map(str, args)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", POSTGRES_OS_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.folder)
        if result.returncode:
            log = self.log.read_text()[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}):\n{result.stdout}{result.stderr}{log}")

    def init(self) -> "Postgres":
        if os.geteuid() == 0:
            user = pwd.getpwnam(POSTGRES_OS_USER)
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", self.data, "-U", POSTGRES_ROLE, "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        options = f"-c listen_addresses={HOST} -p {self.port} -c unix_socket_directories='' -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Fast shutdown: PostgreSQL ends every session, as a restart or a failover does."""
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop")

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Redis:
    """redis-server without persistence, on loopback; stop() and start() keep the port."""

    folder: Path = field(default_factory=lambda: _temporary_folder("redis"))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        args = [
            "redis-server",
            "--bind",
            HOST,
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
            "--logfile",
            str(self.folder / "redis.log"),
        ]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.port), "redis-server did not listen", log=self.folder / "redis.log")

    def client(self):
        return redis.Redis(host=HOST, port=self.port, socket_timeout=5)

    def stop(self) -> None:
        _end(self.process, signal.SIGTERM)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Gunicorn:
    """One instance of Serverwise served by gunicorn with the given config file and environment."""

    name: str
    config: Path
    env: dict[str, str]
    folder: Path = field(default_factory=lambda: _temporary_folder("gunicorn"))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / f"{self.name}.log"

    def start(self) -> None:
        env = os.environ | self.env | {"HOST": HOST, "PORT": str(self.port)}
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(self.config)],
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(self._serving, f"gunicorn {self.name} did not answer /health", timeout=60, log=self.log)

    def _serving(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"gunicorn {self.name} exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}"
            )
        return status(f"{self.url}/health", self.host, timeout=2) == 200

    @property
    def host(self) -> str:
        """A name the instance answers to (monitors asking an instance directly send it too)."""
        return self.env.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0]

    def stop(self) -> None:
        _end(self.process, signal.SIGTERM)  # gunicorn's graceful stop: requests in progress finish

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Nginx:
    """nginx running one site file (a server block, as in sites-enabled/) inside a minimal nginx.conf."""

    site: str
    folder: Path = field(default_factory=lambda: _temporary_folder("nginx"))
    process: subprocess.Popen | None = None

    def start(self, *ports: int) -> None:
        (self.folder / "site.conf").write_text(self.site)
        temp_paths = "".join(
            f"    {kind}_temp_path {self.folder}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (self.folder / "nginx.conf").write_text(
            f"daemon off;\npid {self.folder}/nginx.pid;\nerror_log {self.folder}/error.log;\nevents {{}}\n"
            f"http {{\n    include /etc/nginx/mime.types;\n    access_log {self.folder}/access.log;\n{temp_paths}"
            f"    include {self.folder}/site.conf;\n}}\n"
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen(
            [
                nginx,
                "-p",
                f"{self.folder}/",
                "-c",
                str(self.folder / "nginx.conf"),
                "-e",
                str(self.folder / "error.log"),
            ],
            stdin=subprocess.DEVNULL,
        )
        for port in ports:
            wait_for(
                lambda port=port: port_open(port), f"nginx did not listen on {port}", log=self.folder / "error.log"
            )

    def destroy(self) -> None:
        _end(self.process, signal.SIGQUIT)  # nginx's graceful stop
        shutil.rmtree(self.folder, ignore_errors=True)


def manage(env: dict[str, str], *args: str) -> str:
    """Runs manage.py with `env` added to the environment, as a deploy does; its output, or the test fails with
    its errors."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
