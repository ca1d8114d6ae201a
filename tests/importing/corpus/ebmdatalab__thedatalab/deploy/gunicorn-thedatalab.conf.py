bind = 'unix:/tmp/gunicorn-thedatalab.sock'
workers = 2
timeout = 30
