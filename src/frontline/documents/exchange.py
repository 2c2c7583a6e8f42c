"""Export and import of translations for outside translators: XLIFF 2.0 and .xlsx.

Files from outside are hostile until proven otherwise: each is refused when it is larger
than MAX_EXCHANGE_BYTES, when its content is not the declared type, when XML declares a DTD
or entities (XML external entities, “billion laughs”; parsed with defusedxml), and when an
.xlsx archive declares more entries or more unpacked bytes than a spreadsheet of
translations can need (a zip bomb), before any part of it is unpacked.

A unit is identified by its template (the office's division code and the kind, as
`110101:observation_end_certificate`) and `title` or `s<n>` (segment n, from 1).
Placeholders travel as XLIFF `<ph equiv="{name}"/>` elements, so translation tools protect
them; in a spreadsheet they stay as text.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from frontline.core.csvsafe import neutralise
from frontline.documents.kinds import DocumentKind, html_lang
from frontline.documents.textformat import PLACEHOLDER_RE

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
MAX_EXCHANGE_BYTES = 2 * 1024 * 1024
MAX_XLSX_ENTRIES = 100
MAX_XLSX_UNPACKED = 20 * 1024 * 1024
MAX_XLSX_RATIO = 100
XLSX_HEADER = ["template", "unit", "source", "target", "state", "source_version"]
TEMPLATE_ID_RE = re.compile(r"(\d{2,12}):([a-z_]+)")
STATE_TO_XLIFF = {"empty": "initial", "needs_editing": "initial", "translated": "translated",
                  "approved": "final"}


class ExchangeError(ValueError):
    """The file as a whole is refused; nothing of it is imported."""


@dataclass
class ExportUnit:
    template: str  # "<division code>:<kind>"
    unit: str  # "title" or "s1", "s2", ...
    source: str
    target: str
    state: str
    source_version: int


@dataclass
class ImportedFile:
    language: str
    # (template id, unit) -> target text; source_version per template as found in the file
    targets: dict[tuple[str, str], str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    sources: dict[tuple[str, str], str] = field(default_factory=dict)


def template_id(code: str, kind: str) -> str:
    return f"{code}:{kind}"


def _check_template_id(value: str) -> str:
    match = TEMPLATE_ID_RE.fullmatch(value or "")
    if not match or match.group(2) not in DocumentKind.values:
        raise ExchangeError(_("unknown template “%(id)s”") % {"id": (value or "")[:60]})
    return value


def language_code(tag: str, languages: list[str]) -> str | None:
    """Our code for a BCP 47 tag found in a file (`zh-Hant` → `zh-hant`)."""
    tag = (tag or "").strip().lower().replace("_", "-")
    return tag if tag in languages else None


# -- checks common to both formats -----------------------------------------------------------

def detect_format(data: bytes) -> str:
    """What the bytes really are: 'xlsx' (a zip archive), 'xml', or 'other'."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "xml"
    return "other"


def check_upload(data: bytes, *, declared: str, filename: str = "") -> None:
    """Refuse a file that is too large or is not what it says it is."""
    if len(data) > MAX_EXCHANGE_BYTES:
        raise ExchangeError(_("the file is larger than %(mb)s MB")
                            % {"mb": MAX_EXCHANGE_BYTES // (1024 * 1024)})
    if not data:
        raise ExchangeError(_("the file is empty"))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    expected_extensions = {"xliff": {"xliff", "xlf", "xml"}, "xlsx": {"xlsx"}}[declared]
    if extension and extension not in expected_extensions:
        raise ExchangeError(_("a file named “%(name)s” is not a %(format)s file")
                            % {"name": filename[:100], "format": declared.upper()})
    actual = detect_format(data)
    if (declared == "xliff" and actual != "xml") or (declared == "xlsx" and actual != "xlsx"):
        raise ExchangeError(_("the content of the file is not %(format)s")
                            % {"format": declared.upper()})


# -- XLIFF 2.0 -------------------------------------------------------------------------------

def _xml_escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _inline(text: str) -> str:
    """Text with its placeholders as <ph/> elements."""
    out, pos, n = [], 0, 0
    for match in PLACEHOLDER_RE.finditer(text):
        out.append(_xml_escape(text[pos:match.start()]))
        n += 1
        ph = _xml_escape(match.group(0))
        out.append(f'<ph id="ph{n}" equiv="{ph}" disp="{ph}"/>')
        pos = match.end()
    out.append(_xml_escape(text[pos:]))
    return "".join(out)


def xliff_export(units: list[ExportUnit], language: str) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<xliff xmlns="{XLIFF_NS}" version="2.0" srcLang="zh-Hans" '
             f'trgLang="{html_lang(language)}">']
    kind = None
    for unit in units:
        if unit.template != kind:
            if kind is not None:
                lines.append("  </file>")
            kind = unit.template
            lines.append(f'  <file id="{_xml_escape(kind)}">')
            lines.append(f'    <notes><note id="source_version" category="frontline">'
                         f"{unit.source_version}</note></notes>")
        state = STATE_TO_XLIFF.get(unit.state, "initial")
        lines.append(f'    <unit id="{_xml_escape(unit.unit)}">')
        lines.append(f'      <segment state="{state}">')
        lines.append(f"        <source>{_inline(unit.source)}</source>")
        if unit.target:
            lines.append(f"        <target>{_inline(unit.target)}</target>")
        lines.append("      </segment>")
        lines.append("    </unit>")
    if kind is not None:
        lines.append("  </file>")
    lines.append("</xliff>")
    return ("\n".join(lines) + "\n").encode("utf-8")


MAX_INLINE_DEPTH = 20


def _inline_text(element: Any, depth: int = 0) -> str:
    """The text of a <source>/<target>, with <ph equiv> turned back into placeholders."""
    if depth > MAX_INLINE_DEPTH:
        raise ExchangeError(_("inline elements are nested more than %(n)s deep")
                            % {"n": MAX_INLINE_DEPTH})
    parts = [element.text or ""]
    for child in element:
        tag = child.tag.split("}", 1)[-1]
        if tag == "ph":
            equiv = child.get("equiv") or child.get("disp") or ""
            if not PLACEHOLDER_RE.fullmatch(equiv):
                raise ExchangeError(_("a placeholder element holds “%(value)s”, not {name}")
                                    % {"value": equiv[:40]})
            parts.append(equiv)
        elif tag in ("mrk", "pc"):
            parts.append(_inline_text(child, depth + 1))
        else:
            raise ExchangeError(_("unsupported inline element <%(tag)s>") % {"tag": tag[:20]})
        parts.append(child.tail or "")
    return "".join(parts)


def xliff_parse(data: bytes, *, languages: list[str]) -> ImportedFile:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ExchangeError(_("the file declares a DTD or entities, which are refused")) from exc
    except Exception as exc:  # ParseError and friends
        raise ExchangeError(_("the file is not well-formed XML: %(error)s")
                            % {"error": str(exc)[:200]}) from exc
    ns = "{" + XLIFF_NS + "}"
    if root.tag != ns + "xliff" or root.get("version") != "2.0":
        raise ExchangeError(_("the file is not XLIFF 2.0"))
    if (root.get("srcLang") or "").lower() != "zh-hans":
        raise ExchangeError(_("the source language must be zh-Hans"))
    language = language_code(root.get("trgLang") or "", languages)
    if language is None:
        raise ExchangeError(_("unknown target language “%(lang)s”")
                            % {"lang": (root.get("trgLang") or "")[:20]})
    imported = ImportedFile(language=language)
    for file_el in root.findall(ns + "file"):
        kind = _check_template_id(file_el.get("id") or "")
        for note in file_el.iter(ns + "note"):
            if note.get("id") == "source_version" and (note.text or "").strip().isdigit():
                imported.versions[kind] = int(note.text.strip())
        for unit in file_el.iter(ns + "unit"):
            unit_id = unit.get("id") or ""
            if not re.fullmatch(r"title|s[1-9][0-9]{0,3}", unit_id):
                raise ExchangeError(_("unknown unit “%(unit)s”") % {"unit": unit_id[:40]})
            segment = unit.find(ns + "segment")
            if segment is None:
                continue
            source = segment.find(ns + "source")
            target = segment.find(ns + "target")
            if source is not None:
                imported.sources[(kind, unit_id)] = _inline_text(source)
            if target is not None:
                imported.targets[(kind, unit_id)] = _inline_text(target).strip()
    return imported


# -- .xlsx -----------------------------------------------------------------------------------

def xlsx_export(units: list[ExportUnit], language: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=language)
    sheet.append(XLSX_HEADER[:2] + ["source:zh-hans", f"target:{language}"] + XLSX_HEADER[4:])
    for unit in units:
        sheet.append([unit.template, unit.unit, neutralise(unit.source), neutralise(unit.target),
                      unit.state, unit.source_version])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _read_part(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    """A part's bytes, read in chunks, so never more than its declared size is inflated."""
    try:
        with archive.open(entry) as part:
            return b"".join(iter(lambda: part.read(1 << 16), b""))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        # A checksum or size that does not match the data (a zip bomb declaring small sizes
        # stops at them and fails here), data that is not deflate, or an encrypted part.
        raise ExchangeError(_("the file is not a valid .xlsx archive")) from exc


def check_xlsx_archive(data: bytes) -> bytes:
    """Refuse an archive by its declared entries and sizes, before unpacking anything; return
    the workbook packed again from its parts as read, for openpyxl to open.

    Python's zipfile never returns more than an entry's declared size when a part is read in
    chunks, so bounding the declared sizes bounds the work. One unbounded read() (openpyxl
    reads the workbook and styles parts so) first inflates all of a part's compressed data
    and only then cuts it to the declared size: a part declaring 300 bytes, with the matching
    checksum, can inflate to gigabytes. The copy openpyxl reads holds only what was checked.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ExchangeError(_("the file is not a valid .xlsx archive")) from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_XLSX_ENTRIES:
            raise ExchangeError(_("the archive has too many parts (%(n)s)") % {"n": len(entries)})
        unpacked = sum(e.file_size for e in entries)
        if unpacked > MAX_XLSX_UNPACKED:
            raise ExchangeError(_("the archive would unpack to %(mb)s MB, more than allowed")
                                % {"mb": unpacked // (1024 * 1024)})
        for entry in entries:
            if entry.file_size > 1024 * 1024 and entry.file_size > MAX_XLSX_RATIO * max(
                    entry.compress_size, 1):
                raise ExchangeError(_("a part of the archive is compressed suspiciously well"))
        names = {e.filename for e in entries}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise ExchangeError(_("the archive is not an Excel workbook"))
        # A workbook never declares a DTD; refuse entities in any part before openpyxl reads
        # them (it parses with defusedxml too, but not every part the same way).
        checked = io.BytesIO()
        with zipfile.ZipFile(checked, "w", zipfile.ZIP_DEFLATED) as copy:
            for entry in entries:
                content = _read_part(archive, entry)
                if entry.filename.endswith((".xml", ".rels", ".vml")):
                    if b"\x00" in content:  # UTF-16 (which would hide a DTD from this scan)
                        raise ExchangeError(_("a part of the workbook is not UTF-8 XML; open "
                                              "it in Excel and save it again"))
                    head = content.upper()
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise ExchangeError(_("the file declares a DTD or entities, which are "
                                              "refused"))
                copy.writestr(entry.filename, content)
    return checked.getvalue()


def _unneutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def xlsx_parse(data: bytes, *, languages: list[str]) -> ImportedFile:
    data = check_xlsx_archive(data)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds; defusedxml ones included
        raise ExchangeError(_("the workbook cannot be read: %(error)s")
                            % {"error": str(exc)[:200]}) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(c or "").strip().lower() for c in next(rows, ())]
        if len(header) < 4 or header[:2] != XLSX_HEADER[:2] or not header[3].startswith(
                "target:"):
            raise ExchangeError(_("the first row must be the header of an exported file"))
        language = language_code(header[3].split(":", 1)[1], languages)
        if language is None:
            raise ExchangeError(_("unknown target language “%(lang)s”")
                                % {"lang": header[3][:20]})
        imported = ImportedFile(language=language)
        for count, row in enumerate(rows, start=2):
            if count > 20000:
                raise ExchangeError(_("the sheet has too many rows"))
            cells = list(row) + [None] * 6
            kind, unit = str(cells[0] or "").strip(), str(cells[1] or "").strip()
            if not kind and not unit:
                continue
            try:
                _check_template_id(kind)
            except ExchangeError as exc:
                raise ExchangeError(_("row %(row)s: %(error)s")
                                    % {"row": count, "error": exc}) from exc
            if not re.fullmatch(r"title|s[1-9][0-9]{0,3}", unit):
                raise ExchangeError(_("row %(row)s: unknown unit “%(unit)s”")
                                    % {"row": count, "unit": unit[:40]})
            imported.sources[(kind, unit)] = _unneutralise(cells[2])
            imported.targets[(kind, unit)] = _unneutralise(cells[3]).strip()
            if str(cells[5] or "").strip().isdigit():
                imported.versions[kind] = int(str(cells[5]).strip())
        return imported
    finally:
        workbook.close()


# -- lists of people for a batch -------------------------------------------------------------

PEOPLE_COLUMNS = ("name", "document_number", "nationality", "start_date", "end_date", "hotel",
                  "room", "address", "community", "language", "jurisdiction_code")
MAX_PEOPLE_ROWS = 5000
LINE_KEY = "_line"  # each row's line in the file (the header is line 1)


def _csv_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, as Chinese Excel saves CSV, told apart by the
    person registry's reader (strict decoding, and GB18030 only when its characters are
    plausible): the same files are accepted here as in the registry's imports."""
    import tempfile

    from frontline.people.imports.files import ImportRefused, csv_encoding

    with tempfile.NamedTemporaryFile(suffix=".csv") as copy:
        copy.write(data)
        copy.flush()
        try:
            return csv_encoding(Path(copy.name))
        except ImportRefused as exc:
            raise ExchangeError(exc.message) from None


def people_rows_parse(data: bytes, *, filename: str) -> list[dict[str, str]]:
    """Rows of a .csv (UTF-8 or GB18030) or .xlsx list of people, by the header's column
    names, each with its line in the file under LINE_KEY."""
    import csv

    declared = "xlsx" if filename.lower().endswith(".xlsx") else "csv"
    if len(data) > MAX_EXCHANGE_BYTES:
        raise ExchangeError(_("the file is larger than %(mb)s MB")
                            % {"mb": MAX_EXCHANGE_BYTES // (1024 * 1024)})
    if declared == "xlsx":
        if detect_format(data) != "xlsx":
            raise ExchangeError(_("the content of the file is not %(format)s")
                                % {"format": "XLSX"})
        data = check_xlsx_archive(data)
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = [["" if c is None else str(c) for c in row]
                    for row in workbook.worksheets[0].iter_rows(values_only=True)]
            workbook.close()
        except ExchangeError:
            raise
        except Exception as exc:
            raise ExchangeError(_("the workbook cannot be read: %(error)s")
                                % {"error": str(exc)[:200]}) from exc
    else:
        if not filename.lower().endswith(".csv"):
            raise ExchangeError(_("upload a .csv or .xlsx file"))
        if detect_format(data) == "xlsx" or b"\x00" in data:
            raise ExchangeError(_("the file is named .csv but is not a text file: save the list "
                                  "as CSV (or upload the workbook as .xlsx)"))
        text = data.decode(_csv_encoding(data))
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            rows = list(reader)
        except csv.Error as exc:  # a field past the size limit, an unclosed quote
            raise ExchangeError(_("the CSV file cannot be read at line %(line)s")
                                % {"line": reader.line_num}) from exc
    if not rows:
        raise ExchangeError(_("the file is empty"))
    header = [h.strip().lower() for h in rows[0]]
    if "name" not in header:
        raise ExchangeError(_("the first row must name the columns, including “name”"))
    if len(rows) - 1 > MAX_PEOPLE_ROWS:
        raise ExchangeError(_("at most %(n)s people per file") % {"n": MAX_PEOPLE_ROWS})
    out = []
    for line, row in enumerate(rows[1:], start=2):
        values = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)
                  if h in PEOPLE_COLUMNS}
        if any(values.values()):
            out.append({**values, LINE_KEY: str(line)})  # the file's line, for its errors
    return out
