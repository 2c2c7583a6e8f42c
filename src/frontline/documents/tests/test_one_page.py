"""Every kind of document, in every traveller language and bilingual with Chinese, fits on
its one page with long values (the seal, signature and code stay on the page they
authenticate): a text that runs over is laid out a step smaller (`rendering.FIT_STEPS`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from frontline.documents import rendering, services
from frontline.documents.kinds import ISSUABLE_KINDS, SOURCE_LANGUAGE, kind_spec, target_languages
from frontline.documents.services import issuing
from frontline.documents.tests.conftest import pdf_text

pytestmark = pytest.mark.django_db

CONTENT = Path(rendering.__file__).resolve().parent / "content"
LANGUAGES = [SOURCE_LANGUAGE, *target_languages()]
# Long but ordinary values: a double-barrelled name, a hotel and a community with long names.
CONTEXT = {"jurisdiction_code": "110101001",
           "name": "SCHWARZENBERGER-MÜLLER, Maximilian Alexander", "document_number": "E12345678",
           "nationality": "DE", "start_date": "2026-11-30", "end_date": "2026-12-14",
           "hotel": "东城区第一集中医学观察酒店", "room": "1208", "community": "东华门街道多福巷社区",
           "address": "东城区东华门大街12号院3号楼2单元501", "office_phone": "010-0000-0000",
           "issue_date": "2026-11-30"}


def _content(language: str) -> dict:
    return json.loads((CONTENT / f"{language}.json").read_text(encoding="utf-8"))


def _items(tree, kind: str) -> list[rendering.RenderItem]:
    source = _content(SOURCE_LANGUAGE)[kind]
    template = services.template_create(
        actor=tree.users["district"], jurisdiction=tree.jurisdictions["110101"], kind=kind,
        title=source["title"], body=source["body"])
    for language in target_languages():
        texts = _content(language)[kind]
        services.translation_save(actor=tree.users["translator"],
                                  translation=template.translations.get(language=language),
                                  title=texts["title"], segments=texts["segments"])
    spec = kind_spec(kind)
    values = issuing.clean_context(spec, {
        key: value for key, value in CONTEXT.items()
        if key in spec.placeholders or key in ("jurisdiction_code", "document_number")})
    return [issuing.render_item(issuing.prepare_text(template, language), language=language,
                                bilingual=True, context=values,
                                serial=f"110101-2026-{n:07d}", issued_on=issuing.timezone.localdate())
            for n, language in enumerate(LANGUAGES)]


@pytest.mark.parametrize("kind", sorted(ISSUABLE_KINDS))
def test_every_kind_fits_its_page_in_every_language(tree, kind):
    items = _items(tree, kind)
    _document, groups = rendering._fitted_layout(items)  # noqa: SLF001
    pages = {item.language: len(group) for item, group in zip(items, groups, strict=True)}
    assert pages == dict.fromkeys(LANGUAGES, 1)


def test_a_notice_that_runs_over_is_laid_out_smaller_and_keeps_its_text(tree, monkeypatch,
                                                                        tmp_path):
    items = [item for item in _items(tree, "centralised_observation_notice")
             if item.language in ("de", "en")]
    monkeypatch.setattr(rendering, "FIT_STEPS", 0)  # as before: the signature ran over
    assert [len(g) for g in rendering._fitted_layout(items)[1]] == [2, 2]  # noqa: SLF001
    monkeypatch.undo()
    pdfs = rendering.render_each(items)
    whole = rendering.render_pdf(items)
    assert len(pdfs) == len(items)
    for pdf in pdfs:
        text = pdf_text(pdf, tmp_path)
        assert "北京市东城区人民政府外事办公室" in text and "110101-2026-" in text
        assert "SCHWARZENBERGER-MÜLLER" in text
        assert _pages(pdf, tmp_path) == 1
    assert _pages(whole, tmp_path) == 2  # one page each in the PDF of them all
    assert pdf_text(whole, tmp_path, page=2).count("SCHWARZENBERGER-MÜLLER") >= 1


def _pages(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    return int(next(line.split()[-1] for line in info.stdout.splitlines()
                    if line.startswith("Pages:")))
