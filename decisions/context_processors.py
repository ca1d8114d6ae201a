"""What every public page's template may use (the Jinja2 engine runs it, settings.TEMPLATES)."""

from decisions.configs.plan import CHECKED_IN


def checked_in(request) -> dict:
    """When the servers' facts were checked and their memory measured: the footer and the sources say it."""
    return {"checked_in": CHECKED_IN}
