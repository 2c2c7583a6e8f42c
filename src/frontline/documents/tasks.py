"""Background tasks of the document center: rendering a batch of documents."""

from __future__ import annotations

from django_tasks import TaskContext, task


@task(takes_context=True)
def render_batch(context: TaskContext, batch_id: int) -> str:
    """Render one batch; safe to run again (documents already written are kept). A later
    attempt (the worker of the previous one died) resumes the batch."""
    from frontline.documents.services import batch_render

    return batch_render(batch_id, retry=context.attempt > 1).status
