"""Background work of the knowledge app: rendering booklets."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def booklet_render_task(booklet_id: int) -> str:
    """Render a queued booklet to its PDF, reporting progress on the booklet row."""
    from frontline.knowledge.rendering_jobs import booklet_render

    booklet = booklet_render(booklet_id)
    return booklet.status if booklet is not None else "missing"
