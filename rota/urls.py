"""URL map: the back office (admin) at /admin/, the API at /api/v1/, TMF620 and /offers/."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from rota.api import api, unknown_endpoint

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", unknown_endpoint),
    path("planning/", include(("rota.planning.urls", "planning"))),
    path("", include("rota.integrations.urls")),
]
