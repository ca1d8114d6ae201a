"""One Serverwise instance in production: run one per PORT (8001, 8002, ...) behind deploy/nginx-serverwise.conf.

The environment comes from the README's production section (DATABASE_URL, REDIS_URL, DJANGO_*).
"""

import multiprocessing
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8001')}"  # loopback only: nginx is the way in
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() + 1)
worker_class = "sync"
max_requests = 1000
max_requests_jitter = 50
timeout = 30
graceful_timeout = 20
accesslog = "-"
wsgi_app = "guide.wsgi:application"
forwarded_allow_ips = "127.0.0.1,::1"  # nginx on this host may say the request came over HTTPS
# No control socket: Gunicorn 27 would open one in $HOME/.gunicorn, shared by every Gunicorn of this user.
control_socket_disable = True
