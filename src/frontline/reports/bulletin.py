"""The daily bulletin (日通报): the day's figures with the change from the day before, charts
(matplotlib SVG, text left as text so WeasyPrint sets it in the Noto fonts), the late units
and the open action items, as a PDF (Chinese, optionally with English) and as .xlsx. Built in
a background task, archived, and announced to the recipients through the outbox."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from frontline.audit.models import ChangeAction
from frontline.audit.services import change_record, snapshot
from frontline.core.csvsafe import neutralise
from frontline.core.models import get_in_scope
from frontline.core.permissions import Action
from frontline.reports import selectors
from frontline.reports.models import Bulletin, ReportRun

logger = logging.getLogger(__name__)

CSS = """
@page { size: A4; margin: 18mm 16mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 8.5pt; } }
body { font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; font-size: 10pt; color: #111; }
h1 { color: #b4232a; text-align: center; font-size: 22pt; letter-spacing: .15em; margin: 0; }
.sub { text-align: center; margin: 2mm 0 5mm; }
h2 { font-size: 12.5pt; border-left: 3pt solid #b4232a; padding-left: 2mm; margin: 6mm 0 2mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: .5pt solid #999; padding: 1mm 1.5mm; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.up { color: #b4232a; } .down { color: #1b6e20; } .flag { background: #fff3cd; }
.chart svg { width: 100%; height: auto; }
.en { color: #444; font-size: 8.5pt; }
"""


def _svg_chart(trend: dict[str, Any], keys: list[str]) -> str:
    """A line chart of some figures over the days, as SVG markup."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 9,
                                "font.family": ["Noto Sans CJK SC", "DejaVu Sans"]}):
        fig, ax = plt.subplots(figsize=(7, 2.6))
        for series in trend["series"]:
            if series["key"] in keys:
                ax.plot([d[5:] for d in trend["dates"]], series["data"], marker="o",
                        markersize=3, label=series["name"])
        ax.grid(alpha=.3)
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        ax.tick_params(axis="x", labelrotation=45)
        fig.tight_layout()
        out = io.StringIO()
        fig.savefig(out, format="svg")
        plt.close(fig)
    text = out.getvalue()
    return text[text.index("<svg"):]


def _refuse(url, *args, **kwargs):
    raise ValueError(f"refused URL {url[:60]!r}")


def build(*, actor: Any, run: ReportRun, english: bool) -> tuple[bytes, bytes]:
    """The PDF and the .xlsx of a run's bulletin, in the actor's scope."""
    from weasyprint import HTML

    figures = selectors.figures_of(run)
    today = selectors.totals(actor=actor, run=run)
    previous = selectors.previous_run(run)
    yesterday = selectors.totals(actor=actor, run=previous) if previous else {}
    board = selectors.late_board(actor=actor, run=run)
    table = selectors.street_table(actor=actor, run=run)
    trend = selectors.trend(actor=actor, run=run, days=14)
    items = list(selectors.open_items(actor=actor)[:50])
    countries = selectors.by_country(actor=actor, run=run)[:15]
    chart_keys = [f.key for f in figures if f.computation in (
        "arrivals_recent", "centralised_observation", "home_observation")] or \
        [f.key for f in figures[:3]]
    chart = _svg_chart(trend, chart_keys) if len(trend["dates"]) > 1 else ""

    def en(text: str) -> str:
        if not english:
            return ""
        with translation.override("en"):
            return f"<br><span class='en'>{escape(_(text))}</span>"

    rows = []
    for f in figures:
        now_value = today.get(f.key, 0)
        delta = now_value - yesterday.get(f.key, 0) if previous else None
        arrow = "" if delta is None else (f"<span class='up'>+{delta}</span>" if delta > 0 else
                                          f"<span class='down'>{delta}</span>" if delta < 0 else "0")
        label = escape(f.name) + (f"<br><span class='en'>{escape(f.name_en)}</span>"
                                  if english and f.name_en else "")
        rows.append(f"<tr><td>{label}</td><td>{now_value}</td><td>{arrow}</td></tr>")
    street_rows = []
    for row in table:
        cells = "".join(
            "<td class='{}'>{}</td>".format("flag" if c["differs"] else "",
                                            "—" if c["value"] is None else c["value"])
            for c in row["cells"])
        street_rows.append(f"<tr><td>{escape(row['submission'].jurisdiction.name)}</td>{cells}</tr>")
    late = [escape(s.jurisdiction.name) for s in board["pending"]]
    late_after = [escape(s.jurisdiction.name) for s in board["rows"] if s.on_time is False]
    item_rows = "".join(
        f"<tr><td>{escape(i.text)}</td><td>{escape(str(i.owner))}</td>"
        f"<td>{timezone.localtime(i.due_at):%m-%d %H:%M}</td></tr>" for i in items)
    country_rows = "".join(f"<tr><td>{escape(c)}</td><td>{n}</td></tr>" for c, n in countries)
    figure_heads = "".join(f"<th>{escape(f.name)}</th>" for f in figures)
    with translation.override("zh-hans"):
        # The texts are looked up here, outside the f-strings, where makemessages finds them.
        trend_title = _("Trend of the last 14 days")
        trend_block = (f'<h2>{escape(trend_title)}'
                       f'{en("Trend of the last 14 days")}</h2><div class="chart">{chart}</div>'
                       if chart else "")
        h = {
            "Daily bulletin": _("Daily bulletin"),
            "Figures": _("Figures"),
            "figure": _("figure"),
            "today": _("today"),
            "change from the day before": _("change from the day before"),
            "By street": _("By street"),
            "street": _("street"),
            "Highlighted": _("Highlighted: the figure submitted differs from the registry's."),
            "Arrivals by country": _("Arrivals by country"),
            "Reporting": _("Reporting"),
            "Submitted": _("Submitted: %(a)s of %(b)s (%(rate)s %%), on time: %(c)s (%(rate2)s %%).")
            % {"a": board["submitted"], "b": board["expected"], "rate": board["submitted_rate"],
               "c": board["on_time"], "rate2": board["on_time_rate"]},
            "Not submitted:": _("Not submitted:"),
            "Submitted late:": _("Submitted late:"),
            "Open action items": _("Open action items"),
        }
        html = f"""<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">
<style>{CSS}</style></head><body>
<h1>{escape(h["Daily bulletin"])}</h1>
<div class="sub">{escape(run.definition.name)} · {run.period_date:%Y-%m-%d}{en("Daily bulletin")}</div>
<h2>{escape(h["Figures"])}{en("Figures")}</h2>
<table><thead><tr><th>{escape(h["figure"])}</th><th>{escape(h["today"])}</th>
<th>{escape(h["change from the day before"])}</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
{trend_block}
<h2>{escape(h["By street"])}{en("By street")}</h2>
<table><thead><tr><th>{escape(h["street"])}</th>{figure_heads}</tr></thead>
<tbody>{"".join(street_rows)}</tbody></table>
<p class="en">{escape(h["Highlighted"])}</p>
<h2>{escape(h["Arrivals by country"])}{en("Arrivals by country")}</h2>
<table><tbody>{country_rows or "<tr><td>—</td><td></td></tr>"}</tbody></table>
<h2>{escape(h["Reporting"])}{en("Reporting")}</h2>
<p>{escape(h["Submitted"])}</p>
<p>{escape(h["Not submitted:"])} {"、".join(late) or "—"}</p>
<p>{escape(h["Submitted late:"])} {"、".join(late_after) or "—"}</p>
<h2>{escape(h["Open action items"])}{en("Open action items")}</h2>
<table><tbody>{item_rows or "<tr><td>—</td></tr>"}</tbody></table>
</body></html>"""
    pdf = HTML(string=html, url_fetcher=_refuse).write_pdf()
    return pdf, _xlsx(actor, run, figures)


def _xlsx(actor: Any, run: ReportRun, figures: list) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(run.period_date))
    with translation.override("zh-hans"):
        sheet.append([_("division code"), _("unit"), _("level"), _("status"), _("on time"),
                      *[neutralise(f"{f.name} / {f.name_en or f.key}") for f in figures],
                      *[_("registry: %(key)s") % {"key": f.key} for f in figures]])
        yes, no = _("yes"), _("no")
        for s in selectors.submissions(actor=actor, run=run):
            sheet.append([neutralise(v) for v in [
                s.jurisdiction_code, s.jurisdiction.name, s.level, s.get_status_display(),
                "" if s.on_time is None else (yes if s.on_time else no),
                *[s.values.get(f.key) for f in figures],
                *[s.computed.get(f.key) for f in figures]]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the service and its task ---------------------------------------------------------------

def bulletin_request(*, actor: Any, run: ReportRun, english: bool = False) -> Bulletin:
    """Queue the building of a run's bulletin (the office: the export right)."""
    from frontline.core.models import scope_for

    if not scope_for(actor, Action.EXPORT).covers_code(run.jurisdiction_code):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("The bulletin is produced by the office that asks for the "
                                 "report."))
    with transaction.atomic():
        bulletin = Bulletin.objects.create(run=run, jurisdiction_code=run.jurisdiction_code,
                                           english=english, created_by=actor)
        change_record(actor=actor, action=ChangeAction.CREATE, obj=bulletin,
                      after=snapshot(bulletin))
        transaction.on_commit(lambda: _enqueue(bulletin.pk))
    return bulletin


def _enqueue(bulletin_id: int) -> None:
    from frontline.reports.tasks import build_bulletin

    build_bulletin.enqueue(bulletin_id)


def bulletin_build(bulletin_id: int) -> Bulletin:
    """The task's body: build, archive and announce one bulletin."""
    bulletin = Bulletin.objects.select_related("run__definition", "created_by").get(
        pk=bulletin_id)
    if bulletin.status == "done":
        return bulletin
    try:
        pdf, xlsx = build(actor=bulletin.created_by, run=bulletin.run, english=bulletin.english)
    except Exception as exc:
        logger.exception("bulletin %s failed", bulletin_id)
        Bulletin.objects.filter(pk=bulletin_id).update(status="failed", error=str(exc)[:500])
        return bulletin
    folder = Path(settings.MEDIA_ROOT) / "reports" / "bulletins" / f"{bulletin.run.period_date:%Y}"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"bulletin-{bulletin.run.period_date:%Y%m%d}-{bulletin.pk}"
    (folder / f"{stem}.pdf").write_bytes(pdf)
    (folder / f"{stem}.xlsx").write_bytes(xlsx)
    relative = folder.relative_to(Path(settings.MEDIA_ROOT))
    recipients = _recipients(bulletin.run)
    with transaction.atomic():
        Bulletin.objects.filter(pk=bulletin_id).update(
            status="done", pdf_path=str(relative / f"{stem}.pdf"),
            xlsx_path=str(relative / f"{stem}.xlsx"), sent_to="\n".join(recipients),
            sent_at=timezone.now() if recipients else None)
        _announce(bulletin, recipients)
    return Bulletin.objects.get(pk=bulletin_id)


def _recipients(run: ReportRun) -> list[str]:
    from frontline.reports.services import recipients_of

    return recipients_of(run.definition)


def _announce(bulletin: Bulletin, recipients: list[str]) -> None:
    from frontline.notify.models import Channel
    from frontline.notify.services import message_send

    url = reverse("reports:bulletin_download", args=[bulletin.pk, "pdf"])
    for email in recipients:
        message_send(actor=bulletin.created_by, channel=Channel.EMAIL, email=email,
                     subject=_("Daily bulletin %(date)s") % {"date": bulletin.run.period_date},
                     body=_("The daily bulletin of %(date)s is ready: %(url)s") % {
                         "date": bulletin.run.period_date, "url": url},
                     url=url, jurisdiction_code=bulletin.jurisdiction_code,
                     dedupe_key=f"bulletin:{bulletin.pk}:{email}")


def bulletin_file(*, actor: Any, bulletin: Bulletin, kind: str) -> Path:
    from frontline.audit.models import AccessEvent
    from frontline.audit.services import access_record

    bulletin = get_in_scope(Bulletin, actor, Action.VIEW, pk=bulletin.pk)
    relative = bulletin.pdf_path if kind == "pdf" else bulletin.xlsx_path
    if not relative:
        from django.http import Http404

        raise Http404
    access_record(actor=actor, event=AccessEvent.EXPORT, object_type="reports.bulletin",
                  jurisdiction_code=bulletin.jurisdiction_code, obj=bulletin,
                  detail={"format": kind})
    return Path(settings.MEDIA_ROOT) / relative
