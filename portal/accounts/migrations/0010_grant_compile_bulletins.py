"""Reviewers and the campaign office compile bulletins from the reports sent upward
(docs/product.md §6.6): the new compile_bulletins right is granted at the nodes where
they already hold one of those roles."""

from __future__ import annotations

from typing import Any

from django.db import migrations

ROLES = ("reviewer", "office")


def forward(apps: Any, schema_editor: Any) -> None:
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    Grant = apps.get_model("accounts", "OrganizationUserObjectPermission")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    pairs = set(
        RoleAssignment.objects.filter(role__in=ROLES).values_list("user_id", "organization_id")
    )
    if not pairs:
        return
    org_type, _ = ContentType.objects.get_or_create(app_label="organizations", model="organization")
    compile_bulletins, _ = Permission.objects.get_or_create(
        content_type=org_type,
        codename="compile_bulletins",
        defaults={"name": "Select reports sent upward and compile bulletins"},
    )
    have = set(
        Grant.objects.filter(permission=compile_bulletins).values_list(
            "user_id", "content_object_id"
        )
    )
    Grant.objects.bulk_create(
        [
            Grant(user_id=u, content_object_id=o, permission=compile_bulletins)
            for u, o in sorted(pairs - have)
        ]
    )


def backward(apps: Any, schema_editor: Any) -> None:
    Grant = apps.get_model("accounts", "OrganizationUserObjectPermission")
    Grant.objects.filter(permission__codename="compile_bulletins").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_reviewers_manage_organizations"),
        ("organizations", "0010_compile_bulletins_permission"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forward, backward)]
