"""Running a booklet's rendering: status and progress on the row, the PDF under MEDIA_ROOT."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from frontline.knowledge.models import Booklet, BookletStatus

logger = logging.getLogger(__name__)


def booklet_path(booklet: Booklet) -> Path:
    return Path(settings.MEDIA_ROOT) / "knowledge" / "booklets" / f"booklet-{booklet.pk}.pdf"


def booklet_render(booklet_id: int) -> Booklet | None:
    from frontline.knowledge.booklet import render_booklet

    booklet = Booklet.objects.filter(pk=booklet_id).first()
    if booklet is None or booklet.status == BookletStatus.DONE:
        return booklet

    def progress(percent: int) -> None:
        Booklet.objects.filter(pk=booklet.pk).update(progress=percent)

    Booklet.objects.filter(pk=booklet.pk).update(status=BookletStatus.RENDERING, progress=5)
    try:
        pdf, pages = render_booklet(booklet, progress)
        path = booklet_path(booklet)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(pdf)
        tmp.replace(path)
    except Exception as exc:  # a failed rendering is shown on the booklet, not lost
        logger.exception("knowledge: booklet %s failed", booklet.pk)
        Booklet.objects.filter(pk=booklet.pk).update(status=BookletStatus.FAILED,
                                                     error=str(exc)[:2000])
    else:
        Booklet.objects.filter(pk=booklet.pk).update(
            status=BookletStatus.DONE, progress=100, pages=pages,
            file_path=str(path.relative_to(settings.MEDIA_ROOT)), finished_at=timezone.now())
    booklet.refresh_from_db()
    return booklet
