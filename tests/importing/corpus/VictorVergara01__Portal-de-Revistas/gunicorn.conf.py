bind = "127.0.0.1:8000"
workers = 3
timeout = 30
max_requests = 1000
worker_class = "sync"
loglevel = "info"
accesslog = "-"
errorlog = "-"
