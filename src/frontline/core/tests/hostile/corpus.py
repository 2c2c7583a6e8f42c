"""Hostile inputs for every place Frontline accepts a file or free text from outside.

Each `Item` is built deterministically (fixed timestamps, no randomness) and cached as a file
in `cache_dir()`, so the large ones (zip bombs, a million rows) are made once per machine and
never committed. An item knows the name it is uploaded under and the families of entry points
it is meant for; `items(family)` lists them. The tests feed every item of a family to every
entry point of that family and check the refusal (or the exact handling) there.

Families: "sheet" (rows as .xlsx or .csv: people imports, arrival lists, people lists of a
document batch), "exchange" (translations as XLIFF or .xlsx), "division" (the division CSV),
"text" (a .txt for proofreading), "image" (seal images and helpdesk attachments).
"""

from __future__ import annotations

import codecs
import io
import os
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

GIB = 1 << 30
MIB = 1 << 20

# -- names and cells --------------------------------------------------------------------------

# Names in right-to-left scripts, mixed directions and with bidirectional controls. Each must
# be stored exactly, found by search and shown escaped.
RTL_NAMES = {
    "arabic": ("الخطيب", "محمد عبد الله"),
    "arabic_tashkeel": ("الخَطِيب", "مُحَمَّد"),
    "persian": ("رضایی", "زهرا"),  # Persian yeh (ی) and kaf, not the Arabic letters
    "hebrew": ("כהן", "דוד"),
    "mixed": ("AL-HASSAN الحسن", "Omar عمر 欧麦尔"),
    "bidi_override": ("\u202eNASSAH\u202c", "\u2067علي\u2069 <b>x</b>"),  # RLO, RLI ... PDI
    "zero_width": ("ALI\u200dYEV", "ROYA\u200c\u200fN"),  # ZWJ, ZWNJ, RLM
    "nfd_latin": ("Jose\u0301", "Zoe\u0308"),  # decomposed accents: stored as typed
}

# Cells a spreadsheet would run as a formula (OWASP "CSV injection"), each prefix once.
FORMULAS = [
    "=cmd|' /C calc'!A0",
    "=HYPERLINK(\"http://127.0.0.1:9/?\"&A1,\"click\")",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]

# -- where the files live ---------------------------------------------------------------------


def cache_dir() -> Path:
    """FRONTLINE_HOSTILE_CACHE, or frontline-hostile in the system's temporary directory."""
    path = Path(os.environ.get("FRONTLINE_HOSTILE_CACHE")
                or Path(tempfile.gettempdir()) / "frontline-hostile")
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Item:
    """One hostile input: its key, the name it is uploaded as, what is wrong with it."""

    key: str
    filename: str
    families: tuple[str, ...]
    why: str
    writer: Callable[[io.BufferedWriter], None]

    def path(self) -> Path:
        """The cached file, built on first use (atomically: a crash leaves no half file)."""
        target = cache_dir() / f"{self.key}--{self.filename}"
        if not target.exists():
            partial = target.with_name(target.name + f".{os.getpid()}.part")
            with open(partial, "wb") as out:
                self.writer(out)
            os.replace(partial, target)
        return target

    def data(self) -> bytes:
        return self.path().read_bytes()


ITEMS: dict[str, Item] = {}


def item(key: str, filename: str, families: Iterable[str], why: str):
    """Register a writer function as a corpus item."""
    def register(writer: Callable[[io.BufferedWriter], None]):
        ITEMS[key] = Item(key, filename, tuple(families), why, writer)
        return writer
    return register


def items(family: str) -> list[Item]:
    return [i for i in ITEMS.values() if family in i.families]


def get(key: str) -> Item:
    return ITEMS[key]


# -- a zip writer that can lie ----------------------------------------------------------------
# zipfile cannot write an entry whose declared size differs from its content, nor two
# directory entries for one stored stream; these are what zip bombs are made of.

_DOS_TIME, _DOS_DATE = 0, (2020 - 1980) << 9 | 1 << 5 | 23  # 2020-01-23 00:00


@dataclass
class ZipEntry:
    name: str
    stream: bytes | Callable[[], Iterator[bytes]]  # stored bytes, already compressed if deflated
    crc: int
    size: int  # the uncompressed size the headers declare
    method: int = 8  # 8 deflate, 0 stored
    flags: int = 0
    alias_of: str = ""  # a directory entry for another entry's data (overlapping files)


def _chunks(stream) -> Iterator[bytes]:
    if isinstance(stream, bytes):
        yield stream
    else:
        yield from stream()


def write_zip(out, entries: list[ZipEntry]) -> None:
    """Local headers and data, then the central directory; sizes as each entry declares."""
    position = 0
    directory = []
    written: dict[str, tuple[int, int]] = {}  # name -> (local header offset, stored size)
    for entry in entries:
        name = entry.name.encode("utf-8")
        if entry.alias_of:
            offset, stored = written[entry.alias_of]
            directory.append((entry, name, offset, stored))
            continue
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, entry.flags, entry.method,
                             _DOS_TIME, _DOS_DATE, entry.crc, 0, entry.size, len(name), 0)
        chunks = list(_chunks(entry.stream))
        stored = sum(len(c) for c in chunks)
        header = header[:18] + struct.pack("<I", stored) + header[22:]
        out.write(header + name)
        for chunk in chunks:
            out.write(chunk)
        written[entry.name] = (position, stored)
        directory.append((entry, name, position, stored))
        position += len(header) + len(name) + stored
    start = position
    for entry, name, offset, stored in directory:
        record = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, entry.flags, entry.method,
                             _DOS_TIME, _DOS_DATE, entry.crc, stored, entry.size, len(name),
                             0, 0, 0, 0, 0, offset)
        out.write(record + name)
        position += len(record) + len(name)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(directory), len(directory),
                          position - start, start, 0))


def deflated(data: bytes, name: str) -> ZipEntry:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return ZipEntry(name, compressor.compress(data) + compressor.flush(), zlib.crc32(data),
                    len(data))


def repeated_deflate(prefix: bytes, byte: bytes, count: int, suffix: bytes
                     ) -> tuple[Callable[[], Iterator[bytes]], int, int]:
    """A deflate stream of prefix + byte * count + suffix, made in well under a second for
    gigabytes: after a full flush the compressor's state is reset, so every MiB of the same
    byte compresses to the same block, which is repeated instead of recomputed."""
    block_input = byte * MIB
    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = head.compress(prefix) + head.flush(zlib.Z_FULL_FLUSH)
    body = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = body.compress(block_input) + body.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    rest = count % MIB
    last = tail.compress(byte * rest + suffix) + tail.flush(zlib.Z_FINISH)
    blocks = count // MIB
    crc = zlib.crc32(prefix)
    block_crc_state = crc
    for _ in range(blocks):
        block_crc_state = zlib.crc32(block_input, block_crc_state)
    crc = zlib.crc32(byte * rest + suffix, block_crc_state)

    def stream() -> Iterator[bytes]:
        yield first
        for _ in range(blocks):
            yield block
        yield last

    return stream, crc, len(prefix) + count + len(suffix)


# -- a minimal workbook, written by hand (deterministic; no timestamps) ------------------------

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<workbook xmlns="{NS}" xmlns:r="{REL_NS}"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_xml(rows: list[list[str]], doctype: str = "") -> str:
    """A worksheet with inline strings (no shared strings needed)."""
    out = [XML_DECL, doctype, f'<worksheet xmlns="{NS}"><sheetData>']
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            if value.startswith("&"):  # an entity reference, written raw
                out.append(f'<c r="{_column(c)}{r}" t="inlineStr"><is><t>{value}</t></is></c>')
            else:
                out.append(f'<c r="{_column(c)}{r}" t="inlineStr"><is><t xml:space="preserve">'
                           f"{_escape(value)}</t></is></c>")
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def shared_strings_xml(strings: list[str], doctype: str = "") -> str:
    body = "".join(f"<si><t>{s}</t></si>" for s in strings)  # raw: entity references allowed
    return (f'{XML_DECL}{doctype}<sst xmlns="{NS}" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{body}</sst>')


def workbook_parts(rows: list[list[str]], *, shared: str | None = None, sheet: str | None = None,
                   content_types: str = CONTENT_TYPES, workbook: str = WORKBOOK
                   ) -> dict[str, bytes]:
    parts = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet if sheet is not None else sheet_xml(rows),
        "xl/sharedStrings.xml": shared if shared is not None else shared_strings_xml([]),
    }
    return {name: text.encode("utf-8") for name, text in parts.items()}


def write_workbook(out, parts: dict[str, bytes]) -> None:
    write_zip(out, [deflated(data, name) for name, data in parts.items()])


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    """A plain workbook of inline strings (the benign twin of the hostile ones)."""
    buffer = io.BytesIO()
    write_workbook(buffer, workbook_parts(rows))
    return buffer.getvalue()


# Rows every sheet entry point can take apart: a header any of them recognises partly, and
# a row. The hostile part is elsewhere; the benign twin of each item uses these rows.
SHEET_HEADER = ["family_name", "given_names", "doc_number", "travel_date", "nationality", "name"]
SHEET_ROW = ["ROSSI", "MARCO", "YA7654321", "2020-03-01", "IT", "ROSSI MARCO"]

# -- .xlsx: zip bombs ---------------------------------------------------------------------------

BOMB_BYTES = GIB + GIB // 2  # 1.5 GiB unpacked, about 1.5 MB packed (fits the 2 MB limits)


@item("xlsx_bomb", "bomb.xlsx", ["sheet", "exchange"],
      "a workbook whose shared strings and sheet unpack to 1.5 GiB (honest sizes)")
def _xlsx_bomb(out) -> None:
    parts = workbook_parts([SHEET_HEADER])
    entries = [deflated(data, name) for name, data in parts.items()
               if name != "xl/sharedStrings.xml"]
    stream, crc, size = repeated_deflate(
        f'{XML_DECL}<sst xmlns="{NS}"><si><t>'.encode(), b"A", GIB, b"</t></si></sst>")
    entries.append(ZipEntry("xl/sharedStrings.xml", stream, crc, size))
    stream, crc, size = repeated_deflate(
        f'{XML_DECL}<worksheet xmlns="{NS}"><sheetData>'.encode(), b" ", GIB // 2,
        b"</sheetData></worksheet>")
    entries = [e for e in entries if e.name != "xl/worksheets/sheet1.xml"]
    entries.append(ZipEntry("xl/worksheets/sheet1.xml", stream, crc, size))
    write_zip(out, entries)


@item("xlsx_bomb_lying", "bomb-lying.xlsx", ["sheet", "exchange"],
      "a workbook whose shared strings declare 2 KB but inflate to 1 GiB")
def _xlsx_bomb_lying(out) -> None:
    parts = workbook_parts([SHEET_HEADER, SHEET_ROW])
    entries = [deflated(data, name) for name, data in parts.items()
               if name != "xl/sharedStrings.xml"]
    stream, crc, _size = repeated_deflate(
        f'{XML_DECL}<sst xmlns="{NS}"><si><t>'.encode(), b"A", GIB, b"</t></si></sst>")
    entries.append(ZipEntry("xl/sharedStrings.xml", stream, crc, 2048))
    write_zip(out, entries)


@item("xlsx_bomb_lying_crc", "bomb-lying-crc.xlsx", ["sheet", "exchange"],
      "a workbook.xml that declares its true size and checksum, then inflates 1 GiB more")
def _xlsx_bomb_lying_crc(out) -> None:
    # A reader that stops at the declared size sees a good part (the checksum matches); one
    # that inflates all the compressed data first (zipfile's read() with no size) does not.
    parts = workbook_parts([SHEET_HEADER, SHEET_ROW])
    entries = [deflated(data, name) for name, data in parts.items() if name != "xl/workbook.xml"]
    workbook = parts["xl/workbook.xml"]
    stream, _crc, _size = repeated_deflate(workbook, b" ", GIB, b"")
    entries.insert(1, ZipEntry("xl/workbook.xml", stream, zlib.crc32(workbook), len(workbook)))
    write_zip(out, entries)


@item("xlsx_bomb_overlap", "bomb-overlap.xlsx", ["sheet", "exchange"],
      "1,000 directory entries sharing one 64 MiB stream (overlapping files, 64 GiB in all)")
def _xlsx_bomb_overlap(out) -> None:
    parts = workbook_parts([SHEET_HEADER, SHEET_ROW])
    entries = [deflated(data, name) for name, data in parts.items()]
    stream, crc, size = repeated_deflate(b"<x>", b" ", 64 * MIB, b"</x>")
    entries.append(ZipEntry("xl/media/kernel.xml", stream, crc, size))
    entries += [ZipEntry(f"xl/media/copy{n}.xml", b"", crc, size, alias_of="xl/media/kernel.xml")
                for n in range(1000)]
    write_zip(out, entries)


# -- .xlsx: XML with a DTD ----------------------------------------------------------------------

XXE_FILE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
XXE_HTTP = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/leak">]>\n'
XXE_PARAMETER = ('<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> '
                 '%remote;]>\n')
EXTERNAL_DTD = '<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">\n'
LAUGHS = ("<!DOCTYPE x [<!ENTITY lol \"lol\">"
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                    for i in range(1, 10))
          + "]>\n")
QUADRATIC = '<!DOCTYPE x [<!ENTITY a "' + "A" * 50_000 + '">]>\n'


def _xlsx_with(part: str, doctype: str, reference: str) -> Callable:
    def writer(out) -> None:
        rows = [SHEET_HEADER, SHEET_ROW]
        if part == "xl/worksheets/sheet1.xml":
            parts = workbook_parts(rows, sheet=sheet_xml(
                [SHEET_HEADER, [reference, *SHEET_ROW[1:]]], doctype=doctype))
        elif part == "xl/sharedStrings.xml":
            sheet = sheet_xml(rows).replace(
                '<c r="A2" t="inlineStr"><is><t xml:space="preserve">ROSSI</t></is></c>',
                '<c r="A2" t="s"><v>0</v></c>')
            parts = workbook_parts(rows, sheet=sheet,
                                   shared=shared_strings_xml([reference], doctype=doctype))
        elif part == "[Content_Types].xml":
            parts = workbook_parts(rows, content_types=CONTENT_TYPES.replace(
                XML_DECL, XML_DECL + doctype))
        else:
            parts = workbook_parts(rows, workbook=WORKBOOK.replace(XML_DECL, XML_DECL + doctype))
        write_workbook(out, parts)
    return writer


for _key, _part, _doctype, _ref in [
    ("xlsx_xxe_sheet", "xl/worksheets/sheet1.xml", XXE_FILE, "&xxe;"),
    ("xlsx_xxe_http_shared", "xl/sharedStrings.xml", XXE_HTTP, "&xxe;"),
    ("xlsx_xxe_parameter", "xl/sharedStrings.xml", XXE_PARAMETER, "x"),
    ("xlsx_external_dtd", "xl/workbook.xml", EXTERNAL_DTD, ""),
    ("xlsx_xxe_content_types", "[Content_Types].xml", XXE_FILE, ""),
    ("xlsx_laughs_shared", "xl/sharedStrings.xml", LAUGHS, "&lol9;"),
    ("xlsx_laughs_sheet", "xl/worksheets/sheet1.xml", LAUGHS, "&lol9;"),
    ("xlsx_quadratic", "xl/sharedStrings.xml", QUADRATIC, "&a;" * 2000),
]:
    item(_key, f"{_key.replace('_', '-')}.xlsx", ["sheet", "exchange"],
         f"a DTD in {_part} ({_key.split('_', 1)[1]})")(_xlsx_with(_part, _doctype, _ref))

# -- .xlsx: broken, disguised and odd workbooks -------------------------------------------------


@item("xlsx_utf16_part", "utf16-part.xlsx", ["sheet", "exchange"],
      "a worksheet in UTF-16 hiding its DTD from byte scans")
def _xlsx_utf16_part(out) -> None:
    sheet = sheet_xml([SHEET_HEADER, ["&xxe;", *SHEET_ROW[1:]]], doctype=XXE_FILE)
    sheet = sheet.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    parts = workbook_parts([SHEET_HEADER])
    parts["xl/worksheets/sheet1.xml"] = codecs.BOM_UTF16_LE + sheet.encode("utf-16-le")
    write_workbook(out, parts)


@item("xlsx_encrypted", "encrypted.xlsx", ["sheet", "exchange"],
      "an OLE compound file (an encrypted workbook or an old .xls) named .xlsx")
def _xlsx_encrypted(out) -> None:
    out.write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"EncryptedPackage" * 64)


@item("xlsx_is_csv", "disguised.xlsx", ["sheet", "exchange"], "a CSV file named .xlsx")
def _xlsx_is_csv(out) -> None:
    out.write(",".join(SHEET_HEADER).encode() + b"\n" + ",".join(SHEET_ROW).encode() + b"\n")


@item("xlsx_truncated", "truncated.xlsx", ["sheet", "exchange"],
      "a workbook cut off in the middle (no central directory)")
def _xlsx_truncated(out) -> None:
    data = xlsx_bytes([SHEET_HEADER, SHEET_ROW])
    out.write(data[: len(data) // 2])


@item("xlsx_corrupt_deflate", "corrupt.xlsx", ["sheet", "exchange"],
      "a workbook whose worksheet's compressed data is garbage")
def _xlsx_corrupt_deflate(out) -> None:
    parts = workbook_parts([SHEET_HEADER, SHEET_ROW])
    entries = [deflated(data, name) for name, data in parts.items()]
    for entry in entries:
        if entry.name == "xl/worksheets/sheet1.xml":
            entry.stream = bytes((b * 7 + 3) % 256 for b in entry.stream)  # not deflate
    write_zip(out, entries)


@item("xlsx_bad_crc", "bad-crc.xlsx", ["sheet", "exchange"],
      "a workbook whose worksheet fails its CRC check")
def _xlsx_bad_crc(out) -> None:
    parts = workbook_parts([SHEET_HEADER, SHEET_ROW])
    entries = [deflated(data, name) for name, data in parts.items()]
    for entry in entries:
        if entry.name == "xl/worksheets/sheet1.xml":
            entry.crc ^= 0xFFFF
    write_zip(out, entries)


@item("xlsx_not_xml", "not-xml.xlsx", ["sheet", "exchange"],
      "a workbook whose worksheet is not well-formed XML")
def _xlsx_not_xml(out) -> None:
    parts = workbook_parts([SHEET_HEADER])
    parts["xl/worksheets/sheet1.xml"] = b'<worksheet xmlns="' + NS.encode() + b'"><sheetData><row'
    write_workbook(out, parts)


@item("xlsx_invalid_utf8", "invalid-utf8.xlsx", ["sheet", "exchange"],
      "a workbook whose shared strings hold bytes that are not UTF-8")
def _xlsx_invalid_utf8(out) -> None:
    rows = [SHEET_HEADER, SHEET_ROW]
    sheet = sheet_xml(rows).replace(
        '<c r="A2" t="inlineStr"><is><t xml:space="preserve">ROSSI</t></is></c>',
        '<c r="A2" t="s"><v>0</v></c>')
    parts = workbook_parts(rows, sheet=sheet)
    parts["xl/sharedStrings.xml"] = shared_strings_xml(["X"]).encode().replace(
        b"<t>X</t>", b"<t>\xff\xfe\xc0\xaf\xed\xa0\x80</t>")
    write_workbook(out, parts)


@item("xlsx_control_chars", "control.xlsx", ["sheet", "exchange"],
      "cells holding NUL and other control characters (_x0000_ escapes, &#1; is invalid XML)")
def _xlsx_control_chars(out) -> None:
    rows = [SHEET_HEADER, ["NUL_x0000_NAME", "BELL_x0007_", "YA1111111", "2020-03-01", "IT",
                           "NUL_x0000_NAME"]]
    write_workbook(out, workbook_parts(rows))


@item("xlsx_long_cell", "long-cell.xlsx", ["sheet", "exchange"],
      "a cell of 1,000,000 characters")
def _xlsx_long_cell(out) -> None:
    rows = [SHEET_HEADER, ["L" * 1_000_000, *SHEET_ROW[1:]]]
    write_workbook(out, workbook_parts(rows))


@item("xlsx_wide", "wide.xlsx", ["sheet", "exchange"], "a row of 16,384 columns")
def _xlsx_wide(out) -> None:
    rows = [SHEET_HEADER + [f"c{i}" for i in range(16_384 - len(SHEET_HEADER))], SHEET_ROW]
    write_workbook(out, workbook_parts(rows))


@item("xlsx_many_parts", "many-parts.xlsx", ["sheet", "exchange"],
      "a workbook of 5,000 tiny parts")
def _xlsx_many_parts(out) -> None:
    parts = workbook_parts([SHEET_HEADER, SHEET_ROW])
    for n in range(5000):
        parts[f"xl/media/p{n}.xml"] = b"<p/>"
    write_workbook(out, parts)


@item("xlsx_million_rows", "million.xlsx", ["sheet", "exchange"],
      "a worksheet of 1,000,000 rows (about 60 MB unpacked, a few MB packed)")
def _xlsx_million_rows(out) -> None:
    def sheet() -> Iterator[bytes]:
        yield f'{XML_DECL}<worksheet xmlns="{NS}"><sheetData>'.encode()
        yield ('<row r="1">' + "".join(
            f'<c r="{_column(c)}1" t="inlineStr"><is><t>{h}</t></is></c>'
            for c, h in enumerate(SHEET_HEADER)) + "</row>").encode()
        batch = []
        for r in range(2, 1_000_002):
            batch.append(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>N{r}</t></is></c>'
                         f'<c r="C{r}"><v>{r}</v></c></row>')
            if len(batch) == 10_000:
                yield "".join(batch).encode()
                batch = []
        yield ("".join(batch) + "</sheetData></worksheet>").encode()

    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    crc, size = 0, 0

    def stream() -> Iterator[bytes]:
        nonlocal crc, size
        for chunk in sheet():
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            yield compressor.compress(chunk)
        yield compressor.flush()

    # The size and CRC are only known after compressing: compress once into memory (a few MB).
    packed = b"".join(stream())
    parts = workbook_parts([SHEET_HEADER])
    entries = [deflated(data, name) for name, data in parts.items()
               if name != "xl/worksheets/sheet1.xml"]
    entries.append(ZipEntry("xl/worksheets/sheet1.xml", packed, crc, size))
    write_zip(out, entries)


@item("xlsx_formulas", "formulas.xlsx", ["sheet"],
      "cells a spreadsheet would run as formulas (handled: kept as text)")
def _xlsx_formulas(out) -> None:
    rows = [SHEET_HEADER] + [[f, "MARCO", f"YA{n:07d}", "2020-03-01", "IT", f]
                             for n, f in enumerate(FORMULAS, start=1)]
    sheet = sheet_xml(rows).replace(  # and one real formula element
        "</sheetData>", '<row r="99"><c r="A99"><f>1+1</f><v>2</v></c></row></sheetData>')
    write_workbook(out, workbook_parts(rows, sheet=sheet))


# -- .csv -----------------------------------------------------------------------------------------

def _csv_text(rows: list[list[str]]) -> str:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


CSV_ROWS = [SHEET_HEADER, ["MÜLLER", "JÖRG", "C01X00T47", "2020-03-01", "DE", "MÜLLER JÖRG"],
            ["王", "小明", "E12345678", "2020-03-01", "CN", "王小明"]]


def _csv_item(key: str, filename: str, why: str, content: Callable[[], bytes],
              families: Iterable[str] = ("sheet", "division")) -> None:
    item(key, filename, families, why)(lambda out: out.write(content()))


_csv_item("csv_utf16_bom", "utf16.csv", "UTF-16 with a byte-order mark",
          lambda: codecs.BOM_UTF16_LE + _csv_text(CSV_ROWS).encode("utf-16-le"))
_csv_item("csv_utf16_nobom", "utf16-nobom.csv", "UTF-16 without a byte-order mark",
          lambda: _csv_text(CSV_ROWS).encode("utf-16-be"))
_csv_item("csv_latin1", "latin1.csv", "Latin-1 (ISO 8859-1), not UTF-8",
          lambda: _csv_text(CSV_ROWS[:2]).encode("latin-1"))
_csv_item("csv_shift_jis", "sjis.csv", "Shift-JIS Japanese",
          lambda: _csv_text([SHEET_HEADER, ["ヤマダ", "タロウ", "TK1234567", "2020-03-01",
                                            "JP", "山田太郎"]] * 20).encode("shift_jis"))
_csv_item("csv_mixed_lines", "mixed.csv", "one line UTF-8, the next GB18030, the next Latin-1",
          lambda: (_csv_text(CSV_ROWS[:2]).encode("utf-8")
                   + _csv_text(CSV_ROWS[2:3]).encode("gb18030")
                   + "ROSSI,JOSÉ,YA1111111,2020-03-01,IT,x\r\n".encode("latin-1")))
_csv_item("csv_invalid_utf8", "invalid-utf8.csv",
          "invalid UTF-8: a stray 0xFF, an overlong '/', an encoded surrogate, a cut sequence",
          lambda: (_csv_text(CSV_ROWS[:2]).encode()
                   + b"A\xffB,\xc0\xafC,\xed\xa0\x80,2020-03-01,IT,\xe4\xb8\r\n"))
_csv_item("csv_nul", "nul.csv", "NUL bytes inside a name",
          lambda: _csv_text(CSV_ROWS[:2]).encode() + b"RO\x00SSI,MARCO,YA1234567,2020-03-01,IT,x\r\n")
_csv_item("csv_long_field", "long-field.csv", "one field of 1,000,000 characters",
          lambda: _csv_text([SHEET_HEADER, ["L" * 1_000_000, *SHEET_ROW[1:]]]).encode())
_csv_item("csv_wide", "wide.csv", "a row of 20,000 columns",
          lambda: _csv_text([SHEET_HEADER + [f"c{i}" for i in range(20_000)], SHEET_ROW]).encode())
_csv_item("csv_unclosed_quote", "unclosed.csv", "a quote opened and never closed (1 MB on)",
          lambda: _csv_text([SHEET_HEADER]).encode() + b'"ROSSI,MARCO' + b"x" * MIB + b"\r\n")
_csv_item("csv_binary", "binary.csv", "a PNG image named .csv",
          lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
_csv_item("csv_zip", "zip.csv", "an .xlsx workbook named .csv",
          lambda: xlsx_bytes([SHEET_HEADER, SHEET_ROW]))
_csv_item("csv_bom_only", "bom-only.csv", "nothing but a byte-order mark",
          lambda: codecs.BOM_UTF8)
_csv_item("csv_cr_only", "cr-only.csv", "old Mac line ends (CR only) and a lone quote",
          lambda: "\r".join(",".join(r) for r in CSV_ROWS).encode() + b'\r"')


@item("csv_million_rows", "million.csv", ["sheet", "division"],
      "1,000,000 data rows (about 25 MB)")
def _csv_million_rows(out) -> None:
    out.write((",".join(SHEET_HEADER) + "\r\n").encode())
    batch = []
    for n in range(1_000_000):
        batch.append(f"N{n},G,YA{n:07d},2020-03-01,IT,x\r\n")
        if len(batch) == 20_000:
            out.write("".join(batch).encode())
            batch = []
    out.write("".join(batch).encode())


@item("csv_formulas", "formulas.csv", ["sheet"],
      "cells a spreadsheet would run as formulas (handled: kept as text, exported neutralised)")
def _csv_formulas(out) -> None:
    rows = [SHEET_HEADER] + [[f, "MARCO", f"YA{n:07d}", "2020-03-01", "IT", f]
                             for n, f in enumerate(FORMULAS, start=1)]
    out.write(_csv_text(rows).encode())


@item("csv_gb18030", "gb18030.csv", ["sheet", "division"],
      "GB18030, as Chinese Excel saves CSV (handled where GB18030 is read, refused elsewhere)")
def _csv_gb18030(out) -> None:
    out.write(_csv_text(CSV_ROWS).encode("gb18030"))


# -- the division CSV (a correct header, then the hostile part) --------------------------------

DIVISION_HEADER = b"code,name,level,parent_code\r\n"


def _division_item(key: str, why: str, content: Callable[[], bytes]) -> None:
    item(key, f"{key.replace('_', '-')}.csv", ["division"], why)(
        lambda out: out.write(content()))


_division_item("division_nul", "a NUL byte inside a community's name (PostgreSQL refuses NUL)",
               lambda: DIVISION_HEADER + b"110101001009,Bad\x00Name,community,110101001\r\n")
_division_item("division_escape", "a terminal escape sequence in a name",
               lambda: DIVISION_HEADER + b"110101001009,\x1b[2J\x1b[31mRED,community,110101001\r\n")
_division_item("division_invalid_utf8", "a name that is not UTF-8",
               lambda: DIVISION_HEADER + b"110101001009,\xff\xfe\xc0\xaf,community,110101001\r\n")
_division_item("division_long_name", "a name of 100,000 characters",
               lambda: DIVISION_HEADER + b"110101001009," + b"N" * 100_000
               + b",community,110101001\r\n")
_division_item("division_utf16", "UTF-16 with a byte-order mark",
               lambda: codecs.BOM_UTF16_LE + (DIVISION_HEADER.decode()
                                              + "110101001009,社区,community,110101001\r\n"
                                              ).encode("utf-16-le"))


@item("division_million_rows", "million-divisions.csv", ["division"],
      "1,000,000 rows (about 45 MB, over the 20 MB limit)")
def _division_million_rows(out) -> None:
    out.write(DIVISION_HEADER)
    batch = []
    for n in range(1_000_000):
        batch.append(f"110101{n:06d},社区{n},community,110101001\r\n")
        if len(batch) == 20_000:
            out.write("".join(batch).encode())
            batch = []
    out.write("".join(batch).encode())


# Handled, not refused: a name in right-to-left script with a bidirectional override.
DIVISION_RTL = ("\u202eالحي\u202c مجتمع", "110101001009")


# -- built at test time from the test's own rows -------------------------------------------------

def xlsx_broken_tail(rows: list[list[str]]) -> bytes:
    """A workbook whose rows are good until the worksheet's XML breaks off after the last one
    (a reader that writes while it reads has written every row before it notices)."""
    buffer = io.BytesIO()
    parts = workbook_parts(rows)
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        "</sheetData></worksheet>", '<row r="999999"><c r="A999999" t="inlineStr"><is>').encode()
    write_workbook(buffer, parts)
    return buffer.getvalue()


def csv_bytes(rows: list[list[str]]) -> bytes:
    return _csv_text(rows).encode("utf-8")


# -- XLIFF (the translation exchange) ------------------------------------------------------------

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"


def xliff(target: str, *, doctype: str = "", template: str = "110101:observation_end_certificate",
          language: str = "en") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}'
            f'<xliff xmlns="{XLIFF_NS}" version="2.0" srcLang="zh-Hans" trgLang="{language}">'
            f'<file id="{template}"><unit id="title"><segment state="translated">'
            f"<source>解除医学观察证明</source><target>{target}</target>"
            "</segment></unit></file></xliff>\n")


def _xliff_item(key: str, why: str, content: Callable[[], bytes]) -> None:
    item(key, f"{key.replace('_', '-')}.xliff", ["exchange"], why)(
        lambda out: out.write(content()))


_xliff_item("xliff_xxe_file", "an external entity reading /etc/passwd",
            lambda: xliff("&xxe;", doctype=XXE_FILE).encode())
_xliff_item("xliff_xxe_http", "an external entity fetching a URL",
            lambda: xliff("&xxe;", doctype=XXE_HTTP).encode())
_xliff_item("xliff_xxe_parameter", "an external parameter entity",
            lambda: xliff("x", doctype=XXE_PARAMETER).encode())
_xliff_item("xliff_external_dtd", "an external DTD",
            lambda: xliff("x", doctype=EXTERNAL_DTD).encode())
_xliff_item("xliff_laughs", "billion laughs (10^9 'lol's from 1 KB)",
            lambda: xliff("&lol9;", doctype=LAUGHS).encode())
_xliff_item("xliff_quadratic", "quadratic blow-up: a 50 KB entity referenced 20,000 times",
            lambda: xliff("&a;" * 20_000, doctype=QUADRATIC).encode())
_xliff_item("xliff_utf16_dtd", "UTF-16 XML hiding a DTD from byte scans",
            lambda: codecs.BOM_UTF16_LE + xliff("&xxe;", doctype=XXE_FILE).replace(
                'encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le"))
_xliff_item("xliff_deep", "100,000 nested inline elements",
            lambda: xliff("<mrk id='m'>" * 100_000 + "x" + "</mrk>" * 100_000).encode())
_xliff_item("xliff_invalid_utf8", "bytes that are not UTF-8",
            lambda: xliff("X").encode().replace(b">X<", b">\xff\xc0\xaf<"))
_xliff_item("xliff_nul", "a NUL character reference (not allowed in XML 1.0)",
            lambda: xliff("A&#0;B").encode())
_xliff_item("xliff_truncated", "a file cut off in the middle",
            lambda: xliff("Certificate").encode()[:200])
_xliff_item("xliff_huge", "3 MB, more than the 2 MB exchange limit",
            lambda: xliff("x" * (3 * MIB)).encode())

# -- plain text (proofreading) -------------------------------------------------------------------


def _text_item(key: str, filename: str, why: str, content: Callable[[], bytes]) -> None:
    item(key, filename, ["text"], why)(lambda out: out.write(content()))


_text_item("txt_invalid_utf8", "invalid.txt", "bytes that are not UTF-8",
           lambda: b"Welcome\n\xff\xfe\xc0\xaf\xed\xa0\x80\n")
_text_item("txt_utf16", "utf16.txt", "UTF-16 text (NUL bytes)",
           lambda: codecs.BOM_UTF16_LE + "Welcome to the hotel".encode("utf-16-le"))
_text_item("txt_nul", "nul.txt", "a NUL byte", lambda: b"Welcome\x00to the hotel\n")
_text_item("txt_oversized", "big.txt", "300 KB, more than the 200 KB limit",
           lambda: b"Welcome. " * (300 * 1024 // 9))
_text_item("txt_pdf", "notes.txt", "a PDF named .txt", lambda: b"%PDF-1.7\n%\xe2\xe3\n")
_text_item("txt_xlsx", "notes.txt", "a workbook named .txt",
           lambda: xlsx_bytes([SHEET_HEADER]))

# -- images (seals, helpdesk attachments) --------------------------------------------------------


def _png(width: int, height: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def _image_item(key: str, filename: str, why: str, content: Callable[[], bytes]) -> None:
    item(key, filename, ["image"], why)(lambda out: out.write(content()))


_image_item("png_bomb", "seal.png", "a 60,000 × 60,000 PNG (3.6 gigapixels) in a few hundred bytes",
            lambda: _png(60_000, 60_000, zlib.compress(b"\x00" * 1024)))
_image_item("png_truncated", "seal.png", "a PNG cut off after its header",
            lambda: _png(64, 64, zlib.compress(b"\x00" * (64 * 3 + 1) * 64))[:40])
_image_item("jpeg_bomb", "seal.jpg", "a JPEG header claiming 65,500 × 65,500 pixels",
            lambda: (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
                     b"\xff\xc0\x00\x11\x08\xff\xdc\xff\xdc\x03\x01\x22\x00\x02\x11\x01\x03"
                     b"\x11\x01\xff\xd9"))
_image_item("svg_as_png", "seal.png", "an SVG with a script, named .png",
            lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
_image_item("html_as_pdf", "report.pdf", "an HTML page named .pdf",
            lambda: b"<html><script>alert(1)</script></html>")
_image_item("pdf_truncated", "report.pdf", "a PDF with no end",
            lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"x" * 4096)


# -- JSON bodies (the API) -------------------------------------------------------------------------

def deep_json(depth: int = 100_000) -> bytes:
    """[[[[...]]]]: a parser that recurses runs out of stack."""
    return b"[" * depth + b"]" * depth


def big_json(megabytes: int) -> bytes:
    """A list of checks larger than the request limit."""
    one = b'{"observation": 1, "temperature": "36.6", "note": "' + b"n" * 200 + b'"}'
    count = megabytes * MIB // (len(one) + 1) + 1
    return b"[" + b",".join([one] * count) + b"]"
