"""Background tasks of the notify app: delivering one outbox message, now or after a backoff."""

from __future__ import annotations

import logging
from datetime import datetime

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver_message(message_id: int) -> str:
    """Deliver one outbox message; idempotent, so a task run twice sends once."""
    from frontline.notify.services import message_deliver

    message = message_deliver(message_id)
    return message.status if message is not None else "missing"


def schedule_delivery(message_id: int, *, run_after: datetime | None = None) -> bool:
    """Enqueue the delivery of a message, at once or (for a retry) not before `run_after`.

    Returns whether a task was enqueued. A deferred retry is enqueued only on a backend that
    can defer (`supports_defer`, as the database backend the worker reads). The immediate
    backend (tests, a machine without a worker) runs a task inside `enqueue` and cannot wait:
    re-enqueuing a failed delivery there would retry at once, in-line and inside the failing
    attempt, ignoring the backoff and recursing until the attempts run out. So there the
    failed message keeps its `next_attempt_at` and `manage.py notify_retry_due` takes it up
    when it is due. Either way the outbox row, not the task queue, is the source of truth.
    """
    backend = deliver_message.get_backend()
    if run_after is not None:
        if not backend.supports_defer:
            return False
        deliver_message.using(run_after=run_after).enqueue(message_id)
    else:
        deliver_message.enqueue(message_id)
    logger.debug("notify: delivery of message %s enqueued (run after %s)", message_id, run_after)
    return True
