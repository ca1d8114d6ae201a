"""How Serverwise is served: by `make run` and `make benchmark`, and in production one instance per PORT (8001,
8002, ...) behind deploy/nginx-serverwise.conf, on HOST 127.0.0.1, where nginx is the way in.

Each setting below is what `make benchmark` and the measurements quoted here found on the 2-core development
machine (November 2026, wrk at 16 connections on loopback, other jobs sharing the cores, so read ratios).
"""

import gc
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# One sync worker per core the process may use. A request here is CPU work only (templates, scoring, SQLite in
# the same process): no worker waits on I/O, so Gunicorn's 2 x cores + 1, which covers workers blocked on I/O,
# only adds processes taking turns on the same cores, each with its own cache and ~40 MiB. Measured side by
# side, 2, 3 and 5 workers served /health at 3,307, 3,059 and 3,463 req/s and a hot link at 3,139, 3,408 and
# 3,054 req/s: the same within the noise, so the fewest.
workers = int(os.environ.get("WEB_CONCURRENCY") or os.process_cpu_count() or 1)
worker_class = "sync"

# No max_requests: recycling is against leaks, and there is none to recycle against. Over 53,000 mixed
# requests (cold and hot pages, JSON, downloads, /health) a worker's RSS rose from 48 to 61 MiB while its
# result cache filled (at most 2,000 entries, settings.CACHES), then stayed at 61.9 MiB from the 28,000th
# request to the 53,000th. With
# max_requests = 1000 each worker respawned every few seconds under load and imported Django again:
# /health fell from 3,307 to 1,947 req/s and its p99 rose from 16 ms to 479 ms.
max_requests = 0

# Import the app once in the master and fork the workers from it: the workers share its pages, which measured
# 84 MiB PSS for master and 2 workers instead of 92 MiB, and a respawned worker serves at once. The price: a
# code change needs a restart, not a HUP. No database connection opens during import, so none is shared.
preload_app = True


def pre_fork(server, worker) -> None:
    """Hides what the master imported from the garbage collector, so that a worker's collections neither scan nor
    write to (and so copy) the pages it shares with the master: 35 instead of 43 MiB PSS per worker, measured
    after the same load, with throughput the same within the noise."""
    gc.freeze()


timeout = 30
graceful_timeout = 20
# One line per request on stdout, as Serverwise's own starter configs do: the measured cost (2 workers,
# 3,104 against 3,307 req/s for /health) is within the noise, and an operator without it is blind.
accesslog = "-"
wsgi_app = "guide.wsgi:application"
# No control socket: Gunicorn 27 would open one in $HOME/.gunicorn, shared by every Gunicorn of this user.
control_socket_disable = True
