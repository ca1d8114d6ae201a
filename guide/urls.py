from django.contrib import admin
from django.templatetags.static import static
from django.urls import path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from decisions import views

urlpatterns = [
    path("", views.home, name="home"),
    path("recommend/", views.result, name="result"),
    path("recommend.json", views.result_json, name="result-json"),
    path("recommend/configs/<str:filename>", views.config_file, name="config-file"),
    path("recommend/bundle.zip", views.config_bundle, name="config-bundle"),
    path("recommend/decision.md", views.decision_record_download, name="decision-record"),
    path("import/", views.import_setup, name="import"),
    path("import.json", views.import_json, name="import-json"),
    path("servers/", views.servers, name="servers"),
    path("changes/", views.changes, name="changes"),
    path("measured/", views.measured, name="measured"),
    path("health", views.health, name="health"),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's); the hashed name is read per request.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"))),
]
