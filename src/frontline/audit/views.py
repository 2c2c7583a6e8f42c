"""The scoped audit pages: the change log and the personal-data access log, with CSV export."""

from __future__ import annotations

import csv
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.audit import selectors
from frontline.audit.forms import AccessFilterForm, ChangeFilterForm
from frontline.audit.models import AccessEvent, AccessLogEntry, ChangeLogEntry
from frontline.audit.services import access_record
from frontline.core.csvsafe import neutralise
from frontline.core.permissions import Action
from frontline.core.views import ScopedListView

EXPORT_LIMIT = 100_000


def _filters(form) -> dict:
    if not form.is_valid():
        return {}
    data = dict(form.cleaned_data)
    data["actor_name"] = data.pop("actor") or ""
    return {k: v for k, v in data.items() if v not in (None, "")}


class ChangeListView(ScopedListView):
    model = ChangeLogEntry
    action = Action.VIEW_AUDIT
    template_name = "audit/change_list.html"

    def get_queryset(self):
        super().get_queryset()
        self.form = ChangeFilterForm(self.request.GET or None)
        return selectors.change_list(actor=self.request.user, **_filters(self.form))

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, query=self.request.GET.urlencode(),
                                        **kwargs)


class AccessListView(ScopedListView):
    model = AccessLogEntry
    action = Action.VIEW_AUDIT
    template_name = "audit/access_list.html"

    def get_queryset(self):
        super().get_queryset()
        self.form = AccessFilterForm(self.request.GET or None)
        return selectors.access_list(actor=self.request.user, **_filters(self.form))

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, query=self.request.GET.urlencode(),
                                        **kwargs)


class _Echo:
    def write(self, value):
        return value


@login_required
def change_export(request):
    """The filtered change log as CSV; the export itself is logged."""
    if not request.user.can(Action.VIEW_AUDIT):
        raise PermissionDenied
    form = ChangeFilterForm(request.GET or None)
    qs = selectors.change_list(actor=request.user, **_filters(form))[:EXPORT_LIMIT]
    codes = sorted(request.user.scope_for(Action.VIEW_AUDIT).codes)
    access_record(actor=request.user, event=AccessEvent.EXPORT, object_type="audit.changelogentry",
                  jurisdiction_code=codes[0] if codes else "", record_count=qs.count(),
                  reason=_("audit log export"), detail={"filters": request.GET.dict()})
    writer = csv.writer(_Echo())
    header = [_("time"), _("actor"), _("request id"), _("action"), _("event"), _("object type"),
              _("object id"), _("object"), _("division code"), _("before"), _("after")]

    def rows():
        yield "\ufeff" + writer.writerow(header)
        for e in qs.iterator(chunk_size=2000):
            yield writer.writerow([neutralise(v) for v in (
                timezone.localtime(e.time).isoformat(), e.actor_label, e.request_id, e.action,
                e.event, e.object_type, e.object_id, e.object_repr, e.jurisdiction_code,
                json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
                json.dumps(e.after, ensure_ascii=False) if e.after is not None else "",
            )])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
