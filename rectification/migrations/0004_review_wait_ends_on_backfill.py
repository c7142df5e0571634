"""Fill ReviewTask.wait_ends_on (portal.reviews 0002) for the inbox rows written before
it existed: the end of each record's campaign, so that the days a record of a finished
campaign has waited stop counting at its end. New rows get it at each transition."""

from collections import defaultdict

from django.db import migrations

# (app label, model, path to its campaign), as Reviewable.review_campaign_path says.
RECORDS = [
    ("activities", "activityplan", "campaign"),
    ("activities", "selfexamination", "campaign"),
    ("activities", "appraisalapproval", "session__campaign"),
    ("activities", "specialmeetingreview", "meeting__campaign"),
    ("rectification", "problemlist", "campaign"),
    ("rectification", "standardassessment", "campaign"),
    ("rectification", "closurerequest", "item__problem_list__campaign"),
    ("rectification", "extensionrequest", "item__problem_list__campaign"),
]


def backfill(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ReviewTask = apps.get_model("reviews", "ReviewTask")
    for app_label, model_name, path in RECORDS:
        content_type = ContentType.objects.filter(app_label=app_label, model=model_name).first()
        if content_type is None:
            continue
        model = apps.get_model(app_label, model_name)
        by_end = defaultdict(list)
        for pk, ends_on in model.objects.values_list("pk", f"{path}__ends_on"):
            if ends_on is not None:
                by_end[ends_on].append(pk)
        for ends_on, pks in by_end.items():
            for start in range(0, len(pks), 500):
                ReviewTask.objects.filter(
                    content_type=content_type, object_id__in=pks[start : start + 500]
                ).update(wait_ends_on=ends_on)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reviews", "0002_review_task_wait_ends_on"),
        ("activities", "0006_specialmeetingreview"),
        ("rectification", "0003_mechanisms_funding_commendations_reminders"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
