"""Planning pages of the back office (namespace "planning"); staff only, like the admin."""

from django.contrib import admin
from django.urls import path

from rota.planning import views

staff = admin.site.admin_view

urlpatterns = [
    path("plans/<int:plan_id>/timeline/", staff(views.timeline), name="timeline"),
    path("key-results/<int:kr_id>/", staff(views.key_result), name="key_result"),
    path("plans/<int:plan_id>/business-case/", staff(views.business_case), name="business_case"),
    path("my-work/", staff(views.my_work), name="my_work"),
    path("plans/<int:plan_id>/report/", staff(views.report), name="report"),
    path("plans/<int:plan_id>/report.md", staff(views.report_markdown), name="report_markdown"),
]
