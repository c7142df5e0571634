"""Account management becomes a role of its own (docs/product.md §4).

Reviewers kept the organization tree (the new manage_organizations right) but no longer
manage accounts: their manage_accounts grants are replaced by manage_organizations
grants at the same nodes. No account-manager role is given automatically — that would
undo the separation — so after upgrading, a site administrator grants the role
(docs/operations.md, "Upgrading to the account-manager role").
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def forward(apps: Any, schema_editor: Any) -> None:
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    Grant = apps.get_model("accounts", "OrganizationUserObjectPermission")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    reviewers = list(
        RoleAssignment.objects.filter(role="reviewer").values_list("user_id", "organization_id")
    )
    if reviewers:
        org_type, _ = ContentType.objects.get_or_create(
            app_label="organizations", model="organization"
        )
        manage_orgs, _ = Permission.objects.get_or_create(
            content_type=org_type,
            codename="manage_organizations",
            defaults={"name": "Maintain the organization tree in the subtree"},
        )
        have = set(
            Grant.objects.filter(permission=manage_orgs).values_list(
                "user_id", "content_object_id"
            )
        )
        Grant.objects.bulk_create(
            [
                Grant(user_id=u, content_object_id=o, permission=manage_orgs)
                for u, o in sorted(set(reviewers) - have)
            ]
        )
    # Only reviewers held manage_accounts until now (site administrators need no grant).
    Grant.objects.filter(permission__codename="manage_accounts").delete()


def backward(apps: Any, schema_editor: Any) -> None:
    Grant = apps.get_model("accounts", "OrganizationUserObjectPermission")
    Permission = apps.get_model("auth", "Permission")
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    manage_accounts = Permission.objects.filter(
        content_type__app_label="organizations", codename="manage_accounts"
    ).first()
    if manage_accounts is not None:
        pairs = set(
            RoleAssignment.objects.filter(role="reviewer").values_list(
                "user_id", "organization_id"
            )
        )
        Grant.objects.bulk_create(
            [
                Grant(user_id=u, content_object_id=o, permission=manage_accounts)
                for u, o in sorted(pairs)
            ]
        )
    Grant.objects.filter(permission__codename="manage_organizations").delete()
    RoleAssignment.objects.filter(role="account_manager").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_account_manager_role"),
        ("organizations", "0009_manage_organizations_permission"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forward, backward)]
