"""The roster as a spreadsheet: one row per shift of the day, essential posts first, and the
unfilled places. Every text cell is neutralised against formula injection; the export is logged."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from frontline.audit.models import AccessEvent
from frontline.audit.services import access_record
from frontline.core.csvsafe import neutralise
from frontline.linguists import selectors


def roster_xlsx(*, actor: Any, day: datetime.date) -> tuple[bytes, int]:
    """The roster of one local day as .xlsx bytes, and the number of rows written."""
    _columns, rows = selectors.roster(actor=actor, day=day)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=day.isoformat())
    sheet.append([_("post"), _("essential"), _("language"), pgettext("linguist", "from"),
                  pgettext("linguist", "until"), pgettext("linguist", "people"), _("assigned"),
                  _("unfilled"), _("members")])
    count = 0
    for row in rows:
        need = row.need
        filled = len(row.members)
        sheet.append([neutralise(str(need.post)), _("yes") if need.essential else "",
                      need.get_language_display(),
                      timezone.localtime(need.starts_at).strftime("%Y-%m-%d %H:%M"),
                      timezone.localtime(need.ends_at).strftime("%Y-%m-%d %H:%M"),
                      need.people, filled, max(need.people - filled, 0),
                      neutralise(", ".join(row.members))])
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    with transaction.atomic():
        access_record(actor=actor, event=AccessEvent.EXPORT, object_type="linguists.shift",
                      jurisdiction_code="", record_count=count,
                      detail={"day": day.isoformat(), "format": "xlsx"})
    return buffer.getvalue(), count
