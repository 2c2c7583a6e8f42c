"""Background work of the question desk: escalating questions whose timer ran out."""

from __future__ import annotations

from django_tasks import task


@task()
def escalate_due() -> int:
    """Escalate the questions not answered in time (enqueue it every minute)."""
    from frontline.helpdesk.services import questions_escalate

    return questions_escalate()
