"""Rendering documents to PDF with WeasyPrint: pages, scripts, fonts, QR codes and the seal.

This module knows nothing of the database: it turns `RenderItem`s (plain data, picklable, so
a process pool can render them) into HTML and PDF. Every document is one `<article>` with
its own `lang` and `dir`; the font is chosen by `lang` (Noto Sans CJK SC/TC/JP/KR, Noto Sans
for Latin and Cyrillic, Noto Naskh Arabic for Arabic and Persian).

Speed: WeasyPrint lays pages out far faster in one batch than one document at a time, so a
batch is rendered as one HTML document and each document's pages are then written to their
own PDF (`Document.copy(pages)`). The stylesheets and the font configuration are made once
per process and kept, and font subsets are shared between the PDFs (see pdfcache).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import tempfile
import threading
import xml.etree.ElementTree as ElementTree  # noqa: S405 - parses only markup made here
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.utils.html import escape

from frontline.documents import pdfcache
from frontline.documents.kinds import PageFormat, html_lang, is_rtl
from frontline.documents.labels import label

SOURCE = "zh-hans"
# WeasyPrint logs every rendering step at INFO; keep the workers' logs readable.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

FONT_STACKS = {
    "zh-hans": '"Noto Sans CJK SC"',
    "zh-hant": '"Noto Sans CJK TC"',
    "ja": '"Noto Sans CJK JP"',
    "ko": '"Noto Sans CJK KR"',
    "ar": '"Noto Naskh Arabic", "Noto Sans Arabic"',
    "fa": '"Noto Naskh Arabic", "Noto Sans Arabic"',
}
LATIN_STACK = '"Noto Sans"'
# Arabic script in a Chinese or Latin line (a name written in Persian) takes Noto too, not
# the system's DejaVu.
FALLBACK = '"Noto Sans", "Noto Sans CJK SC", "Noto Naskh Arabic", sans-serif'

PAGE_CSS = """
@page a4 { size: A4; margin: 16mm 18mm 14mm 18mm; }
@page card { size: 105mm 148mm; margin: 7mm; }
@page poster { size: A3; margin: 16mm; }
html { font-family: %(fallback)s; font-size: 10.5pt; line-height: 1.45; color: #111;
       font-variant-ligatures: no-common-ligatures; }
/* No common ligatures: Noto Naskh draws الله as one glyph that text extraction reads back
   wrong (اهلل), and a name must copy, search and read aloud as it was written. */
%(lang_rules)s
article { break-before: page; position: relative; }
article.first { break-before: auto; }
article.fmt-a4 { page: a4; }
article.fmt-card { page: card; font-size: 8.6pt; line-height: 1.35; }
article.fmt-poster { page: poster; font-size: 15pt; }
div.mark { border: 1.2pt solid #b4232a; color: #b4232a; padding: 1.5mm 3mm; margin: 0 0 4mm 0;
           font-weight: bold; text-align: center; font-size: 9.5pt; }
div.mark span { display: block; }
h1 { font-size: 19pt; margin: 2mm 0 0 0; font-weight: bold; text-align: center; }
h1.cjk { font-size: 21pt; letter-spacing: .08em; }
h1.tr { font-size: 13pt; margin: 1.5mm 0 0 0; }
h1.last { margin-bottom: 6mm; }
.fmt-card h1 { font-size: 13pt; margin-top: 0; } .fmt-card h1.tr { font-size: 10pt; }
.fmt-card h1.last { margin-bottom: 2.5mm; }
.fmt-poster h1 { font-size: 36pt; } .fmt-poster h1.tr { font-size: 24pt; }
p { margin: 0; }
p.tr { color: #333; }
p.end { margin-bottom: 2.6mm; }
.fmt-card p.end { margin-bottom: 1.4mm; }
p.heading { font-weight: bold; font-size: 11.5pt; }
p.heading.first { margin-top: 4mm; }
p.item { padding-left: 5mm; padding-right: 5mm; }
p.item.first::before { content: "• "; }
p.field { margin-bottom: 3.5mm; padding-top: 1.5mm; border-bottom: .6pt solid #111; }
p.field.filled { border-bottom: none; }
/* CJK text is never bold: a bold CJK face is a second 150 KB font in every PDF. Titles are
   set large instead. */
.cjk { font-weight: normal !important; }
p.field span.tr { margin-left: 2mm; margin-right: 2mm; font-size: 9pt; color: #333; }
span.blank { display: inline-block; min-width: 28mm; border-bottom: .6pt solid #111; }
span.v { white-space: nowrap; }
div.signature { position: relative; margin-top: 8mm; min-height: 30mm; text-align: right; }
div.signature p { margin: 0 0 1.5mm 0; text-align: right; }
img.seal { position: absolute; width: 38mm; height: 38mm; right: 8mm; top: -6mm; }
.fmt-card div.signature { min-height: 0; margin-top: 3mm; }
.fmt-card img.seal { width: 22mm; height: 22mm; top: -3mm; }
footer { position: relative; margin-top: 8mm; border-top: .6pt solid #999; padding: 3mm 0 0 28mm;
         font-size: 8.5pt; color: #333; min-height: 25mm; }
footer.rtl { padding: 3mm 28mm 0 0; }
img.qr { position: absolute; left: 0; top: 3mm; width: 24mm; height: 24mm;
         image-rendering: pixelated; }
footer.rtl img.qr { left: auto; right: 0; }
footer p { margin: 0; line-height: 1.6; }
footer span.url { font-size: 7.5pt; word-break: break-all; }
.fmt-card footer { margin-top: 3mm; font-size: 7pt; padding-left: 19mm; min-height: 17mm; }
.fmt-card footer.rtl { padding-left: 0; padding-right: 19mm; }
.fmt-card img.qr { width: 16mm; height: 16mm; }
/* A one-page document whose text runs onto a second page is laid out again a step smaller
   (FIT_STEPS): the seal, signature and code stay on the page they authenticate. */
article.fit-1 { font-size: 9.6pt; line-height: 1.36; }
article.fit-1 h1 { font-size: 17pt; } article.fit-1 h1.tr { font-size: 12pt; }
article.fit-1 h1.last { margin-bottom: 4mm; } article.fit-1 p.end { margin-bottom: 2mm; }
article.fit-1 div.signature { margin-top: 5mm; } article.fit-1 footer { margin-top: 5mm; }
article.fit-2 { font-size: 8.8pt; line-height: 1.28; }
article.fit-2 h1 { font-size: 15pt; } article.fit-2 h1.tr { font-size: 11pt; }
article.fit-2 h1.last { margin-bottom: 3mm; } article.fit-2 p.end { margin-bottom: 1.4mm; }
article.fit-2 p.heading { font-size: 10pt; } article.fit-2 p.heading.first { margin-top: 2.5mm; }
article.fit-2 p.field { margin-bottom: 2.4mm; padding-top: 1mm; }
article.fit-2 div.signature { margin-top: 3mm; min-height: 26mm; }
article.fit-2 img.seal { width: 32mm; height: 32mm; top: -4mm; }
article.fit-2 footer { margin-top: 3mm; min-height: 24mm; }
article.fit-2.fmt-card { font-size: 7.6pt; }
article.fit-1.fmt-card { font-size: 8.1pt; }
"""
# One-page formats, and how many smaller layouts a text that runs over may try.
ONE_PAGE_FORMATS = frozenset({PageFormat.A4.value, PageFormat.CARD.value})
FIT_STEPS = 2

DEMO_SEAL_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200">
<g fill="none" stroke="#c8102e" stroke-width="6" opacity="0.82">
<circle cx="100" cy="100" r="92"/><circle cx="100" cy="100" r="80" stroke-width="1.5"/></g>
<g fill="#c8102e" opacity="0.82" font-family="Noto Sans CJK SC">
<polygon points="100,64 109,90 137,90 114,106 123,132 100,116 77,132 86,106 63,90 91,90"/>
<text x="36" y="54" font-size="18" font-weight="bold">演示印章·无效</text>
<text x="50" y="160" font-size="18" font-weight="bold">DEMO SEAL</text>
<text x="52" y="177" font-size="9">NOT AN OFFICIAL SEAL</text>
</g></svg>"""


@dataclass
class Block:
    """One segment: its role, and its Chinese and reader-language parts [(text, is_value)]."""

    role: str
    zh: list[tuple[str, bool]] | None = None
    tr: list[tuple[str, bool]] | None = None


@dataclass
class RenderItem:
    """Everything one document needs to be drawn; no database objects."""

    page_format: str
    language: str
    title_zh: str
    title_tr: str
    blocks: list[Block]
    official: bool = True
    specimen: bool = False
    serial: str = ""
    verify_url: str = ""
    seal: bytes = field(default=b"", repr=False)
    seal_mime: str = "image/png"
    fixed_text: str = field(default="", repr=False)  # the template text, for pdfcache
    fit: int = 0  # 0, or the smaller layout (1..FIT_STEPS) that keeps it on one page

    @property
    def bilingual(self) -> bool:
        return any(b.zh is not None and b.tr is not None for b in self.blocks)


def data_uri(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


_demo_seal: tuple[bytes, str] | None = None


def _font_file(pattern: str) -> tuple[str, int] | None:
    """The file and index fontconfig picks for a pattern (such as a CJK font's bold face)."""
    import subprocess  # noqa: S404 - fc-match with fixed arguments

    try:
        out = subprocess.run(["fc-match", "-f", "%{file}:%{index}", pattern],  # noqa: S603,S607
                             capture_output=True, text=True, timeout=5, check=True).stdout
        path, _, index = out.rpartition(":")
        return (path, int(index)) if path else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def demo_seal() -> tuple[bytes, str]:
    """The demo seal (it says it is one): drawn once per process as a PNG with Pillow, since
    WeasyPrint would draw an SVG's text again on every page; the SVG if no font is found."""
    global _demo_seal
    if _demo_seal is not None:
        return _demo_seal
    import io

    from PIL import Image, ImageDraw, ImageFont

    cjk, latin = _font_file("Noto Sans CJK SC:bold"), _font_file("Noto Sans:bold")
    if not cjk or not latin:
        _demo_seal = (DEMO_SEAL_SVG.encode(), "image/svg+xml")
        return _demo_seal
    size, red = 300, (200, 16, 46, 210)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((6, 6, size - 6, size - 6), outline=red, width=9)
    draw.ellipse((24, 24, size - 24, size - 24), outline=red, width=2)
    star = [(150, 96), (163, 135), (205, 135), (171, 159), (184, 198), (150, 174), (116, 198),
            (129, 159), (95, 135), (137, 135)]
    draw.polygon(star, fill=red)
    for text, font_spec, font_size, y in (("演示印章·无效", cjk, 27, 75), ("DEMO SEAL", latin, 27, 234),
                                          ("NOT AN OFFICIAL SEAL", latin, 13, 262)):
        font = ImageFont.truetype(font_spec[0], font_size, index=font_spec[1])
        draw.text((size / 2, y), text, font=font, fill=red, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    _demo_seal = (out.getvalue(), "image/png")
    return _demo_seal


def qr_png(url: str) -> bytes:
    """A QR code as an 8-bit greyscale PNG of one pixel per module, scaled up by the page.

    Drawn with Pillow from segno's matrix: WeasyPrint takes a greyscale PNG as it is, while
    a 1-bit one (segno's own) is converted and encoded again, and an SVG of many paths is
    far slower to draw. A fixed mask skips segno's evaluation of all eight (any is valid).
    """
    import io

    import segno
    from PIL import Image

    matrix = segno.make_qr(url, error="m", mask=4, boost_error=False).matrix
    border = 2
    side = len(matrix) + 2 * border
    rows = [b"\xff" * side] * border
    for row in matrix:
        rows.append(b"\xff" * border + bytes(0 if dark else 255 for dark in row)
                    + b"\xff" * border)
    rows += [b"\xff" * side] * border
    out = io.BytesIO()
    Image.frombytes("L", (side, side), b"".join(rows)).save(out, format="PNG", compress_level=1)
    return out.getvalue()


# -- HTML ------------------------------------------------------------------------------------
# Fonts are chosen by language: every element that has a `lang` also carries the class
# `lg-<language>` (and `cjk` for Chinese, Japanese and Korean), which the stylesheet maps to a
# font stack (class selectors are matched far faster than :lang() by WeasyPrint, and a batch
# has thousands of elements).

CJK = frozenset({"zh-hans", "zh-hant", "ja", "ko"})


def _attrs(language: str, cls: str = "") -> str:
    classes = f"{cls} lg-{language}{' cjk' if language in CJK else ''}".strip()
    return (f'class="{classes}" lang="{html_lang(language)}" '
            f'dir="{"rtl" if is_rtl(language) else "ltr"}"')


# A value (a date, a phone number, a room) set into right-to-left text is isolated, with its
# direction taken from its first letter (left to right when it has none): otherwise the
# Unicode bidirectional algorithm lays the groups of "010-0000-0000" or "2020-03-20" out from
# right to left after Arabic or Persian words, and a reader dials or reads them reversed.
FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"
NOWRAP_CHARS = 24


def _parts_html(parts: list[tuple[str, bool]], rtl: bool = False) -> str:
    out = []
    for text, is_value in parts:
        if not is_value:
            out.append(escape(text))
        elif text and rtl and len(text) <= NOWRAP_CHARS:
            # A short value (a hotel, a room, a date) kept on one line: a Chinese name broken
            # between two right-to-left lines reads from the wrong end.
            out.append(f'<span class="v">{FIRST_STRONG_ISOLATE}{escape(text)}'
                       f'{POP_DIRECTIONAL_ISOLATE}</span>')
        elif text:
            out.append(f"{FIRST_STRONG_ISOLATE}{escape(text)}{POP_DIRECTIONAL_ISOLATE}" if rtl
                       else escape(text))
        else:
            out.append('<span class="blank">&#8203;</span>')
    return "".join(out)


def _block_html(block: Block, language: str) -> str:
    pairs = [(lang, parts) for lang, parts in ((SOURCE, block.zh), (language, block.tr))
             if parts is not None]
    if block.role == "field":
        # A field with a placeholder prints its value (or the placeholder's own blank line);
        # a bare label is written on a line to fill in.
        has_value = any(v for _lang, parts in pairs for _t, v in parts)
        spans = " ".join(
            f'<span {_attrs(lang, "tr" if i else "")}>{_parts_html(parts, is_rtl(lang))}</span>'
            for i, (lang, parts) in enumerate(pairs))
        return f'<p class="field{" filled" if has_value else ""} end">{spans}</p>'
    out = []
    for i, (lang, parts) in enumerate(pairs):
        cls = [block.role, "tr" if (i and lang != SOURCE) else "zh" if lang == SOURCE else "tr"]
        if i == 0:
            cls.append("first")
        if i == len(pairs) - 1:
            cls.append("end")
        out.append(f'<p {_attrs(lang, " ".join(cls))}>{_parts_html(parts, is_rtl(lang))}</p>')
    return "".join(out)


def article_html(item: RenderItem, index: int, assets: dict[str, tuple[bytes, str]]) -> str:
    lang = item.language
    cls = f"fmt-{item.page_format}" + (" first" if index == 0 else "") + (
        f" fit-{item.fit}" if item.fit else "")
    out = [f'<article id="doc-{index}" {_attrs(lang, cls)}>']
    marks = []
    if item.specimen:
        marks.append((lang, label(lang, "specimen")))
    if not item.official and lang != SOURCE:
        marks.append((lang, label(lang, "unofficial")))
        marks.append((SOURCE, UNOFFICIAL_ZH))
    if marks:
        out.append('<div class="mark">' + "".join(
            f'<span {_attrs(m_lang)}>{escape(text)}</span>' for m_lang, text in marks) + "</div>")
    titles = [(SOURCE, item.title_zh, ""), (lang, item.title_tr, "tr" if item.title_zh else "")]
    titles = [t for t in titles if t[1]]
    for i, (t_lang, text, t_cls) in enumerate(titles):
        t_cls = f"{t_cls} last".strip() if i == len(titles) - 1 else t_cls
        out.append(f'<h1 {_attrs(t_lang, t_cls)}>{escape(text)}</h1>')
    out.extend(_block_html(b, lang) for b in item.blocks if b.role != "signature")
    signature = [b for b in item.blocks if b.role == "signature"]
    if signature or item.seal:
        out.append('<div class="signature">')
        if item.seal:
            key = f"asset:seal/{hash(item.seal) & 0xFFFFFFFF:x}"
            assets.setdefault(key, (item.seal, item.seal_mime))
            out.append(f'<img class="seal" src="{key}" alt=""/>')
        # The signature lines of each language in one paragraph (fewer elements).
        for s_lang, side in ((SOURCE, "zh"), (lang, "tr")):
            lines = [b.zh if side == "zh" else b.tr for b in signature]
            if lines and all(parts is not None for parts in lines):
                out.append(f'<p {_attrs(s_lang, side)}>'
                           + "<br/>".join(_parts_html(parts, is_rtl(s_lang)) for parts in lines)
                           + "</p>")
        out.append("</div>")
    if item.serial:
        out.append(f'<footer class="{"rtl" if is_rtl(lang) else "ltr"}">')
        if item.verify_url:
            key = f"asset:qr/{index}"
            assets[key] = (qr_png(item.verify_url), "image/png")
            out.append(f'<img class="qr" src="{key}" alt=""/>')
        # One paragraph (fewer elements lay out faster); the Chinese word falls back to the
        # CJK font by itself.
        text = (f'{escape(label(lang, "serial"))} {SERIAL_ZH} '
                f'<b dir="ltr">{escape(item.serial)}</b>')
        if item.verify_url:
            text += (f'<br/>{escape(label(lang, "verify"))}<br/>'
                     f'<span class="url" dir="ltr">{escape(item.verify_url)}</span>')
        out.append(f"<p {_attrs(lang)}>{text}</p></footer>")
    out.append("</article>")
    return "".join(out)


def document_html(items: Iterable[RenderItem]) -> tuple[str, dict[str, tuple[bytes, str]]]:
    """The HTML of a batch and the images it refers to (`asset:` URLs)."""
    assets: dict[str, tuple[bytes, str]] = {}
    articles = "".join(article_html(item, i, assets) for i, item in enumerate(items))
    html = ('<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"/>'
            "<title>Frontline</title></head><body>" + articles + "</body></html>")
    return html, assets


# -- WeasyPrint ------------------------------------------------------------------------------

# WeasyPrint matches every element against its whole HTML5 user-agent stylesheet (some 250
# rules for forms, tables, lists, quotes, ...) before ours. The markup above uses only the
# elements below, so the user-agent rules they need are restated here (values as in
# WeasyPrint 70's html5_ua.css) and only these are matched: about a tenth less time per
# certificate (bench/documents.py). A test checks that the markup uses no other element.
UA_ELEMENTS = frozenset({"html", "head", "meta", "title", "body", "article", "div", "footer",
                         "h1", "p", "span", "b", "br", "img"})
UA_CSS = r"""
head, meta, title { display: none }
html, body, article, div, footer, h1, p { display: block }
body { margin: 8px }
p { margin-top: 1em; margin-bottom: 1em }
h1 { margin-top: .67em; margin-bottom: .67em; font-size: 2em; font-weight: bold;
     bookmark-level: 1; bookmark-label: content(text); hyphens: manual; break-after: avoid;
     break-inside: avoid }
b { font-weight: bold }
br::before { content: "\A"; white-space: pre-line }
img { overflow: hidden }
[dir=ltr i] { direction: ltr }
[dir=rtl i] { direction: rtl }
@page { margin: 75px }
"""

_state_lock = threading.Lock()
_state: dict[str, object] = {}


def _weasy():
    """The shared font configuration, stylesheet and URL fetcher of this process."""
    with _state_lock:
        if not _state:
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration
            from weasyprint.urls import URLFetcher

            pdfcache.install()
            rules = [f".lg-{code} {{ font-family: {stack}, {FALLBACK}; }}"
                     for code, stack in FONT_STACKS.items()]
            css_text = PAGE_CSS % {"fallback": f"{LATIN_STACK}, {FALLBACK}",
                                   "lang_rules": "\n".join(rules)}
            font_config = FontConfiguration()
            _state["font_config"] = font_config
            _state["css"] = CSS(string=css_text, font_config=font_config)
            _state["fetcher_class"] = _asset_fetcher_class(URLFetcher)
            _state["ua_css"] = CSS(string=UA_CSS, font_config=font_config)
        return _state["font_config"], _state["css"], _state["fetcher_class"]


def _asset_fetcher_class(base):
    class AssetFetcher(base):
        """Serves the images of one batch from memory (`asset:` URLs) and refuses every
        other URL: a text can never make the server read a file or call an address."""

        def __init__(self, assets: dict[str, tuple[bytes, str]]) -> None:
            super().__init__(allowed_protocols={"asset"}, timeout=2)
            self.assets = assets

        def fetch(self, url, headers=None):
            from weasyprint.urls import URLFetcherResponse

            if url not in self.assets:
                raise ValueError(f"refused URL {url[:60]!r}")
            content, mime = self.assets[url]
            return URLFetcherResponse(url, content, {"Content-Type": mime})

    return AssetFetcher


# Characters of dates as Babel writes them in CJK (2020年3月20日, 2020년 3월 20일): not personal.
DATE_CHARS = "年月日년월일"
UNOFFICIAL_ZH = "非正式译文"
SERIAL_ZH = "编号"


def _fixed_chars(items: Iterable[RenderItem]) -> frozenset[str]:
    chars: set[str] = set(DATE_CHARS + UNOFFICIAL_ZH + SERIAL_ZH + DEMO_SEAL_SVG)
    for item in items:
        chars.update(item.fixed_text)
        chars.update(label(item.language, "serial") + label(item.language, "verify"))
        chars.update(label(item.language, "unofficial") + label(item.language, "specimen"))
    return frozenset(chars)


def _parsed_html(html: str, fetcher):
    """WeasyPrint's HTML object for markup we generated ourselves.

    The markup is well-formed (every text is escaped, every element closed), so it is parsed
    with the C XML parser instead of WeasyPrint's pure-Python HTML5 parser, which costs a
    tenth of the layout time of a batch, and styled with UA_CSS instead of WeasyPrint's whole
    user-agent stylesheet. If WeasyPrint's object changes shape, the usual parser is used.
    """
    from weasyprint import HTML

    try:
        import cssselect2

        root = ElementTree.fromstring(html.removeprefix("<!DOCTYPE html>"))  # noqa: S314
        document = HTML.__new__(HTML)
        document.base_url = None
        document.url_fetcher = fetcher
        document.media_type = "print"
        document.wrapper_element = cssselect2.ElementWrapper.from_html_root(
            root, content_language=None)
        document.etree_element = document.wrapper_element.etree_element
        ua_css = _state.get("ua_css")
        if ua_css is not None:
            document._ua_stylesheets = lambda forms=False: [ua_css]  # noqa: SLF001 - UA_CSS
        return document
    except (ImportError, AttributeError, TypeError, ElementTree.ParseError):  # pragma: no cover
        return HTML(string=html, url_fetcher=fetcher)


def _layout(items: list[RenderItem]):
    font_config, css, fetcher_class = _weasy()
    html, assets = document_html(items)
    document = _parsed_html(html, fetcher_class(assets))
    return document.render(stylesheets=[css], font_config=font_config)


def _pages_per_item(document, count: int) -> list[list]:
    """Split a rendered document's pages by article (each starts on a new page)."""
    groups: list[list] = []
    seen: set[str] = set()
    for page in document.pages:
        # An article longer than a page has its anchor on each of its pages: only the first
        # page it appears on starts it.
        starts = [name for name in page.anchors if name.startswith("doc-") and name not in seen]
        seen.update(starts)
        if starts or not groups:
            groups.append([])
        groups[-1].append(page)
    if len(groups) != count:
        raise RuntimeError(f"expected {count} documents, laid out {len(groups)}")
    return groups


def _fitted_layout(items: list[RenderItem]) -> tuple[Any, list[list]]:
    """Lay the items out; an item of a one-page format that runs onto a second page is laid
    out again, alone with the others that ran over, up to FIT_STEPS steps smaller, and its
    smaller pages replace its first ones. A text too long even then keeps its pages.
    Returns the first layout (whose `copy` writes any of the pages) and each item's pages."""
    document = _layout(items)
    groups = _pages_per_item(document, len(items))
    for step in range(1, FIT_STEPS + 1):
        over = [i for i, pages in enumerate(groups)
                if len(pages) > 1 and items[i].page_format in ONE_PAGE_FORMATS
                and items[i].fit < step]
        if not over:
            break
        again = [replace(items[i], fit=step) for i in over]
        relaid = _pages_per_item(_layout(again), len(again))
        for i, pages in zip(over, relaid, strict=True):
            if len(pages) < len(groups[i]):
                groups[i] = pages
    return document, groups


def render_pdf(items: list[RenderItem]) -> bytes:
    """All items in one PDF."""
    with pdfcache.shared_subsets(_fixed_chars(items)):
        document, groups = _fitted_layout(items)
        return document.copy([page for pages in groups for page in pages]).write_pdf(
            finisher=pdfcache.finisher)


def render_each(items: list[RenderItem]) -> list[bytes]:
    """One PDF per item, laid out together."""
    with pdfcache.shared_subsets(_fixed_chars(items)):
        document, groups = _fitted_layout(items)
        return [document.copy(pages).write_pdf(finisher=pdfcache.finisher)
                for pages in groups]


def write_atomically(path: Path, content: bytes, *, durable: bool = True) -> None:
    """Write a file under a temporary name and rename it: a crash never leaves half a file
    under the final name. `durable` also waits for the disk (fsync); a batch skips that per
    file and checks each file is complete (`is_complete_pdf`) before trusting it again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{path.name}-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def discard_partial(path: Path) -> None:
    """Remove what a process killed while writing `path` left (its temporary files): call it
    only when nobody else may be writing `path`."""
    for leftover in path.parent.glob(f".tmp-{path.name}-*"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def is_complete_pdf(path: Path) -> bool:
    """Whether a file is a whole PDF (it ends with the end-of-file marker)."""
    try:
        with open(path, "rb") as fh:
            if fh.read(5) != b"%PDF-":
                return False
            fh.seek(-32, os.SEEK_END)
            return b"%%EOF" in fh.read()
    except OSError:
        return False


def write_zip_atomically(path: Path, members: list[tuple[Path, str]]) -> None:
    """Write a zip of files (stored, not compressed: PDFs are compressed already) under a
    temporary name, streamed from disk, and rename it when complete."""
    import zipfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{path.name}-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as archive:
                for source, name in members:
                    archive.write(source, arcname=name)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def render_each_to_files(items: list[RenderItem], paths: list[str]) -> int:
    """Render items and write each to its own file (atomically); returns how many."""
    with pdfcache.shared_subsets(_fixed_chars(items)):
        document, groups = _fitted_layout(items)
        for pages, path in zip(groups, paths, strict=True):
            write_atomically(Path(path), document.copy(pages).write_pdf(
                finisher=pdfcache.finisher), durable=False)
    return len(items)


# -- several processes -----------------------------------------------------------------------

_pool = None
_pool_lock = threading.Lock()


def _process_pool(processes: int):
    global _pool
    with _pool_lock:
        if _pool is None or getattr(_pool, "_max_workers", 0) != processes:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: the parent may hold database connections and threads.
            _pool = ProcessPoolExecutor(max_workers=processes,
                                        mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_exit_with_parent)
        return _pool


def shutdown_pool() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None


def _exit_with_parent() -> None:
    """In a pool process: exit when the parent dies (a worker killed in the middle of a batch
    must not leave its renderers behind, waiting for work for ever)."""
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _warm() -> int:
    """Load WeasyPrint, the fonts and the stylesheet in a worker before real work arrives."""
    item = RenderItem(page_format="a4", language="en", title_zh="预热", title_tr="Warm-up",
                      blocks=[Block("paragraph", [("预热", False)], [("Warm-up", False)])])
    render_each([item])
    return os.getpid()


def render_chunks_to_files(chunks: Iterable[tuple[list[RenderItem], list[str]]], *,
                           processes: int = 1,
                           progress: Callable[[int, int], None] | None = None) -> int:
    """Render chunks of items to files, in this process or a pool of `processes`.

    `chunks` may be a generator: with a pool, each chunk is handed to a worker as soon as it
    is built (the workers are warmed up meanwhile). `progress(chunk_index, n)` is called in
    this process after each chunk is written.
    """
    total = 0
    if processes <= 1:
        for index, (items, paths) in enumerate(chunks):
            n = render_each_to_files(items, paths)
            total += n
            if progress:
                progress(index, n)
        return total
    from concurrent.futures import as_completed

    pool = _process_pool(processes)
    warming = [pool.submit(_warm) for _ in range(processes)]
    futures = {pool.submit(render_each_to_files, items, paths): index
               for index, (items, paths) in enumerate(chunks)}
    for future in as_completed(futures):
        n = future.result()
        total += n
        if progress:
            progress(futures[future], n)
    for future in warming:
        future.result()
    return total


def page_format_of(kind_format: str) -> str:
    return kind_format if kind_format in PageFormat.values else PageFormat.A4
