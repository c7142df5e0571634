"""Spreadsheet import and export, mounted at /io/ (portal/urls.py)."""

from django.urls import path

from . import views_io

app_name = "io"

urlpatterns = [
    path("", views_io.index, name="index"),
    path("import/<slug:kind>/", views_io.import_upload, name="import"),
    path("template/<slug:kind>.xlsx", views_io.import_template, name="template"),
    path("jobs/<int:pk>/", views_io.job_detail, name="job"),
    path("jobs/<int:pk>/confirm/", views_io.job_confirm, name="job_confirm"),
    path("jobs/<int:pk>/retry/", views_io.job_retry, name="job_retry"),
    path("export/<slug:kind>.<slug:fmt>", views_io.export, name="export"),
]
