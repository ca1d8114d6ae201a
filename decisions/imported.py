"""Where an imported setup's answers were read, kept for the page the import redirects to: in the session, never
in the share link, which stays the answers alone.

The session cookie marks the visitor's requests as personal (decisions.caching.personal): their pages are rendered
for them, never stored or replayed, and leave `private, no-store`. The import is shown on the home page at the
address it redirected to, and dropped, with the session cookie once the session is empty, when the visitor asks
that page with other answers.
"""

from django.conf import settings
from django.http import HttpRequest

from decisions.caching import personal

SESSION_KEY = "imported"
SHOWN_MOST = 100  # of each list kept: a reading of hostile files may list thousands of lines not understood
LISTS = ("settings", "not_carried", "computed", "not_understood", "problems")


def remember(request: HttpRequest, query: str, data: dict) -> None:
    """Keeps what was read (decisions.setups.report.reading_data) for the page at `?query`."""
    request.session[SESSION_KEY] = (
        data
        | {name: data[name][:SHOWN_MOST] for name in LISTS}
        | {"more": {name: max(0, len(data[name]) - SHOWN_MOST) for name in LISTS}, "query": query}
    )


def shown_on(request: HttpRequest) -> dict | None:
    """The import to show on this page: the one remembered for this address. Asked with other answers, the import
    is forgotten."""
    if not personal(request) or SESSION_KEY not in request.session:
        return None
    imported = request.session[SESSION_KEY]
    if imported["query"] == request.META.get("QUERY_STRING", ""):
        return imported
    del request.session[SESSION_KEY]
    if not request.session.keys():
        request.session.flush()  # nothing else in it (an admin's sign-in would be): the cookie goes too
    return None


def from_this_site(request: HttpRequest) -> bool:
    """Whether a browser posted the import form from this site's own pages (CSRF protection).

    Not Django's token: the form is on the home page and its share links, which are one page for everyone, kept by
    the sent-response cache and shared caches; a token would make each a page per visitor. A browser says where a
    request comes from instead: Sec-Fetch-Site (every current browser), else Origin (sent with every cross-site
    POST by browsers older than that header). A request with neither comes from no browser, which has no visitor's
    cookies to abuse."""
    fetched_from = request.headers.get("Sec-Fetch-Site")
    if fetched_from is not None:
        return fetched_from in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin == f"{request.scheme}://{request.get_host()}" or origin in settings.CSRF_TRUSTED_ORIGINS
    return True
