"""PDF rendering checked with poppler: the text of every script is really there (pdftotext),
every font is embedded (pdffonts), a page is not blank (pdftoppm), RTL pages are RTL, the
unofficial mark appears exactly when it must, and the seal is configurable."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from frontline.documents import rendering, services
from frontline.documents.kinds import DocumentKind
from frontline.documents.services import issuing, preparing
from frontline.documents.tests.conftest import pdf_fonts, pdf_text

pytestmark = pytest.mark.django_db

CONTENT = Path(__file__).resolve().parent.parent / "content"
SCRIPTS = ["zh-hans", "zh-hant", "ja", "ko", "ru", "ar", "fa", "en"]
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def content(language: str) -> dict:
    return json.loads((CONTENT / f"{language}.json").read_text(encoding="utf-8"))


@pytest.fixture
def certificate(tree):
    source = content("zh-hans")["observation_end_certificate"]
    template = services.template_create(
        actor=tree.users["district"], jurisdiction=tree.jurisdictions["110101"],
        kind=DocumentKind.END_CERTIFICATE, title=source["title"], body=source["body"])
    for language in SCRIPTS[1:]:
        texts = content(language)["observation_end_certificate"]
        services.translation_save(actor=tree.users["translator"],
                                  translation=template.translations.get(language=language),
                                  title=texts["title"], segments=texts["segments"])
    return template


CONTEXT = {"jurisdiction_code": "110101001", "name": "SMITH John", "document_number": "E12345678",
           "nationality": "Canada", "start_date": "2020-03-20", "end_date": "2020-04-03",
           "hotel": "Hotel A"}


def count_pixels(image, predicate) -> int:
    data = image.convert("RGB").tobytes()
    return sum(1 for i in range(0, len(data), 3) if predicate(data[i], data[i + 1], data[i + 2]))


def clean(text: str) -> str:
    return " ".join(BIDI.sub("", text).split())


@pytest.fixture
def every_script_pdf(certificate, tmp_path):
    """One PDF: the certificate in each script, bilingual, one page each (as a batch is)."""
    values = issuing.clean_context(certificate.spec, CONTEXT)
    items = []
    for language in SCRIPTS:
        prepared = issuing.prepare_text(certificate, language)
        items.append(issuing.render_item(prepared, language=language, bilingual=True,
                                         context=values, serial=f"110101-2026-{len(items):07d}",
                                         issued_on=issuing.timezone.localdate()))
    path = tmp_path / "all.pdf"
    path.write_bytes(rendering.render_pdf(items))
    return path


# Words each page must show, in its own script (taken from the translations themselves).
EXPECTED = {
    "zh-hans": ["结束观察期证明", "接受医学观察", "北京市东城区人民政府外事办公室"],
    "zh-hant": ["結束觀察期證明", "接受醫學觀察", "東城區人民政府外事辦公室"],
    "ja": ["医学観察期間終了証明書", "医学観察を受けました", "東城区人民政府外事弁公室"],
    "ko": ["의학 관찰 종료 증명서", "의학 관찰을 받았습니다", "둥청구 인민정부 외사판공실"],
    "ru": ["Справка об окончании медицинского наблюдения", "Дунчэн"],
    "ar": ["شهادة انتهاء الملاحظة الطبية", "دونغتشنغ"],
    "fa": ["گواهی پایان", "مراقبت پزشکی"],
    "en": ["Certificate of the End of Medical Observation", "underwent medical observation"],
}


def test_pdftotext_finds_the_text_of_every_script(every_script_pdf):
    for page, language in enumerate(SCRIPTS, start=1):
        text = clean(pdf_text(every_script_pdf, page=page))
        for expected in EXPECTED[language]:
            assert expected in text, (language, expected, text[:400])
        # bilingual: the Chinese is on every page, and the filled-in values
        assert "结束观察期证明" in text, language
        assert "SMITH John" in text and "E123****8" in text, language
        assert f"110101-2026-{page - 1:07d}" in text


def test_dates_are_written_in_each_language(every_script_pdf):
    zh = clean(pdf_text(every_script_pdf, page=1))
    en = clean(pdf_text(every_script_pdf, page=len(SCRIPTS)))
    assert "2020年3月20日" in zh and "20 March 2020" in en


def test_every_font_is_embedded(every_script_pdf):
    fonts = pdf_fonts(every_script_pdf)
    names = " ".join(f["name"] for f in fonts)
    assert fonts and all(f["emb"] == "yes" for f in fonts), fonts
    for family in ("Noto-Sans-CJK-SC", "Noto-Sans-CJK-TC", "Noto-Sans-CJK-JP", "Noto-Sans-CJK-KR",
                   "Noto-Naskh-Arabic", "Noto-Sans"):
        assert family in names, (family, names)


def test_a_rendered_page_is_not_blank(every_script_pdf, tmp_path):
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(every_script_pdf),
                    str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    histogram = image.histogram()
    dark = sum(histogram[:128])
    assert image.size[0] > 200 and dark > 0.005 * image.size[0] * image.size[1]
    # and the red seal is there (a reddish area, not only black text)
    reds = count_pixels(Image.open(next(tmp_path.glob("page*.png"))),
                        lambda r, g, b: r > 150 and g < 110 and b < 120)
    assert reds > 50


def test_pages_set_lang_and_dir_and_pick_fonts_by_language(certificate):
    values = issuing.clean_context(certificate.spec, CONTEXT)
    html, _assets = rendering.document_html([
        issuing.render_item(issuing.prepare_text(certificate, language), language=language,
                            bilingual=True, context=values, serial="S", issued_on=issuing.
                            timezone.localdate()) for language in ("ar", "ja")])
    assert '<article id="doc-0" class="fmt-a4 first lg-ar" lang="ar" dir="rtl">' in html
    assert 'lang="ja" dir="ltr"' in html and 'lang="zh-Hans" dir="ltr"' in html
    css = rendering.PAGE_CSS % {"fallback": "", "lang_rules": ""}
    assert "@page a4" in css
    _font_config, stylesheet, _fetcher = rendering._weasy()
    assert stylesheet is rendering._weasy()[1]  # made once per process


def test_unofficial_mark_only_for_unapproved_translations(certificate, tree, tmp_path):
    unofficial = services.document_issue(actor=tree.users["street"],
                                         kind=DocumentKind.END_CERTIFICATE, person=None,
                                         language="en", context=CONTEXT)
    assert not unofficial.official
    text = clean(pdf_text(issuing.media_path(unofficial.file_path)))
    assert "Unofficial translation" in text and "非正式译文" in text
    services.translation_approve(actor=tree.users["proofreader"],
                                 translation=certificate.translations.get(language="en"))
    official = services.document_issue(actor=tree.users["street"],
                                       kind=DocumentKind.END_CERTIFICATE, person=None,
                                       language="en", context=CONTEXT)
    assert official.official
    text = clean(pdf_text(issuing.media_path(official.file_path)))
    assert "Unofficial" not in text and "非正式译文" not in text
    chinese = services.document_issue(actor=tree.users["street"],
                                      kind=DocumentKind.END_CERTIFICATE, person=None,
                                      language="zh-hans", context=CONTEXT)
    assert chinese.official and "非正式译文" not in pdf_text(issuing.media_path(chinese.file_path))


def test_the_office_seal_is_configurable(certificate, tree, tmp_path):
    red = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    for x in range(120):
        for y in range(120):
            if (x - 60) ** 2 + (y - 60) ** 2 < 3000:
                red.putpixel((x, y), (10, 200, 30, 255))  # a green seal, easy to find
    out = io.BytesIO()
    red.save(out, format="PNG")
    services.office_profile_save(actor=tree.users["district"],
                                 jurisdiction=tree.jurisdictions["110101"], phone="010-1",
                                 seal=out.getvalue())
    assert preparing.office_seal("110101")[1] == "image/png"
    document = services.document_issue(actor=tree.users["street"],
                                       kind=DocumentKind.END_CERTIFICATE, person=None,
                                       language="zh-hans", context=CONTEXT)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(issuing.media_path(document.file_path)),
                    str(tmp_path / "sealed")], check=True)
    greens = count_pixels(Image.open(next(tmp_path.glob("sealed*.png"))),
                          lambda r, g, b: g > 150 and r < 100 and b < 100)
    assert greens > 30
    # Not an image: refused, and the uploaded seal stays.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.office_profile_save(actor=tree.users["district"],
                                     jurisdiction=tree.jurisdictions["110101"],
                                     seal=b"%PDF-1.7 not an image")
    with pytest.raises(ValidationError):
        services.office_profile_save(actor=tree.users["district"],
                                     jurisdiction=tree.jurisdictions["110101"],
                                     seal=b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    assert preparing.office_seal("110101")[1] == "image/png"


def test_the_demo_seal_is_printed_without_an_upload(certificate, tree, tmp_path):
    content_bytes, mime = rendering.demo_seal()
    assert mime == "image/png"  # drawn once with Pillow from the fonts fontconfig finds
    seal = Image.open(io.BytesIO(content_bytes))
    assert seal.mode == "RGBA" and count_pixels(seal, lambda r, g, b: r > 150 and g < 80) > 500
    assert "DEMO SEAL" in rendering.DEMO_SEAL_SVG and "演示印章" in rendering.DEMO_SEAL_SVG
    assert preparing.office_seal("110101") == (content_bytes, mime)
    document = services.document_issue(actor=tree.users["street"],
                                       kind=DocumentKind.END_CERTIFICATE, person=None,
                                       language="zh-hans", context=CONTEXT)
    listing = subprocess.run(["pdfimages", "-list", str(issuing.media_path(document.file_path))],
                             capture_output=True, text=True, check=True).stdout
    assert " 300   300 " in listing  # the seal (300 × 300 px) is in the PDF


def test_documents_fetch_nothing_from_outside(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    item = rendering.RenderItem(page_format="a4", language="en", title_zh="",
                                title_tr=f"<img src='file://{secret}'>",
                                blocks=[rendering.Block("paragraph", None, [
                                    ('<img src="file:///etc/passwd">', False)])])
    pdf = rendering.render_pdf([item])
    text = pdf_text(pdf, tmp_path)
    assert "<img src=" in text  # escaped text, not markup
    fetcher = rendering._weasy()[2]({})
    with pytest.raises(ValueError):
        fetcher.fetch(f"file://{secret}")
    with pytest.raises(ValueError):
        fetcher.fetch("http://127.0.0.1/")


def _every_feature_items() -> list[rendering.RenderItem]:
    """Items that use every part of the markup: marks, titles, headings, list items, filled and
    blank fields, a signature with a seal, a footer with a QR code; A4 and card; LTR and RTL."""
    blocks = [
        rendering.Block("heading", [("须知", False)], [("Notes", False)]),
        rendering.Block("item", [("请每日测量体温。", False)], [("Take your temperature.", False)]),
        rendering.Block("paragraph", [("兹证明 ", False), ("SMITH John", True)],
                        [("This certifies that ", False), ("SMITH John", True)]),
        rendering.Block("field", [("房间号：", False), ("", True)], [("Room:", False), ("", True)]),
        rendering.Block("field", [("姓名：", False), ("SMITH John", True)],
                        [("Name:", False), ("SMITH John", True)]),
        rendering.Block("field", [("签名", False)], [("Signature", False)]),
        rendering.Block("signature", [("东城区外事办公室", False)], [("Foreign Affairs Office", False)]),
        rendering.Block("signature", [("2026年11月30日", False)], [("30 November 2026", False)]),
    ]
    seal, mime = rendering.demo_seal()
    return [rendering.RenderItem(page_format=fmt, language=lang, title_zh="证明", title_tr=title,
                                 blocks=blocks, official=official, specimen=specimen,
                                 serial="110101-2026-0000001", seal=seal, seal_mime=mime,
                                 verify_url="https://example.org/verify/110101-2026-0000001:x/")
            for fmt, lang, title, official, specimen in (
                ("a4", "en", "Certificate", False, True), ("card", "ar", "شهادة", True, False),
                ("a4", "fa", "گواهی", False, False), ("card", "ja", "証明書", True, True))]


def test_the_markup_uses_only_elements_the_short_ua_stylesheet_styles():
    from xml.etree import ElementTree

    html, _assets = rendering.document_html(_every_feature_items())
    root = ElementTree.fromstring(html.removeprefix("<!DOCTYPE html>"))  # noqa: S314 - our own markup
    assert {element.tag for element in root.iter()} <= rendering.UA_ELEMENTS


def _boxes(document) -> list[tuple]:
    """Every box of every page: its kind, place, size and text (to compare two layouts)."""
    out = []

    def walk(box, page):
        out.append((page, type(box).__name__, round(box.position_x, 2), round(box.position_y, 2),
                    round(box.width or 0, 2), round(box.height or 0, 2),
                    getattr(box, "text", "")))
        for child in getattr(box, "children", []):
            walk(child, page)

    for number, page in enumerate(document.pages):
        walk(page._page_box, number)  # noqa: SLF001 - the laid-out tree
    return out


def test_the_short_ua_stylesheet_lays_out_exactly_as_weasyprints_own():
    """UA_CSS restates the rules of WeasyPrint's user-agent stylesheet our markup needs: the
    layout of every element, in every format and direction, is the same box for box."""
    from weasyprint import HTML

    items = _every_feature_items()
    font_config, css, fetcher_class = rendering._weasy()
    html, assets = rendering.document_html(items)
    short = rendering._parsed_html(html, fetcher_class(assets))
    assert short._ua_stylesheets() == [rendering._state["ua_css"]]  # the short one is in use
    full = HTML(string=html, url_fetcher=fetcher_class(assets))
    with_short = short.render(stylesheets=[css], font_config=font_config)
    with_full = full.render(stylesheets=[css], font_config=font_config)
    assert len(with_short.pages) == len(items)
    assert _boxes(with_short) == _boxes(with_full)
    assert with_short.make_bookmark_tree() == with_full.make_bookmark_tree()


def test_arabic_script_in_a_chinese_or_latin_line_is_set_in_noto(tmp_path):
    name = [("MOHAMMADI, REZA (محمدی)", True)]
    item = rendering.RenderItem(page_format="a4", language="en", title_zh="告知书",
                                title_tr="Notice", blocks=[rendering.Block("text", name, name)])
    fonts = {row["name"].split("+")[-1] for row in pdf_fonts(rendering.render_pdf([item]),
                                                              tmp_path)}
    assert "Noto-Naskh-Arabic" in fonts, fonts
    assert not any("DejaVu" in font for font in fonts), fonts
