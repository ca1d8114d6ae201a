"""Stand-in WSGI app: answers every request with 200 "ok"."""


def _app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
