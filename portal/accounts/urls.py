from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views, views_audit, views_two_factor

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    # Django's LogoutView accepts POST only (base.html posts a form with the CSRF token).
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("two-factor/", views_two_factor.two_factor, name="two_factor"),
    path("two-factor/code/", views_two_factor.verify, name="two_factor_verify"),
    path("two-factor/remove/", views_two_factor.two_factor_remove, name="two_factor_remove"),
    path(
        "two-factor/backup-codes/",
        views_two_factor.two_factor_backup_codes,
        name="two_factor_backup_codes",
    ),
    path("audit/", views_audit.audit_log, name="audit_log"),
    path("audit/export/<str:fmt>/", views_audit.audit_export, name="audit_export"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/organizations/", views.organization_options, name="organization_options"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views.user_update, name="user_update"),
    path("users/<int:pk>/password/", views.user_set_password, name="user_set_password"),
    path("users/<int:pk>/roles/", views.role_add, name="role_add"),
    path("users/<int:pk>/member/", views.member_link, name="member_link"),
    path("users/<int:pk>/member/unlink/", views.member_unlink, name="member_unlink"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
]
