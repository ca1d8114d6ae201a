"""The Jinja2 environment of the public pages (jinja2/); the admin keeps Django's templates (templates/).

Autoescape is on (Django's backend sets it), and every value is escaped by Jinja2 alone. A variable a template
names that the context lacks is an error, not an empty string: an optional one is tested with `is defined`.
"""

from datetime import datetime

from django.template.defaultfilters import pluralize
from django.templatetags.static import static
from django.urls import reverse
from django.utils import dateformat, timezone
from django_htmx.jinja import htmx_script
from jinja2 import Environment, StrictUndefined


def url(name: str, *args: str) -> str:
    return reverse(name, args=args)


def date(value: datetime, format_string: str) -> str:
    """Django's `date` filter: the datetime in the current time zone, in Django's date format syntax."""
    return dateformat.format(timezone.localtime(value), format_string)


def environment(**options) -> Environment:
    env = Environment(**options | {"undefined": StrictUndefined})
    env.globals.update(static=static, url=url, htmx_script=htmx_script)
    env.filters.update(date=date, pluralize=pluralize)
    return env
