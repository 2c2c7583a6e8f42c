"""Reading uploaded files safely: the format, the limits, and CSV in UTF-8 or GB18030.

A file is refused as a whole (`ImportRefused`, with a message for the user) when it is too
big, has too many rows, or is not what its name says (magic bytes). A CSV is decoded strictly
as UTF-8 (with or without BOM) or GB18030, streaming, and refused when it is neither
(UTF-16, Shift-JIS, binary). Workbooks are checked and read by `imports.xlsx`. Rows are
counted before anything is parsed into records, so a file with more rows than IMPORT_MAX_ROWS
is refused without being read into memory. Cells are text: a formula is never evaluated.
"""

from __future__ import annotations

import codecs
import csv
import multiprocessing
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

CHUNK = 1 << 16
MAX_COLUMNS = 100  # cells beyond this column are ignored (templates have ~20)
MAX_CELL_CHARS = 2000
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or an encrypted .xlsx
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ImportRefused(Exception):
    """The file is refused as a whole (too big, hostile, unreadable); nothing is written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = str(message)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_unzipped_bytes: int
    max_ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        max_mb = settings.IMPORT_MAX_MB
        return cls(
            max_bytes=max_mb * 1024 * 1024,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_unzipped_bytes=getattr(settings, "IMPORT_MAX_UNZIPPED_MB", 20 * max_mb) * 1024 * 1024,
            max_ratio=getattr(settings, "IMPORT_MAX_ZIP_RATIO", 100),
        )


def too_big_message(limit_bytes: int) -> str:
    return _("The file is larger than %(limit)s MB; split it into smaller files.") % {
        "limit": limit_bytes // (1024 * 1024)}


# -- what the file is -------------------------------------------------------------------------

def file_format(path: Path, file_name: str) -> str:
    """"xlsx" or "csv", from the name, confirmed by the content's magic bytes."""
    suffix = Path(file_name).suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise ImportRefused(_("The file is empty."))
    if suffix == ".xlsx":
        if head.startswith(OLE_MAGIC):
            raise ImportRefused(_("The file is an old Excel (.xls) file or a password-protected "
                                  "workbook. Remove any password and save it as .xlsx."))
        if not head.startswith(ZIP_MAGIC):
            raise ImportRefused(_("The file is called .xlsx but its content is not an Excel "
                                  "workbook."))
        return "xlsx"
    if suffix == ".csv":
        if head.startswith((ZIP_MAGIC, OLE_MAGIC)):
            raise ImportRefused(_("The file is called .csv but its content is an Excel or zip "
                                  "file. Save it as CSV, or upload the workbook as .xlsx."))
        return "csv"
    raise ImportRefused(_("Only .xlsx and .csv files can be imported."))


# -- .csv -------------------------------------------------------------------------------------

ENCODINGS = ("utf-8", "gb18030")


def _implausible(ch: str, cache: dict[str, bool]) -> bool:
    """A character a GB18030 government file is unlikely to hold: a rare CJK ideograph outside
    GB2312, a private-use or unassigned code point, or a control character. Shift-JIS text
    decoded as GB18030 is made mostly of these."""
    known = cache.get(ch)
    if known is not None:
        return known
    category = unicodedata.category(ch)
    if category in ("Co", "Cn", "Cs") or (category == "Cc" and ch not in "\t\r\n"):
        result = True
    elif "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000":
        try:
            ch.encode("gb2312")
            result = False
        except UnicodeEncodeError:
            result = True
    else:
        result = False
    cache[ch] = result
    return result


def csv_encoding(path: Path, declared: str = "") -> str:
    """The encoding of a CSV file: utf-8-sig (with BOM), utf-8 or gb18030; refuses others.

    The whole file is decoded in chunks (never held in memory). `declared` ("utf-8" or
    "gb18030") skips the guessing but the file must still decode strictly.
    """
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(_unknown_encoding_message())
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif declared in ENCODINGS:
        candidates = [declared]
    else:
        candidates = list(ENCODINGS)
    failure = ""
    for encoding in candidates:
        problem = _decodes(path, encoding)
        if problem is None:
            return encoding
        failure = problem
        if declared in ENCODINGS or encoding == "utf-8-sig":
            raise ImportRefused(failure)
    raise ImportRefused(_unknown_encoding_message())


def _unknown_encoding_message() -> str:
    return _("The CSV file is neither UTF-8 nor GB18030 (it may be UTF-16, Shift-JIS or not "
             "text at all). Save it as “CSV UTF-8” and upload it again.")


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_PLAUSIBILITY_CHARS = 2_000_000  # Shift-JIS shows itself long before this


def _decodes(path: Path, encoding: str) -> str | None:
    """None when the file decodes strictly and plausibly, else why not (with the line)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1
    non_ascii = implausible = 0
    cache: dict[str, bool] = {}
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                bad_line = line + chunk[:max(exc.start, 0)].count(b"\n")
                if encoding.startswith("utf-8"):
                    return _("The CSV file is not valid UTF-8 (line %(line)s).") % {"line": bad_line}
                return _("The CSV file is not valid GB18030 (line %(line)s).") % {"line": bad_line}
            if _CONTROL.search(text):  # NUL bytes of UTF-16, binary junk
                return _unknown_encoding_message()
            line += text.count("\n")
            if encoding == "gb18030" and non_ascii < _PLAUSIBILITY_CHARS:
                for run in _NON_ASCII.findall(text):
                    non_ascii += len(run)
                    implausible += sum(1 for ch in run if _implausible(ch, cache))
            if final:
                break
    if implausible >= 2 and implausible * 10 > non_ascii * 3:  # more than 30 %
        return _unknown_encoding_message()
    return None


def _csv_dialect(fh) -> str:
    sample = fh.read(4096)
    fh.seek(0)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def csv_count_rows(path: Path, encoding: str, limits: Limits) -> int:
    """The number of records, streamed; refused as soon as it passes the limit. (A field is
    at most the csv module's default 131,072 characters, else the file is refused; that limit
    is process-wide, so it is left as it is rather than lowered for every other reader.)"""
    count = 0
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=_csv_dialect(fh))
        try:
            for _row in reader:
                count += 1
                if count > limits.max_rows + 1:
                    raise ImportRefused(_("The file has more than %(limit)s rows.")
                                        % {"limit": limits.max_rows})
        except csv.Error as exc:
            raise ImportRefused(_("The CSV file cannot be read at line %(line)s (%(error)s).")
                                % {"line": reader.line_num, "error": exc}) from None
    return count


def _csv_rows(path: Path, encoding: str, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=_csv_dialect(fh))
        count = 0
        try:
            for row in reader:
                count += 1
                if count > limits.max_rows + 1:
                    raise ImportRefused(_("The file has more than %(limit)s rows.")
                                        % {"limit": limits.max_rows})
                yield count, [cell.strip()[:MAX_CELL_CHARS + 1] for cell in row[:MAX_COLUMNS]]
        except csv.Error as exc:
            raise ImportRefused(_("The CSV file cannot be read at line %(line)s (%(error)s).")
                                % {"line": reader.line_num, "error": exc}) from None


# -- one entry point --------------------------------------------------------------------------

@dataclass
class OpenedFile:
    fmt: str
    encoding: str
    path: Path
    limits: Limits
    row_count: int  # records (CSV) or <row> elements (xlsx), the header included

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line, cells as text) for every row, the header first; streamed. The line is the
        row number the user sees in a spreadsheet."""
        if self.fmt == "xlsx":
            from frontline.people.imports.xlsx import xlsx_rows

            return xlsx_rows(self.path, self.limits)
        return _csv_rows(self.path, self.encoding, self.limits)

    def rows_prefetched(self) -> Iterator[tuple[int, list[str]]]:
        """`rows()`, read and parsed by a second process while this one checks the rows.

        A large workbook's XML costs about as much to parse as its rows cost to check; on a
        machine with two cores the two overlap. The reader is a fork of this process that
        only reads the file and sends batches of rows through a pipe: it never touches the
        database, and it ends with os._exit, so the connections it inherited are left alone.
        Small files, CSV (cheap to read) and machines with one core read in this process.
        """
        if (self.fmt != "xlsx" or self.row_count < PREFETCH_MIN_ROWS or (os.cpu_count() or 1) < 2
                or "fork" not in multiprocessing.get_all_start_methods()):
            return self.rows()
        return _prefetched(self)


PREFETCH_MIN_ROWS = 20_000
PREFETCH_BATCH = 2_000


def _prefetch_child(opened: OpenedFile, conn) -> None:
    try:
        batch: list[tuple[int, list[str]]] = []
        for row in opened.rows():
            batch.append(row)
            if len(batch) >= PREFETCH_BATCH:
                conn.send(("rows", batch))
                batch = []
        conn.send(("rows", batch))
        conn.send(("end", None))
    except ImportRefused as exc:
        conn.send(("refused", exc.message))
    except BaseException as exc:  # reported to the parent, which raises
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _prefetched(opened: OpenedFile) -> Iterator[tuple[int, list[str]]]:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    reader = context.Process(target=_prefetch_child, args=(opened, sender), daemon=True)
    reader.start()
    sender.close()
    finished = False
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                raise RuntimeError("the file reader process ended without finishing") from None
            if kind == "rows":
                yield from payload
            elif kind == "end":
                finished = True
                return
            elif kind == "refused":
                raise ImportRefused(payload)
            else:
                raise RuntimeError(f"the file reader process failed: {payload}")
    finally:
        receiver.close()
        if not finished:  # the reader is not needed any more (a mapping question, an error)
            reader.kill()
        reader.join(timeout=10)
        if reader.is_alive():
            reader.kill()
            reader.join()


def file_open(path: Path, file_name: str, *, declared_encoding: str = "",
              limits: Limits | None = None) -> OpenedFile:
    """Check a stored upload and return a reader of its rows, or raise ImportRefused."""
    limits = limits or Limits.from_settings()
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ImportRefused(too_big_message(limits.max_bytes))
    fmt = file_format(path, file_name)
    if fmt == "xlsx":
        from frontline.people.imports.xlsx import xlsx_inspect

        return OpenedFile("xlsx", "", path, limits, xlsx_inspect(path, limits))
    encoding = csv_encoding(path, declared_encoding)
    return OpenedFile("csv", encoding, path, limits, csv_count_rows(path, encoding, limits))
