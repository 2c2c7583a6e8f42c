"""The booklet: chosen country notes and policies as one printable PDF with a table of
contents and page numbers (WeasyPrint, Noto fonts; nothing is fetched from outside)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import override

from frontline.knowledge.models import NOTE_SECTIONS, Booklet, Language, ReviewState
from frontline.knowledge.services import current_version

CSS = """
@page { size: A4; margin: 18mm 18mm 20mm 18mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #444; } }
@page cover { @bottom-center { content: none; } }
html { font-family: "Noto Sans", "Noto Sans CJK SC", sans-serif; font-size: 10.5pt; line-height: 1.5; }
html:lang(zh-Hans) { font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; }
section.cover { page: cover; text-align: center; padding-top: 60mm; }
section.cover h1 { font-size: 26pt; font-weight: normal; }
p.mark { border: 1pt solid #b4232a; color: #b4232a; padding: 2mm; margin: 6mm 10mm; }
nav.toc { break-before: page; }
nav.toc h2, article h2 { font-size: 16pt; font-weight: normal; border-bottom: .8pt solid #333; }
nav.toc ol { list-style: none; padding: 0; }
nav.toc li { margin: 1.5mm 0; }
nav.toc a { color: #111; text-decoration: none; }
nav.toc a::after { content: leader('.') target-counter(attr(href), page); }
article { break-before: page; }
h3 { font-size: 11.5pt; margin: 4mm 0 1mm 0; font-weight: normal; color: #1f4e79; }
p.meta { color: #555; font-size: 9pt; }
"""


def UNAPPROVED() -> str:  # noqa: N802 - reads like the constant it is
    return _("Waiting for review: not yet approved.")


def _refuse(url, *args, **kwargs):
    raise ValueError(f"the booklet fetches nothing: {url[:60]!r}")


def _note_article(note, language: str, index: int) -> str:
    version = current_version(note)
    text = version.text(language) if version else None
    parts = [f'<article id="note-{index}"><h2>{escape(note.name(language))}</h2>']
    if version is not None and version.state != ReviewState.APPROVED:
        parts.append('<p class="mark">' + escape(UNAPPROVED()) + "</p>")
    if text is not None:
        for key, label in NOTE_SECTIONS:
            value = getattr(text, key)
            if value:
                parts.append(f"<h3>{escape(str(label))}</h3>")
                parts.extend(f"<p>{escape(line)}</p>" for line in value.splitlines() if line)
        if version.embassy_phone:
            parts.append("<h3>" + escape(_("embassy phone")) + "</h3><p>"
                         + escape(version.embassy_phone) + "</p>")
    parts.append("</article>")
    return "".join(parts)


def _policy_article(policy, language: str, index: int) -> str:
    text = policy.text(language)
    title = text.title if text else policy.code
    parts = [f'<article id="policy-{index}"><h2>{escape(title)}</h2>',
             '<p class="meta">' + escape(_("In force from %(date)s · source: %(source)s") % {
                 "date": policy.effective_from.isoformat(), "source": policy.source}) + "</p>"]
    if policy.superseded_on:
        parts.append('<p class="mark">' + escape(_("Superseded on %(date)s")
                                                 % {"date": policy.superseded_on.isoformat()})
                     + "</p>")
    if policy.state != ReviewState.APPROVED:
        parts.append('<p class="mark">' + escape(UNAPPROVED()) + "</p>")
    if text is not None:
        if text.summary:
            parts.append("<h3>" + escape(_("summary")) + "</h3><p>" + escape(text.summary)
                         + "</p>")
        parts.extend(f"<p>{escape(line)}</p>" for line in text.full_text.splitlines() if line)
    parts.append("</article>")
    return "".join(parts)


def booklet_html(booklet: Booklet) -> str:
    language = booklet.language
    notes = sorted(booklet.notes.all(), key=lambda n: n.name(language))
    policies = list(booklet.policies.prefetch_related("texts").order_by("-effective_from"))
    with override(language):
        toc, body = [], []
        for i, note in enumerate(notes):
            toc.append(f'<li><a href="#note-{i}">{escape(note.name(language))}</a></li>')
            body.append(_note_article(note, language, i))
        for i, policy in enumerate(policies):
            text = policy.text(language)
            toc.append(f'<li><a href="#policy-{i}">{escape(text.title if text else policy.code)}'
                       "</a></li>")
            body.append(_policy_article(policy, language, i))
        lang = "zh-Hans" if language == Language.ZH else language
        subtitle = _("Customs and taboos of key countries, and the policies in force")
        contents = _("Contents")
        return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
                f"<title>{escape(booklet.title)}</title></head><body>"
                f'<section class="cover"><h1>{escape(booklet.title)}</h1>'
                f"<p>{escape(subtitle)}</p>"
                f"<p>{escape(timezone.localdate().isoformat())}</p></section>"
                f'<nav class="toc"><h2>{escape(contents)}</h2><ol>{"".join(toc)}</ol></nav>'
                f'{"".join(body)}</body></html>')


def render_booklet(booklet: Booklet, progress: Callable[[int], None] = lambda p: None
                   ) -> tuple[bytes, int]:
    """The booklet's PDF and its page count; `progress` hears 10..90 as the work goes."""
    from weasyprint import CSS as WeasyCSS
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = booklet_html(booklet)
    progress(20)
    fonts = FontConfiguration()
    document = HTML(string=html, url_fetcher=_refuse).render(
        stylesheets=[WeasyCSS(string=CSS, font_config=fonts)], font_config=fonts)
    progress(70)
    return document.write_pdf(), len(document.pages)
