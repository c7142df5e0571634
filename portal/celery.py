"""The Celery application (`celery -A portal worker`, `celery -A portal beat`).

Configuration comes from Django settings under the CELERY_ namespace
(portal/settings.py): with no REDIS_URL the broker is in memory and every task runs
in-process (CELERY_TASK_ALWAYS_EAGER), so the embedded default needs no worker.
Tasks are found in each installed app's `tasks.py`.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
