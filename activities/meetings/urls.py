"""Meeting, shared-attendance and study-counseling pages, merged into
activities/urls.py (app "activities")."""

from __future__ import annotations

from django.urls import path

from ..study import views as study
from . import views as meetings

urlpatterns = [
    # meetings held by an organization
    path("org/<int:org_pk>/meetings/", meetings.meeting_list, name="meeting_list"),
    path("org/<int:org_pk>/meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/delete/", meetings.meeting_delete, name="meeting_delete"),
    path("meetings/<int:pk>/history/", meetings.meeting_history, name="meeting_history"),
    path("meetings/<int:pk>/files/", meetings.meeting_attachments, name="meeting_attachments"),
    path(
        "meetings/<int:pk>/submit-for-review/",
        meetings.meeting_submit_review,
        name="meeting_submit_review",
    ),
    path("meetings/<int:pk>/criticism/new/", meetings.criticism_add, name="criticism_add"),
    path("criticism/<int:pk>/delete/", meetings.criticism_delete, name="criticism_delete"),
    # shared attendance: an organization's members at a meeting held above it
    path(
        "org/<int:org_pk>/attended/new/",
        meetings.participation_create,
        name="participation_create",
    ),
    path("attended/<int:pk>/", meetings.participation_detail, name="participation_detail"),
    path("attended/<int:pk>/edit/", meetings.participation_edit, name="participation_edit"),
    path("attended/<int:pk>/delete/", meetings.participation_delete, name="participation_delete"),
    # study counseling
    path("org/<int:org_pk>/study/", study.counseling_list, name="counseling_list"),
    path("org/<int:org_pk>/study/new/", study.counseling_add, name="counseling_add"),
    path("members/<int:member_pk>/study/", study.counseling_member, name="counseling_member"),
    path("study/<int:pk>/", study.counseling_detail, name="counseling_detail"),
    path("study/<int:pk>/edit/", study.counseling_edit, name="counseling_edit"),
    path("study/<int:pk>/delete/", study.counseling_delete, name="counseling_delete"),
    path("study/<int:pk>/files/", study.counseling_attachments, name="counseling_attachments"),
    path("my/study/", study.my_study, name="my_study"),
    path("my/study/new/", study.my_study_add, name="my_study_add"),
]
