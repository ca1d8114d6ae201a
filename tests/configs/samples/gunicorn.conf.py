"""Gunicorn for a WSGI app behind nginx: sync workers, 2 x cores + 1."""

bind = "127.0.0.1:8000"
workers = 5
worker_class = "sync"
max_requests = 1000
max_requests_jitter = 50
timeout = 30
graceful_timeout = 30
keepalive = 5
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
wsgi_app = "app:application"
