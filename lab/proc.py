"""What /proc tells about a running server: its worker processes and their memory."""

import os
from pathlib import Path

# Helper processes that multiprocessing starts beside a server's workers (Hypercorn's spawned workers share an Event).
HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


def memory_kib(pid: int) -> dict[str, int]:
    """Pss and Rss of a process, from /proc/PID/smaps_rollup. Pss charges a page shared by n processes 1/n to each."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":")
        fields[name] = int(value.split()[0])
    return {"Pss": fields["Pss"], "Rss": fields["Rss"]}


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()


def worker_pids(main: int) -> list[int]:
    """The processes that serve requests: the main process's children (a master's workers), less multiprocessing's
    helpers; the main process itself when it has none (Uvicorn with one worker serves in its own process)."""
    workers = [pid for pid in children(main) if not any(helper in command_line(pid) for helper in HELPERS)]
    return workers or [main]


def group_cpu_seconds(group: int) -> float:
    """CPU time (user and system) used so far by the processes of a process group, a server and its workers."""
    ticks = 0
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:  # pgrp (stat field 5); utime and stime are fields 14 and 15
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")
