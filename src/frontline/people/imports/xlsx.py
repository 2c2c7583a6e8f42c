"""Workbooks (.xlsx), checked before anything parses them, then read fast and safely.

The zip is inspected first: the parts an .xlsx must have, the declared uncompressed sizes
and compression ratios (zip bombs), encryption, and every XML part is scanned for a document
type declaration (external entities, billion laughs) — Excel never writes one — while the
rows of the first sheet are counted. The cells are then read by a streaming reader whose XML
parser refuses any DTD or entity as defusedxml does (the small styles and workbook parts are
parsed with defusedxml itself). openpyxl is not used to read: forced onto defusedxml's
pure-Python tree builder it needs ~45 s for 100k rows on this machine. Cells come back as
text, as openpyxl would give them; a formula is its text, never evaluated.
"""

from __future__ import annotations

import codecs
import datetime
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from frontline.people.imports.files import (
    _CONTROL,
    CHUNK,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    ImportRefused,
    Limits,
)

XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_MIN_RATIO_CHECK_BYTES = 1 << 20  # small parts compress well by nature; judge big ones


def _scan_xml(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, count_rows: bool = False) -> int:
    """Refuse a DTD anywhere in the part; return how many <row> elements it has (a sheet)."""
    rows = 0
    with zf.open(info) as member:
        first = member.read(4)
        if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in first:
            raise ImportRefused(_("The workbook contains XML in an unusual encoding; open it in "
                                  "Excel and save it again."))
        tail = first
        while True:
            chunk = member.read(CHUNK)
            if not chunk:
                break
            window = tail + chunk
            if count_rows:
                # A row tag split across chunks is found in the window's first 16 bytes.
                rows += len(_ROW.findall(window)) - len(_ROW.findall(tail))
            if _DTD.search(window):
                raise ImportRefused(_(
                    "The workbook contains a document type declaration (DOCTYPE or ENTITY), "
                    "which Excel never writes; it is refused as possibly hostile."))
            tail = window[-16:]
        if _DTD.search(tail):
            raise ImportRefused(_(
                "The workbook contains a document type declaration (DOCTYPE or ENTITY), "
                "which Excel never writes; it is refused as possibly hostile."))
    return rows


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    """A small part's bytes, read in chunks: zipfile's read() inflates all of a part's
    compressed data before cutting it to the declared size (the size and checksum the scan
    verified), which a hostile part makes gigabytes."""
    with zf.open(name) as member:
        return b"".join(iter(lambda: member.read(CHUNK), b""))


def _first_sheet(zf: zipfile.ZipFile) -> str | None:
    """The part name of the workbook's first worksheet (the one imported), from workbook.xml
    and its relationships, parsed with defusedxml (after the DTD scan)."""
    from defusedxml.ElementTree import fromstring

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        workbook = fromstring(_read_part(zf, "xl/workbook.xml"))
        sheet = workbook.find(f"{main}sheets/{main}sheet")
        rel_id = sheet.get(f"{rel_ns}id") if sheet is not None else None
        rels = fromstring(_read_part(zf, "xl/_rels/workbook.xml.rels"))
    except Exception:  # noqa: BLE001 - an unusual workbook: every sheet is counted
        return None
    for rel in rels:
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def xlsx_inspect(path: Path, limits: Limits) -> int:
    """Refuse a workbook that is not a plain .xlsx or could exhaust memory or leak files."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ImportRefused(_("The file is called .xlsx but its content is not an Excel "
                              "workbook.")) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > 2000:
            raise ImportRefused(_("The workbook has too many parts to be a plain spreadsheet."))
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise ImportRefused(_("The file is a zip archive but not an Excel workbook (.xlsx)."))
        if any(i.flag_bits & 0x1 for i in infos):
            raise ImportRefused(_("The workbook is encrypted; remove the password and save it "
                                  "again."))
        total = sum(i.file_size for i in infos)
        if total > limits.max_unzipped_bytes:
            raise ImportRefused(_(
                "The workbook would unpack to more than %(limit)s MB; it is refused as a "
                "possible zip bomb.") % {"limit": limits.max_unzipped_bytes // (1024 * 1024)})
        for info in infos:
            if info.file_size >= _MIN_RATIO_CHECK_BYTES and (
                    info.file_size > limits.max_ratio * max(info.compress_size, 1)):
                raise ImportRefused(_(
                    "A part of the workbook is compressed more than %(ratio)s times; it is "
                    "refused as a possible zip bomb.") % {"ratio": limits.max_ratio})
        sheet_rows: dict[str, int] = {}
        try:
            for info in infos:
                if info.filename.lower().endswith(XML_SUFFIXES):
                    is_sheet = info.filename.startswith("xl/worksheets/")
                    rows = _scan_xml(zf, info, count_rows=is_sheet)
                    if is_sheet:
                        sheet_rows[info.filename] = rows
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
            # A part whose data does not match its checksum or declared size (a zip bomb
            # declaring small sizes stops at them and fails here), or is not deflate.
            raise ImportRefused(_("The workbook is damaged; open it in Excel and save it "
                                  "again.")) from None
        first = _first_sheet(zf)
        rows = sheet_rows.get(first, 0) if first in sheet_rows else max(sheet_rows.values(),
                                                                          default=0)
        if rows > limits.max_rows + 1:
            raise ImportRefused(_("The file has more than %(limit)s rows.")
                                % {"limit": limits.max_rows})
        return rows


def cell_text(value: object) -> str:
    """A cell as text, the way the user sees it: formulas stay text, never evaluated."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, datetime.datetime):
        text = (value.date().isoformat() if value.time() == datetime.time(0)
                else value.isoformat(sep=" ", timespec="seconds"))
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    elif isinstance(value, datetime.time):
        text = value.isoformat(timespec="seconds")
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    else:
        text = str(value)
    if _CONTROL.search(text):  # control characters (a NUL from "_x0000_") never reach the data
        text = _CONTROL.sub("", text)
    text = text.strip()
    return text[:MAX_CELL_CHARS + 1]


# Reading the cells. Every byte of a part goes through expat with the protections defusedxml
# applies (a DTD, an entity declaration or an external entity raises) and no content
# handlers, so it runs at C speed and proves the XML well-formed; the rows and cells are then
# taken from the same text with regular expressions, also in C. openpyxl's reader, forced
# onto defusedxml's pure-Python tree builder, needs ~45 s for 100k rows on this machine, and
# an expat reader with Python callbacks ~20 s; this one needs a few seconds.

_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_P = r"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
_ROW_RE = re.compile(rf"<{_P}row\b([^>]*?)(?:/>|>(.*?)</{_P}row>)", re.DOTALL)
_ROW_NUMBER = re.compile(r"\br=[\"'](\d+)")
_CELL_RE = re.compile(  # r (column letters), s, t, then a plain <v>, a plain inline string,
    # or any other content (formulas, rich text) for the general path
    rf"<{_P}c\b(?=[^>]*?\br=[\"']([A-Za-z]+)\d*[\"'])?(?=[^>]*?\bs=[\"'](\d+)[\"'])?"
    rf"(?=[^>]*?\bt=[\"'](\w+)[\"'])?[^>]*?(?:/>|>(?:<{_P}v>([^<]*)</{_P}v>"
    rf"|<{_P}is><{_P}t(?:\s[^>]*)?>([^<]*)</{_P}t></{_P}is>|(.*?))</{_P}c>)", re.DOTALL)
_IS_RE = re.compile(rf"<{_P}is>(.*?)</{_P}is>", re.DOTALL)
# The same groups for cells written as Excel and openpyxl write them (attributes r, s, t in
# this order, no prefix); a row where it does not match every cell uses the one above.
_CELL_FAST = re.compile(
    r'<c r="([A-Z]+)\d+"(?: s="(\d+)")?(?: t="(\w+)")?(?: ?/>|>(?:<v>([^<]*)</v>'
    r'|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>|(.*?))</c>)', re.DOTALL)
_V_RE = re.compile(rf"<{_P}v>(.*?)</{_P}v>", re.DOTALL)
_F_RE = re.compile(rf"<{_P}f\b[^>]*?(?:/>|>(.*?)</{_P}f>)", re.DOTALL)
_T_RE = re.compile(rf"<{_P}t\b[^>]*?(?:/>|>(.*?)</{_P}t>)", re.DOTALL)
_PHONETIC_RE = re.compile(rf"<{_P}rPh\b.*?</{_P}rPh>", re.DOTALL)
_SI_RE = re.compile(rf"<{_P}si\b[^>]*?(?:/>|>(.*?)</{_P}si>)", re.DOTALL)
_MARKUP = re.compile(r"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_DECLARED = re.compile(rb"""encoding=["']([A-Za-z0-9._-]+)["']""")


def _forbid(*_args, **_kwargs):
    raise ImportRefused(_(
        "The workbook contains a document type declaration (DOCTYPE or ENTITY), "
        "which Excel never writes; it is refused as possibly hostile."))


def _hardened_parser():
    """Expat refusing any DTD and entity, with no content handlers (C speed)."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    return parser


def _unreadable(what: str) -> ImportRefused:
    return ImportRefused(_("The workbook cannot be read (%(error)s).") % {"error": what})


def _unescape(text: str) -> str:
    """XML character references and Excel's _xHHHH_ escapes, in cell text."""
    if "&" in text:
        def entity(match: re.Match) -> str:
            name = match.group(1)
            if name[0] == "#":
                code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
                return chr(code) if 0 < code < 0x110000 else ""
            return _ENTITIES[name]

        text = _ENTITY.sub(entity, text)
    if "_x" in text:
        text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _text(fragment: str) -> str:
    """The text of an element's content, without its markup."""
    if "<" in fragment:
        fragment = _MARKUP.sub(lambda m: _escape(m.group(1) or ""), fragment)
        fragment = "".join(t or "" for t in _T_RE.findall(fragment)) if "<" in fragment \
            else fragment
    return _unescape(fragment)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _last_close(text: str, name: str) -> int:
    """The end of the last closing tag `</name>` (any prefix) in text, or -1."""
    needle = name + ">"
    index = text.rfind(needle)
    while index > 0:
        start = text.rfind("</", max(0, index - 40), index)
        if start >= 0 and re.fullmatch(_P, text[start + 2:index]):
            return index + len(needle)
        index = text.rfind(needle, 0, index)
    return -1


def _segments(zf: zipfile.ZipFile, part: str, element: str) -> Iterator[str]:
    """A part's text in pieces that each end after a closing `</element>` (the last piece:
    the rest); every byte was first accepted by the hardened expat parser."""
    from xml.parsers import expat

    guard = _hardened_parser()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    pending = ""
    with zf.open(part) as member:
        first = True
        while True:
            chunk = member.read(CHUNK * 4)
            final = not chunk
            if first:
                declared = _DECLARED.search(chunk[:200])
                if declared and declared.group(1).lower().replace(b"_", b"-") not in (
                        b"utf-8", b"utf8"):
                    raise _unreadable("encoding")
                first = False
            try:
                guard.Parse(chunk, final)
                pending += decoder.decode(chunk, final)
            except expat.ExpatError as exc:
                raise _unreadable(expat.errors.messages.get(exc.code, "XML")) from None
            except UnicodeDecodeError:
                raise _unreadable("UTF-8") from None
            if final:
                if pending:
                    yield pending
                return
            cut = _last_close(pending, element)
            if cut > 0:
                yield pending[:cut]
                pending = pending[cut:]


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    names = {i.filename for i in zf.infolist()}
    part = next((n for n in ("xl/sharedStrings.xml", "xl/SharedStrings.xml") if n in names),
                None)
    if part is None:
        return []
    strings: list[str] = []
    for segment in _segments(zf, part, "si"):
        for content in _SI_RE.findall(segment):
            if "<rPh" in content or ":rPh" in content:
                content = _PHONETIC_RE.sub("", content)
            strings.append(_unescape("".join(t or "" for t in _T_RE.findall(content))))
    return strings


def _date_styles(zf: zipfile.ZipFile) -> set[int]:
    """The cell style indexes whose number format is a date or time."""
    from defusedxml.ElementTree import fromstring
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    try:
        root = fromstring(_read_part(zf, "xl/styles.xml"))
    except KeyError:
        return set()
    except Exception:  # noqa: BLE001 - defusedxml refusals and broken XML alike
        raise _unreadable("styles") from None
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    formats = dict(BUILTIN_FORMATS)
    for fmt in root.iterfind(f"{ns}numFmts/{ns}numFmt"):
        try:
            formats[int(fmt.get("numFmtId", "-1"))] = fmt.get("formatCode", "")
        except ValueError:
            continue
    dates = set()
    for index, xf in enumerate(root.iterfind(f"{ns}cellXfs/{ns}xf")):
        try:
            code = formats.get(int(xf.get("numFmtId", "0")), "")
        except ValueError:
            continue
        if code and is_date_format(code):
            dates.add(index)
    return dates


def _epoch(zf: zipfile.ZipFile) -> datetime.datetime:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    with zf.open("xl/workbook.xml") as member:
        head = member.read(4096)
    return CALENDAR_MAC_1904 if re.search(rb'date1904="(1|true)"', head) else CALENDAR_WINDOWS_1900


_COLUMN_CACHE: dict[str, int] = {}


def _column(letters: str) -> int:
    index = _COLUMN_CACHE.get(letters)
    if index is None:
        index = 0
        for ch in letters.upper():
            index = index * 26 + (ord(ch) - 64)
        index -= 1
        if len(_COLUMN_CACHE) < 20000:
            _COLUMN_CACHE[letters] = index
    return index


def from_excel(value: float, epoch: datetime.datetime) -> datetime.datetime:
    from openpyxl.utils.datetime import from_excel as convert

    return convert(value, epoch)


def _cell_value(kind: str, style: str, content: str, shared: list[str], dates: set[int],
                epoch: datetime.datetime) -> object:
    if content.startswith("<v>") and content.endswith("</v>") and "<" not in content[3:-4]:
        raw, formula = content[3:-4], None  # the common case: a plain value
    else:
        found = _F_RE.search(content)
        formula = None if found is None else (found.group(1) or "")
        value = _V_RE.search(content)
        raw = value.group(1) if value else ""
        if kind == "inlineStr":
            inline = _IS_RE.search(content)
            raw = _text(_PHONETIC_RE.sub("", inline.group(1))) if inline else ""
            return "=" + _unescape(formula) if formula is not None else raw
    if formula is not None:
        return "=" + _unescape(formula)  # text, never evaluated
    if kind == "s":
        try:
            return shared[int(raw)]
        except (ValueError, IndexError):
            return ""
    if kind in ("str", "e", "d", "inlineStr"):
        return _unescape(raw)
    if kind == "b":
        return raw.strip() in ("1", "true")
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        return _unescape(raw)
    if style and int(style) in dates:
        try:
            return from_excel(number, epoch)
        except (ValueError, OverflowError):
            return raw
    return int(number) if number.is_integer() and abs(number) < 1e16 else number


def _sheet_rows(zf: zipfile.ZipFile, part: str, shared: list[str], dates: set[int],
                epoch: datetime.datetime) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) for each row of a worksheet part, streamed. The common
    cells (a shared string, a number, a plain inline string) are handled in the loop."""
    number = 0
    n_shared = len(shared)
    for segment in _segments(zf, part, "row"):
        for attrs, content in _ROW_RE.findall(segment):
            found = _ROW_NUMBER.search(attrs)
            number = int(found.group(1)) if found else number + 1
            cells: dict[int, str] = {}
            col = -1
            found_cells = _CELL_FAST.findall(content)
            if not found_cells or len(found_cells) != content.count("<c"):
                found_cells = _CELL_RE.findall(content)
            for letters, style, kind, value, inline, other in found_cells:
                col = _column(letters) if letters else col + 1
                if col >= MAX_COLUMNS:
                    continue
                if other:
                    text = cell_text(_cell_value(kind or "n", style, other, shared, dates,
                                                 epoch))
                elif inline:
                    text = cell_text(_unescape(inline))
                elif not value:
                    continue
                elif kind == "s":
                    index = int(value) if value.isdigit() else -1
                    text = cell_text(shared[index]) if 0 <= index < n_shared else ""
                elif not kind or kind == "n":
                    if style and int(style) in dates or not value.isdigit():
                        text = cell_text(_cell_value("n", style, f"<v>{value}</v>", shared,
                                                     dates, epoch))
                    else:
                        text = value
                else:
                    text = cell_text(_cell_value(kind, style, f"<v>{value}</v>", shared, dates,
                                                 epoch))
                if text:
                    cells[col] = text
            width = max(cells) + 1 if cells else 0
            yield number, [cells.get(i, "") for i in range(width)]


def xlsx_rows(path: Path, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    with zipfile.ZipFile(path) as zf:
        part = _first_sheet(zf) or "xl/worksheets/sheet1.xml"
        if part not in {i.filename for i in zf.infolist()}:
            raise ImportRefused(_("The workbook has no worksheet."))
        shared = _shared_strings(zf)
        dates = _date_styles(zf)
        epoch = _epoch(zf)
        count = 0
        for line, row in _sheet_rows(zf, part, shared, dates, epoch):
            count += 1
            if count > limits.max_rows + 1:
                raise ImportRefused(_("The file has more than %(limit)s rows.")
                                    % {"limit": limits.max_rows})
            yield line, row


