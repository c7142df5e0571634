from __future__ import annotations

from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/organizations/", views.org_options, name="org_options"),
    path("bulk/", views.bulk_confirm, name="bulk_confirm"),
    path("bulk/decide/", views.bulk_decide, name="bulk_decide"),
    path("bulk/<int:pk>/", views.batch, name="batch"),
    path("bulk/<int:pk>/status/", views.batch_status, name="batch_status"),
    path("returned/", views.returned, name="returned"),
    path("<str:model>/<int:pk>/transition/", views.transition, name="transition"),
]
