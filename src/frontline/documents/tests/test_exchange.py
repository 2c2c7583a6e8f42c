"""Export and import for outside translators (XLIFF 2.0 and .xlsx), and refusal of files that
are not what they claim, too large, or hostile (XML entities, billion laughs, zip bombs)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from frontline.core.testing import snapshot_row
from frontline.documents import exchange, services
from frontline.documents.models import RevisionEvent, Translation, TranslationState
from frontline.documents.tests.factories import CERT_EN, make_template, translate, translation

pytestmark = pytest.mark.django_db

NS = {"x": exchange.XLIFF_NS}


def export(tree, fmt="xliff", language="en", user="translator"):
    content, filename = services.translations_export(actor=tree.users[user], language=language,
                                                     fmt=fmt)
    return content, filename


def do_import(tree, data, fmt="xliff", filename="", user="translator"):
    return services.translations_import(actor=tree.users[user], data=data, fmt=fmt,
                                        filename=filename or f"file.{fmt}")


def test_xliff_round_trip_keeps_placeholders_as_ph_elements(tree):
    template = make_template(tree)
    content, filename = export(tree, language="ja")
    assert filename.endswith(".xliff")
    from defusedxml.ElementTree import fromstring

    root = fromstring(content)
    assert root.get("version") == "2.0" and root.get("trgLang") == "ja"
    file_el = root.find("x:file", NS)
    assert file_el.get("id") == f"110101:{template.kind}"
    units = file_el.findall("x:unit", NS)
    assert [u.get("id") for u in units] == ["title", "s1", "s2", "s3", "s4"]
    first_source = units[1].find("x:segment/x:source", NS)
    assert [ph.get("equiv") for ph in first_source.findall("x:ph", NS)] == [
        "{name}", "{document_masked}", "{start_date}", "{end_date}"]
    # An outside translator fills the targets, keeping the <ph/> elements.
    text = content.decode()
    from frontline.documents.tests.factories import CERT_TEXTS

    title, segments = CERT_TEXTS["ja"]
    for unit_id, target in [("title", title)] + [(f"s{i + 1}", s) for i, s in enumerate(segments)]:
        marker = f'<unit id="{unit_id}">'
        start = text.index(marker)
        end = text.index("</segment>", start)
        target_xml = exchange._inline(target)
        text = text[:end] + f"<target>{target_xml}</target>" + text[end:]
    report = do_import(tree, text.encode())
    assert report.as_dict() == {"language": "ja", "updated": 1, "unchanged": 0, "skipped": []}
    item = translation(template, "ja")
    assert item.title == title and item.segments == segments
    assert item.state == TranslationState.TRANSLATED  # waiting for review, never approved
    assert item.findings == []
    assert item.revisions.get().event == RevisionEvent.IMPORTED
    assert do_import(tree, text.encode()).unchanged == 1


def test_xlsx_round_trip(tree):
    template = make_template(tree)
    translate(tree, template, "en", segments=[CERT_EN[0], "=1+1 is text", *CERT_EN[2:]])
    content, filename = export(tree, fmt="xlsx")
    assert filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("template", "unit", "source:zh-hans", "target:en")
    assert rows[2][3] == CERT_EN[0]
    assert rows[3][3] == "'=1+1 is text"  # neutralised: a spreadsheet does not run it
    sheet.cell(row=3, column=4).value = CERT_EN[0].replace("completed", "finished")
    out = io.BytesIO()
    workbook.save(out)
    report = do_import(tree, out.getvalue(), fmt="xlsx")
    assert report.updated == 1
    item = translation(template, "en")
    assert "finished" in item.segments[0]
    assert item.segments[1] == "=1+1 is text"
    assert item.state == TranslationState.TRANSLATED


def test_a_file_of_an_older_source_version_is_skipped(tree):
    template = make_template(tree)
    content, _name = export(tree)
    services.template_update(actor=tree.users["district"], template=template,
                             title="结束观察期证明", body=template.body + "\n新的一段。")
    text = content.decode().replace("<source>特此证明。</source>",
                                    "<source>特此证明。</source><target>Certified.</target>")
    report = do_import(tree, text.encode())
    assert report.updated == 0 and "version 1" in report.skipped[0]
    assert translation(template, "en").state == TranslationState.EMPTY


@pytest.mark.parametrize("fmt, filename, data, message", [
    ("xlsx", "t.xlsx", b'<?xml version="1.0"?><xliff/>', "not XLSX"),
    ("xliff", "t.xliff", b"PK\x03\x04" + b"\x00" * 100, "not XLIFF"),
    ("xliff", "t.exe", b"<xliff/>", "is not a XLIFF file"),
    ("xliff", "t.xliff", b"MZ\x90\x00binary", "not XLIFF"),
    ("xliff", "t.xliff", b"<" + b"a" * (exchange.MAX_EXCHANGE_BYTES + 1), "larger than"),
    ("xliff", "t.xliff", b"", "empty"),
])
def test_files_that_are_not_what_they_claim_are_refused(tree, fmt, filename, data, message):
    template = make_template(tree)
    before = snapshot_row(translation(template, "en"))
    with pytest.raises(ValidationError) as info:
        do_import(tree, data, fmt=fmt, filename=filename)
    assert message in " ".join(info.value.messages)
    assert snapshot_row(translation(template, "en")) == before


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xliff [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh-Hans" trgLang="en">
<file id="110101:observation_end_certificate"><unit id="s1"><segment><source>x</source>
<target>&secret;</target></segment></unit></file></xliff>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh-Hans" trgLang="en">
<file id="110101:observation_end_certificate"><unit id="s1"><segment><source>x</source>
<target>&lol3;</target></segment></unit></file></xliff>"""


@pytest.mark.parametrize("data", [XXE, LAUGHS], ids=["external-entity", "billion-laughs"])
def test_hostile_xml_is_refused(tree, data):
    template = make_template(tree)
    with pytest.raises(ValidationError) as info:
        do_import(tree, data)
    assert "DTD or entities" in " ".join(info.value.messages)
    assert translation(template, "en").segments == ["", "", "", ""]


def test_xliff_with_unknown_template_or_language_is_refused(tree):
    make_template(tree)
    good = export(tree)[0].decode()
    with pytest.raises(ValidationError):
        do_import(tree, good.replace('trgLang="en"', 'trgLang="xx"').encode())
    with pytest.raises(ValidationError):
        do_import(tree, good.replace("observation_end_certificate", "ransom_note").encode())
    with pytest.raises(ValidationError):
        do_import(tree, good.replace('version="2.0"', 'version="1.2"').encode())


def _zip(entries: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_unpacking(tree):
    make_template(tree)
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                 "xl/worksheets/sheet1.xml": b"\x00" * (60 * 1024 * 1024)})
    assert len(bomb) < exchange.MAX_EXCHANGE_BYTES
    with pytest.raises(ValidationError) as info:
        do_import(tree, bomb, fmt="xlsx")
    assert "unpack" in " ".join(info.value.messages)


def test_a_zip_that_is_not_a_workbook_is_refused(tree):
    make_template(tree)
    with pytest.raises(ValidationError) as info:
        do_import(tree, _zip({"hello.txt": b"hi"}), fmt="xlsx")
    assert "not an Excel workbook" in " ".join(info.value.messages)


def test_an_xlsx_with_an_external_entity_is_refused(tree):
    template = make_template(tree)
    workbook = Workbook()
    workbook.active.append(["template", "unit", "source:zh-hans", "target:en"])
    out = io.BytesIO()
    workbook.save(out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    doctype = b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    workbook_xml = parts["xl/workbook.xml"]
    if workbook_xml.startswith(b"<?xml"):
        end = workbook_xml.index(b"?>") + 2
        parts["xl/workbook.xml"] = workbook_xml[:end] + doctype + workbook_xml[end:]
    else:
        parts["xl/workbook.xml"] = doctype + workbook_xml
    with pytest.raises(ValidationError) as info:
        do_import(tree, _zip(parts), fmt="xlsx")
    assert "DTD or entities" in " ".join(info.value.messages)
    assert translation(template, "en").state == TranslationState.EMPTY


def test_only_translators_export_and_import_their_scope(tree):
    from frontline.documents.tests.factories import make_west_user

    make_template(tree)
    make_west_user(tree)
    content, _name = export(tree, user="translator_west")
    assert b"110101:" not in content
    with pytest.raises(ValidationError):  # no template of theirs to import into
        do_import(tree, export(tree)[0], user="street")
    assert Translation.objects.filter(state=TranslationState.EMPTY).count() == 12
