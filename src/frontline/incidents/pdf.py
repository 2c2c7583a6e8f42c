"""The information report (信息报送) as a PDF in the standard form: header, number, title,
the report's text, the approval and sending lines. WeasyPrint with the Noto fonts; the
markup is built here from escaped text and fetches nothing."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

CSS = """
@page { size: A4; margin: 22mm 20mm 20mm 20mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; } }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Sans", serif; font-size: 12pt;
       line-height: 1.6; color: #111; }
h1 { text-align: center; color: #b4232a; font-size: 26pt; letter-spacing: .2em; margin: 0; }
.number { text-align: center; margin: 4mm 0 2mm; }
hr { border: 0; border-top: 2pt solid #b4232a; margin: 2mm 0 8mm; }
h2 { text-align: center; font-size: 16pt; margin: 0 0 6mm; }
p { margin: 0 0 2mm; white-space: pre-wrap; }
.meta { margin-top: 10mm; font-size: 10.5pt; color: #333; border-top: .6pt solid #999; padding-top: 3mm; }
"""


def _refuse(url, *args, **kwargs):
    raise ValueError(f"refused URL {url[:60]!r}")


def report_pdf(report) -> bytes:
    from weasyprint import HTML

    incident = report.incident
    body = "".join(f"<p>{escape(line) or '&#160;'}</p>" for line in report.text.splitlines())
    meta = [_("Written by %(who)s at %(time)s") % {
        "who": getattr(report.created_by, "display_name", "") or report.created_by or "—",
        "time": timezone.localtime(report.created_at).strftime("%Y-%m-%d %H:%M")}]
    if report.approved_at:
        meta.append(_("Approved by %(who)s at %(time)s") % {
            "who": getattr(report.approved_by, "display_name", "") or report.approved_by,
            "time": timezone.localtime(report.approved_at).strftime("%Y-%m-%d %H:%M")})
    else:
        meta.append(_("DRAFT — not approved, not to be sent"))
    if report.sent_at:
        meta.append(_("Sent to %(to)s at %(time)s") % {
            "to": report.recipients,
            "time": timezone.localtime(report.sent_at).strftime("%Y-%m-%d %H:%M")})
    # Outside the f-string, where gettext's extractor finds them (it cannot read f-strings).
    heading = _("Information report")
    number = _("No. %(n)s") % {"n": report.number}
    html = (f"<!DOCTYPE html><html lang='zh-Hans'><head><meta charset='utf-8'><style>{CSS}"
            f"</style></head><body><h1>{escape(heading)}</h1>"
            f"<div class='number'>{escape(incident.jurisdiction.name)} · "
            f"{escape(report.get_kind_display())} · {escape(number)}"
            f" · #{incident.pk}</div><hr><h2>{escape(incident.title)}</h2>{body}"
            f"<div class='meta'>{'<br>'.join(escape(m) for m in meta)}</div></body></html>")
    return HTML(string=html, url_fetcher=_refuse).write_pdf()
