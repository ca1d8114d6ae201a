bind = '0.0.0.0:5000'
workers = 3
timeout = 120
ssl_version = 'TLS'
keyfile = '/etc/ssl/private/flask-selfsigned.key'
certfile = '/etc/ssl/certs/flask-selfsigned.crt'