"""Background tasks of the document center: rendering a batch of documents."""

from __future__ import annotations

from django_tasks import task


@task()
def render_batch(batch_id: int) -> str:
    """Render one batch; safe to run again (documents already written are kept)."""
    from frontline.documents.services import batch_render

    return batch_render(batch_id).status
