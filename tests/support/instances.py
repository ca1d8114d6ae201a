"""A visitor's HTTPS requests to the deployed site, and the production environment docs/deploying.md gives."""

import http.client
import json
import re
import ssl
from dataclasses import dataclass

from tests.support.services import BASE_DIR, HOST

SITE_HOST = "serverwise.example"


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> dict:
        return json.loads(self.body)


def fetch(
    port: int,
    path: str,
    *,
    tls: bool = False,
    method: str = "GET",
    headers: dict | None = None,
    body: bytes | None = None,
) -> Response:
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # nginx's throwaway certificate
        connection = http.client.HTTPSConnection(HOST, port, timeout=30, context=context)
    else:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Host": SITE_HOST} | (headers or {}))
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def readme_environment() -> dict[str, str]:
    """The variables of docs/deploying.md's production environment, as a newcomer copies them."""
    readme = (BASE_DIR / "docs" / "deploying.md").read_text()
    section = readme.split("### The environment", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    return dict(line.split("=", 1) for line in block.splitlines() if line and not line.startswith("#"))
