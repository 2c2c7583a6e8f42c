"""Background tasks of daily figures: building a bulletin."""

from __future__ import annotations

from django_tasks import task


@task()
def build_bulletin(bulletin_id: int) -> str:
    from frontline.reports.bulletin import bulletin_build

    return bulletin_build(bulletin_id).status
