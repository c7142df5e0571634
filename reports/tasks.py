"""Celery tasks of the reports app (thin: each calls a service in services.py).

Reliability (docs/product.md §11, issue #5): acks_late + reject_on_worker_lost, so a message is
acknowledged only after the render finished and a worker killed mid-render puts it
back on the queue; the broker's visibility timeout (settings: twice the global task
time limit) is far above this task's hard limit, so a long render is never delivered
twice while it runs. Workers are recycled (settings: max tasks / memory per child).
"""

from __future__ import annotations

from celery import shared_task

from . import services

SOFT_TIME_LIMIT = 120
HARD_TIME_LIMIT = 150


@shared_task(
    name="reports.tasks.render_report",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=HARD_TIME_LIMIT,
)
def render_report(request_id: int) -> None:
    """Render one report request; does nothing when it is finished already."""
    services.report_render(request_id=request_id)


@shared_task(name="reports.tasks.resend_reports", time_limit=60, soft_time_limit=50)
def resend_reports() -> int:
    """Every 15 s (settings.CELERY_BEAT_SCHEDULE["resend-reports"]): send again the
    requests that never reached the broker or were lost with it, requeue renders whose
    worker died, start automatic retries whose time has come."""
    return services.resend_reports()


@shared_task(name="reports.tasks.expire_reports", time_limit=600, soft_time_limit=570)
def expire_reports() -> int:
    """Daily (settings.CELERY_BEAT_SCHEDULE["expire-reports"]): delete the files of done
    requests older than REPORTS_RETENTION_DAYS (those no kept request shares) and mark
    the requests expired; then delete stored report files no request points to."""
    expired = services.reports_expire()
    services.reports_sweep_orphans()
    return expired
