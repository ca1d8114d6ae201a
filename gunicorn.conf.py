"""How `make run` serves Serverwise: HOST and PORT from the environment."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
max_requests = 1000
max_requests_jitter = 50
timeout = 30
graceful_timeout = 20
accesslog = "-"
wsgi_app = "guide.wsgi:application"
# No control socket: Gunicorn 27 would open one in $HOME/.gunicorn, shared by every Gunicorn of this user.
control_socket_disable = True
