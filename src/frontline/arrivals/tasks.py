"""Background tasks of the arrivals app: reading arrival lists, and the overdue hand-over
check (run it every few minutes: `manage.py arrivals_check_batches` or a scheduler)."""

from __future__ import annotations

from django_tasks import TaskContext, task


@task(takes_context=True)
def expected_import_run(context: TaskContext, job_id: int) -> str:
    """Read an uploaded arrival list into expected arrivals; a later attempt (the worker of
    the previous one died) reads it again."""
    from frontline.arrivals.imports import expected_import_run as run

    job = run(job_id, retry=context.attempt > 1)
    return job.status if job is not None else "missing"


@task()
def batches_check_overdue() -> int:
    """Alert about hand-over batches not confirmed in time."""
    from frontline.arrivals.handover import batches_alert_overdue

    return batches_alert_overdue()
