"""Integration URLs: TMF620 under /tmf-api/ and the embeddable offers page."""

from django.urls import path, re_path

from rota.integrations.tmf620 import BASE_PATH
from rota.integrations.tmf_api import tmf_api, unknown_resource
from rota.integrations.views import offers_page

urlpatterns = [
    path(BASE_PATH.lstrip("/"), tmf_api.urls),
    re_path(r"^tmf-api/(?P<rest>.*)$", unknown_resource),
    path("offers/", offers_page, name="offers"),
]
