"""The benchmark's ceiling: one Django 6.1 view with no middleware, no database and no templates.

`make benchmark` serves it with the site's own deploy/gunicorn.conf.py (`gunicorn -c deploy/gunicorn.conf.py
scripts.bare_django:application`), so the two differ only in what Serverwise itself does per request.
"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bare-django-benchmark",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_I18N=False,
)


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [path("", ok)]
application = get_wsgi_application()
