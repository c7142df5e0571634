"""Phase 2 pages (docs/product.md §6.2), merged into activities/urls.py (app "activities")."""

from __future__ import annotations

from django.urls import path

from . import views as views

urlpatterns = [
    # one-to-one talks
    path("org/<int:org_pk>/talks/", views.talk_list, name="talk_list"),
    path("org/<int:org_pk>/talks/new/", views.talk_create, name="talk_create"),
    path("talks/<int:pk>/edit/", views.talk_edit, name="talk_edit"),
    path("talks/<int:pk>/delete/", views.talk_delete, name="talk_delete"),
    # self-examination statements
    path("org/<int:org_pk>/statements/", views.statement_list, name="statement_list"),
    path(
        "org/<int:org_pk>/statements/new/<slug:subject>/",
        views.statement_create,
        name="statement_create",
    ),
    path("statements/<int:pk>/", views.statement_detail, name="statement_detail"),
    path("statements/<int:pk>/edit/", views.statement_edit, name="statement_edit"),
    path("statements/<int:pk>/history/", views.statement_history, name="statement_history"),
    # democratic appraisal
    path("org/<int:org_pk>/appraisal/", views.appraisal_home, name="appraisal_home"),
    path("org/<int:org_pk>/appraisal/new/", views.appraisal_create, name="appraisal_create"),
    path("appraisal/<int:pk>/", views.appraisal_detail, name="appraisal_detail"),
    path("appraisal/<int:pk>/edit/", views.appraisal_edit, name="appraisal_edit"),
    path("appraisal/<int:pk>/tally/", views.appraisal_tallies, name="appraisal_tallies"),
    path("appraisal/<int:pk>/close/", views.appraisal_close, name="appraisal_close"),
    path("appraisal/<int:pk>/reopen/", views.appraisal_reopen, name="appraisal_reopen"),
    path("appraisal/<int:pk>/redo/", views.appraisal_redo, name="appraisal_redo"),
    path("appraisal/approvals/<int:pk>/", views.appraisal_approval, name="appraisal_approval"),
    # a party member's own result
    path("my/appraisal/", views.my_appraisals, name="my_appraisals"),
    path("my/appraisal/<int:pk>/", views.my_appraisal, name="my_appraisal"),
]
