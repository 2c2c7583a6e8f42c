"""Template tags of the shell: whether background work can go on."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("_worker_missing.html")
def worker_warning() -> dict[str, bool]:
    """A line saying no task worker is running, for pages that wait for background work
    (an import, a batch of documents): the work waits in the queue and goes on when one runs
    again, but the person waiting must know why nothing moves."""
    from frontline.core.workers import any_worker_alive

    return {"missing": not any_worker_alive()}
