"""Who a request comes from, for django-axes' lockout by client address."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The peer's address, or the address a trusted proxy put last in X-Forwarded-For.

    Only the last entry is the proxy's own word (nginx's $proxy_add_x_forwarded_for appends the address it saw);
    whatever comes before it, and the whole header from anyone else, is the client's to invent.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    if peer not in settings.TRUSTED_PROXIES:
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return peer
