"""Reading a lead file row by row: CSV in any usual encoding and delimiter, or a spreadsheet
(XLSX, XLSB, XLS, ODS) through calamine. Pure: no database, no settings.

What a caller can rely on:

- The format comes from the content, never the file name. A file that is not a table raises
  ``FileFormatError`` before the first row, saying what the file looks like.
- A bad row never raises: it is yielded with ``error`` set, naming the column where possible, and
  the rows after it are still read. The values of a rejected row are a best effort; cells longer
  than ``MAX_CELL_CHARS`` are cut to a preview.
- ``Row.number`` is the row a spreadsheet user would point at, the header being row 1. In a CSV it
  counts records: a quoted cell spanning three lines is one row, and blank lines are not counted.
  In a spreadsheet it is the sheet's own row number. Blank rows, and rows whose cells are all
  empty (Excel's trailing ``;;;;``), are skipped in both.
- ``start_after=N`` skips every row numbered N or less, so an import that stopped after row N
  resumes with the next one. The skipped rows are read again and thrown away.

CSV:

- The encoding is decided once, from the first ``SAMPLE_BYTES``: a BOM; else UTF-8 if the sample
  is UTF-8, or mostly is (real UTF-8 text with a few undecodable lines is a UTF-8 file with bad
  rows); else the most plausible legacy code page, cp1252 winning ties; else Latin-1. Bytes
  further on that do not decode reject their row; they never change the guess.
- The delimiter is the one of ``DELIMITERS`` that gives the widest header with the most
  consistent rows in the sample; an Excel ``sep=;`` first line is obeyed.
- Lines are read in bounded pieces and handed to the csv module one record at a time, so
  memory is bounded by ``MAX_RECORD_CHARS`` whatever the file holds (csv's own field size limit
  would raise and lose its place instead):
  - a quote that never closes (it runs to the end of the file or past ``MAX_RECORD_CHARS``), or
    a multi-line record whose cell count does not fit the header, is a stray quote: its first
    line is rejected ("unbalanced quote") and reading resumes on the line after it;
  - a line longer than ``MAX_RECORD_CHARS`` is walked to its end without being kept, then
    rejected naming the over-long column; reading resumes on the next line.

Spreadsheets: calamine loads one sheet at a time, so memory grows with that sheet (not the whole
workbook, and not with a CSV's size); its rows are converted to text one at a time.
"""

import codecs
import contextlib
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice
from os import PathLike
from pathlib import Path
from typing import NamedTuple, Self

from charset_normalizer import from_bytes
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from leadledger.core.errors import InvalidInput

MAX_CELL_CHARS = 100_000
MAX_RECORD_CHARS = 1_000_000
SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")

_PIECE_CHARS = 64 * 1024  # a line is read in pieces this long, so none is ever held whole
_PREVIEW_CHARS = 100
_LEGACY_ENCODINGS = (
    "cp1252",
    "iso8859-15",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1257",
    "mac-roman",
    "cp850",
    "cp437",
    "koi8-r",
    "shift_jis",
    "cp932",
    "euc_jp",
    "gb18030",
    "big5",
    "euc_kr",
    "cp949",
)
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"%PDF-", "PDF document"),
    (b"{\\rtf", "RTF document"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"\x28\xb5\x2f\xfd", "Zstandard archive"),
    (b"\x7fELF", "program"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"OggS", "Ogg media file"),
)
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL_BYTES = bytes(c for c in range(32) if c not in b"\t\n\r\x0b\x0c\x1a") + b"\x7f"
_CONTROL_CHARS = re.compile(f"[{re.escape(_CONTROL_BYTES.decode('ascii'))}]")
_SURROGATES = re.compile("[\udc80-\udcff]")  # undecodable bytes, kept by "surrogateescape"

_START, _FIELD, _QUOTED, _QUOTE = range(4)  # the csv module's parser states that matter here


class FileFormatError(InvalidInput, ValueError):
    """The file cannot be read as a table: empty, not a CSV or spreadsheet, no such sheet."""

    code = "file_format"


def _not_a_table(looks_like: str) -> FileFormatError:
    return FileFormatError(f"not a CSV or spreadsheet file: looks like {looks_like}")


class Row(NamedTuple):
    """One data row. ``values`` has every header, stripped; ``raw`` is the cells as read."""

    number: int
    values: dict[str, str]
    error: str | None
    raw: list[str]


class RowSource:
    """An opened file: its header, and its rows to iterate once. Use it as a context manager (or
    call ``close``); it also closes itself when the rows run out."""

    def __init__(
        self,
        *,
        format: str,
        headers: list[str],
        rows: Iterator[Row],
        close: Callable[[], None],
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.format = format
        self.headers = headers
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheet = sheet
        self._rows = rows
        self._close = close

    def __iter__(self) -> Iterator[Row]:
        try:
            yield from self._rows
        finally:
            self.close()

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_rows(
    path: str | PathLike[str], *, start_after: int = 0, sheet: str | None = None
) -> RowSource:
    """Open a CSV or spreadsheet file; raises ``FileFormatError`` if it is not one.

    ``sheet`` names a spreadsheet's sheet (default: the first); ``start_after`` skips the rows
    numbered up to and including it.
    """
    if start_after < 0:
        raise ValueError("start_after is a row number and cannot be negative")
    path = Path(path)
    with path.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
    if not head:
        raise FileFormatError("the file is empty")
    kind = _container_kind(path, head)
    if kind != "csv":
        return _open_book(path, kind, sheet, start_after)
    if sheet is not None:
        raise FileFormatError(f"the file is CSV, which has no sheets (sheet '{sheet}' was asked)")
    return _open_csv(path, head, start_after)


# --- what the file is ------------------------------------------------------------------------


def _container_kind(path: Path, head: bytes) -> str:
    if head.startswith(_ZIP):
        return _zip_kind(path)
    if head.startswith(_OLE2):
        if "EncryptedPackage".encode("utf-16-le") in head:
            raise FileFormatError(
                "the spreadsheet is password-protected; remove the password or export it as CSV"
            )
        return "xls"
    for signature, looks_like in _SIGNATURES:
        if head.startswith(signature):
            raise _not_a_table(looks_like)
    if head[8:12] == b"WEBP" and head.startswith(b"RIFF"):
        raise _not_a_table("WebP image")
    if head[4:8] == b"ftyp":
        raise _not_a_table("video or HEIC image")
    start = head.removeprefix(codecs.BOM_UTF8).lstrip()[:1000].lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table")):
        raise _not_a_table("HTML page (some 'Excel' exports are web pages: export CSV or XLSX)")
    if start.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
            raise _not_a_table("Excel 2003 XML spreadsheet (save it as XLSX or CSV)")
        raise _not_a_table("XML document")
    return "csv"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "xl/workbook.bin" in names:
                return "xlsb"
            mimetype = b""
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    mimetype = entry.read(100).strip()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_a_table("damaged zip archive") from None
    if mimetype == b"application/vnd.oasis.opendocument.spreadsheet":
        return "ods"
    if "word/document.xml" in names:
        raise _not_a_table("Word document")
    if "ppt/presentation.xml" in names:
        raise _not_a_table("PowerPoint presentation")
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise _not_a_table("OpenDocument file that is not a spreadsheet")
    raise _not_a_table("zip archive")


def _looks_binary(sample: bytes | str) -> bool:
    if isinstance(sample, bytes):
        if b"\x00" in sample:
            return True
        controls = sum(sample.count(c) for c in _CONTROL_BYTES)
    else:
        if "\x00" in sample:
            return True
        controls = len(_CONTROL_CHARS.findall(sample))
    return controls > 2 and controls * 100 > len(sample)


# --- encoding and delimiter ------------------------------------------------------------------


def _bom_encoding(head: bytes) -> str | None:
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    even, odd = sample[0::2], sample[1::2]
    if len(sample) >= 4:  # UTF-16 without a BOM: every other byte of Latin text is zero
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
    return None


def _is_utf8(head: bytes, whole: bool) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
        return True
    except UnicodeDecodeError:
        pass
    lines = head.splitlines()
    if not whole:
        lines = lines[:-1]
    utf8 = broken = 0
    for line in lines:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            broken += 1
            continue
        if not line.isascii():
            utf8 += 1
    return utf8 > 0 and utf8 >= broken


def _legacy_encoding(head: bytes, whole: bool) -> str:
    """The code page whose text looks most like words: fewest symbols glued to letters, then
    charset-normalizer's measures (coarsely: small samples make them noisy), then cp1252 first."""
    measures: dict[str, tuple[float, float]] = {}
    for match in from_bytes(head, cp_isolation=list(_LEGACY_ENCODINGS)):
        for name in (match.encoding, *match.could_be_from_charset):
            try:
                measures.setdefault(codecs.lookup(name).name, (match.chaos, match.coherence))
            except LookupError:
                continue
    measures.setdefault("cp1252", (0.5, 0.0))
    preference = [codecs.lookup(n).name for n in _LEGACY_ENCODINGS]
    best, best_rank = "latin-1", None
    for name, (chaos, coherence) in measures.items():
        try:
            text = codecs.getincrementaldecoder(name)().decode(head, final=whole)
        except (UnicodeDecodeError, LookupError):
            continue
        order = preference.index(name) if name in preference else len(preference)
        rank = (_oddities(text), round(chaos * 5) / 5, -round(coherence, 1), order)
        if best_rank is None or rank < best_rank:
            best, best_rank = name, rank
    return best


def _oddities(text: str) -> int:
    """Non-letters glued to letters, like 'Wroc³aw' or '£ukasz' (Polish read as cp1252)."""
    count = 0
    for match in re.finditer(r"[^\x00-\x7f]", text):
        char = match.group()
        if unicodedata.category(char).startswith("L"):
            continue
        i = match.start()
        glued = text[i - 1 : i].isalpha() or text[i + 1 : i + 2].isalpha()
        if glued or unicodedata.category(char) == "Cc":
            count += 1
    return count


def _sample_text(head: bytes, encoding: str, whole: bool) -> str:
    text = codecs.getincrementaldecoder(encoding)("replace").decode(head, final=whole)
    text = text.removeprefix("\ufeff")
    if not whole:
        end = max(text.rfind("\n"), text.rfind("\r"))
        text = text[: end + 1] if end > 0 else text
    return text


def _detect_delimiter(sample: str) -> tuple[str, bool]:
    """The delimiter, and whether the first line is Excel's ``sep=X`` (to be skipped)."""
    first = sample.split("\n", 1)[0].rstrip("\r")
    if len(first) == 5 and first.lower().startswith("sep="):
        return first[4], True
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
            rows = [r for r in islice(reader, 50) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width, body = len(rows[0]), rows[1:]
        consistency = sum(len(r) == width for r in body) / len(body) if body else 1.0
        score = (round(consistency, 1), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best, False


# --- CSV -------------------------------------------------------------------------------------


def _open_csv(path: Path, head: bytes, start_after: int) -> RowSource:
    whole = len(head) < SAMPLE_BYTES
    encoding = _bom_encoding(head)
    wide = encoding is not None and encoding.startswith(("utf-16", "utf-32"))
    if not wide and _looks_binary(head):
        raise _not_a_table("binary data")
    if encoding is None:
        encoding = "utf-8" if _is_utf8(head, whole) else _legacy_encoding(head, whole)
    sample = _sample_text(head, encoding, whole)
    if wide and _looks_binary(sample):
        raise _not_a_table("binary data")
    delimiter, sep_line = _detect_delimiter(sample)
    # surrogateescape keeps each undecodable byte visible, so only its own row is rejected
    text = io.TextIOWrapper(
        path.open("rb"),
        encoding=encoding,
        errors="replace" if wide else "surrogateescape",
        newline="",
    )
    encoding = codecs.lookup(encoding).name
    try:
        reader = _CsvReader(text, delimiter, encoding, wide)
        if sep_line:
            reader.next_record()
        headers = reader.header()
    except BaseException:
        text.close()
        raise
    return RowSource(
        format="csv",
        headers=headers,
        rows=reader.rows(headers, start_after),
        close=text.close,
        encoding=encoding,
        delimiter=delimiter,
    )


@dataclass(frozen=True, slots=True)
class _Record:
    """A record that cannot be parsed as it is; plain records are just their text."""

    text: str
    problem: str  # "unbalanced" or "oversized"
    long_cells: tuple[int, ...] = ()


class _Feed:
    """A one-item iterator that a single csv reader pulls each record from. ``starved`` tells
    that the reader asked for more: the text ended inside a quoted cell."""

    __slots__ = ("item", "starved")

    def __init__(self) -> None:
        self.item: str | None = None
        self.starved = False

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> str:
        item, self.item = self.item, None
        if item is None:
            self.starved = True
            raise StopIteration
        return item


class _CellScan:
    """Walks CSV text the way the csv module does, measuring cells without keeping them."""

    def __init__(self, delimiter: str, state: int = _START) -> None:
        self.delimiter = delimiter
        self.lengths = [0]
        self.state = state

    def feed(self, chunk: str) -> None:
        d, lengths, state = self.delimiter, self.lengths, self.state
        i, n = 0, len(chunk)
        while i < n:
            if state == _QUOTED:
                j = chunk.find('"', i)
                if j < 0:
                    lengths[-1] += n - i
                    break
                lengths[-1] += j - i
                i, state = j + 1, _QUOTE
                continue
            if state == _FIELD:
                j = chunk.find(d, i)
                if j < 0:
                    lengths[-1] += n - i
                    break
                lengths[-1] += j - i
                lengths.append(0)
                i, state = j + 1, _START
                continue
            char = chunk[i]
            i += 1
            if char == d:
                lengths.append(0)
                state = _START
            elif char == '"':
                if state == _QUOTE:
                    lengths[-1] += 1
                state = _QUOTED
            elif char not in "\r\n":
                lengths[-1] += 1
                state = _FIELD
        self.state = state

    def long_cells(self) -> tuple[int, ...]:
        return tuple(i for i, n in enumerate(self.lengths) if n > MAX_CELL_CHARS)


class _CsvReader:
    def __init__(self, text: io.TextIOWrapper, delimiter: str, encoding: str, wide: bool) -> None:
        self._text = text
        self._delimiter = delimiter
        self._encoding = encoding
        self._pending: list[str] = []  # text put back to be read again, next piece last
        self._width: int | None = None
        self._feed = _Feed()
        self._csv = csv.reader(self._feed, delimiter=delimiter, strict=False)
        self._bad = re.compile("[\udc80-\udcff\ufffd]" if wide else "[\udc80-\udcff]")
        self._blank = re.compile(rf'[\s"{re.escape(delimiter)}]*')

    # reading text

    def _piece(self) -> str:
        if self._pending:
            return self._pending.pop()
        return self._text.readline(_PIECE_CHARS)

    def _line(self, budget: int) -> tuple[str, bool]:
        """The next physical line, and False if it ran past ``budget`` before its end."""
        parts: list[str] = []
        size = 0
        while True:
            piece = self._piece()
            if piece:
                parts.append(piece)
                size += len(piece)
            if size > budget:
                return "".join(parts), False
            if not piece or piece[-1] in "\r\n":
                return "".join(parts), True

    def _ends_in_quote(self, line: str, continued: bool) -> bool:
        """Whether the csv module would want the next line too. A line that continues a quoted
        cell is asked about with a quote in front, which puts the parser in the same state."""
        if '"' not in line:
            return continued
        self._feed.starved = False
        try:
            self._parse('"' + line if continued else line)
        except csv.Error:  # a cell past the csv module's size limit: walk it ourselves
            scan = _CellScan(self._delimiter, _QUOTED if continued else _START)
            scan.feed(line)
            return scan.state == _QUOTED
        return self._feed.starved

    def next_record(self) -> str | _Record | None:
        lines: list[str] = []
        size = 0
        while True:
            line, complete = self._line(MAX_RECORD_CHARS - size)
            if not line:
                return self._unbalanced(lines) if lines else None
            if not complete:
                if not lines:
                    return self._oversized(line)
                lines.append(line)
                return self._unbalanced(lines)
            lines.append(line)
            size += len(line)
            if self._ends_in_quote(line, continued=len(lines) > 1):
                continue
            if len(lines) == 1:
                return line
            text = "".join(lines)
            return text if self._fits(text) else self._unbalanced(lines)

    def _fits(self, text: str) -> bool:
        """Whether a multi-line record has as many cells as the header (a stray quote rarely
        lets it); trailing empty cells do not count."""
        if self._width is None:
            return True
        try:
            lengths = [len(cell) for cell in self._parse(text)]
        except csv.Error:  # a cell past the csv module's limit: measure without it
            scan = _CellScan(self._delimiter)
            scan.feed(text)
            lengths = scan.lengths
        filled = len(lengths)
        while filled and lengths[filled - 1] == 0:
            filled -= 1
        return filled <= self._width <= len(lengths)

    def _unbalanced(self, lines: list[str]) -> _Record:
        self._pending.extend(reversed(lines[1:]))
        return _Record(lines[0], "unbalanced")

    def _oversized(self, prefix: str) -> _Record:
        scan = _CellScan(self._delimiter)
        scan.feed(prefix)
        piece = prefix
        while piece and piece[-1] not in "\r\n":
            piece = self._piece()
            scan.feed(piece)
        return _Record(prefix[:MAX_CELL_CHARS], "oversized", scan.long_cells())

    # parsing

    def _parse(self, text: str) -> list[str]:
        self._feed.item = text
        return next(self._csv, [])

    def header(self) -> list[str]:
        while (record := self.next_record()) is not None:
            if isinstance(record, _Record):
                raise FileFormatError(
                    "the header row has a quote that never closes"
                    if record.problem == "unbalanced"
                    else f"the header row is longer than {MAX_RECORD_CHARS} characters"
                )
            try:
                cells = self._parse(record)
            except csv.Error as exc:
                raise FileFormatError(f"the header row cannot be read: {exc}") from None
            if _blank(cells):
                continue
            self._width = len(cells)
            return _unique_headers([_SURROGATES.sub("\ufffd", c) for c in cells])
        raise FileFormatError("the file is empty")

    def rows(self, headers: list[str], start_after: int) -> Iterator[Row]:
        number = 1
        width = len(headers)
        pending, readline = self._pending, self._text.readline
        blank, bad = self._blank.fullmatch, self._bad.search
        blank_start = frozenset(f' \t\r\n"{self._delimiter}')
        feed, parse = self._feed, self._csv
        while True:
            # the common case, a whole line that is a whole record, is parsed right here
            line = "" if pending else readline(_PIECE_CHARS)
            cells: list[str] | None = None
            if line and line[-1] in "\r\n":
                feed.item, feed.starved = line, False
                try:
                    cells = next(parse, [])
                except csv.Error:
                    cells = None  # the slow path says why
                if feed.starved:
                    cells = None
                elif cells is not None and line[0] in blank_start and _blank(cells):
                    continue
            record: str | _Record | None = line
            if cells is None:
                if line:
                    pending.append(line)
                record = self.next_record()
                if record is None:
                    return
                if isinstance(record, str) and blank(record) and _blank(self._parse(record)):
                    continue
            number += 1
            if number <= start_after:
                continue
            if (
                cells is not None
                and len(cells) == width
                and len(line) <= MAX_CELL_CHARS
                and (line.isascii() or not bad(line))
            ):
                yield Row(
                    number, dict(zip(headers, map(str.strip, cells), strict=True)), None, cells
                )
            else:
                yield self._row(number, record, headers)

    def _row(self, number: int, record: str | _Record, headers: list[str]) -> Row:
        """The slow path: a record with something wrong, or that needs a closer look."""
        errors: list[str] = []
        text = record if isinstance(record, str) else record.text
        long_cells: tuple[int, ...] = ()
        try:
            cells = self._parse(text)
        except csv.Error as exc:
            scan = _CellScan(self._delimiter)
            scan.feed(text)
            long_cells = scan.long_cells()
            if not long_cells:
                errors.append(f"unreadable row: {exc}")
            try:
                cells = self._parse(text[:MAX_CELL_CHARS])  # a best effort, for the report
            except csv.Error:
                cells = []
        if isinstance(record, _Record) and record.problem == "unbalanced":
            column = _column(headers, len(cells) - 1)
            errors.append(f"{column}: unbalanced quote, so this line was read on its own")
        elif isinstance(record, _Record):
            long_cells = record.long_cells
            if not long_cells:
                errors.append(f"row longer than {MAX_RECORD_CHARS} characters")
        for i in long_cells:
            errors.append(f"{_column(headers, i)}: {_TOO_LONG}")
            if i < len(cells):
                cells[i] = _preview(cells[i])
        if self._bad.search(text):
            for i, cell in enumerate(cells):
                if self._bad.search(cell):
                    errors.append(
                        f"{_column(headers, i)}: bytes that are not valid {self._encoding}"
                        " (is part of the file in another encoding?)"
                    )
                    cells[i] = _SURROGATES.sub("\ufffd", cell)
        return _make_row(number, cells, headers, errors)


# --- spreadsheets ----------------------------------------------------------------------------


def _open_book(path: Path, kind: str, sheet: str | None, start_after: int) -> RowSource:
    try:
        with path.open("rb") as f:
            book = CalamineWorkbook.from_filelike(f)
    except PasswordError:
        raise FileFormatError(
            "the spreadsheet is password-protected; remove the password or export it as CSV"
        ) from None
    except CalamineError as exc:
        if kind == "xls":
            raise _not_a_table("Office file that is not a spreadsheet, or a damaged one") from None
        raise FileFormatError(f"the {kind.upper()} file is damaged: {exc}") from None
    try:
        names = book.sheet_names
        if sheet is None and not names:
            raise FileFormatError("the workbook has no sheets")
        if sheet is not None and sheet not in names:
            raise FileFormatError(
                f"the workbook has no sheet named '{sheet}'; its sheets are: {', '.join(names)}"
            )
        name = sheet if sheet is not None else names[0]
        try:
            rows = enumerate(book.get_sheet_by_name(name).iter_rows(), start=1)
        except CalamineError as exc:
            raise FileFormatError(f"the sheet '{name}' cannot be read: {exc}") from None
        for _, cells in rows:
            texts = [_cell_text(v) for v in cells]
            if any(t.strip() for t in texts):
                headers = _unique_headers(texts)
                break
        else:
            raise FileFormatError(f"the sheet '{name}' is empty")
    except BaseException:
        book.close()
        raise
    return RowSource(
        format=kind,
        headers=headers,
        rows=_book_rows(rows, headers, start_after),
        close=lambda: _close_book(book),
        sheet=name,
    )


def _book_rows(
    rows: Iterator[tuple[int, list[object]]], headers: list[str], start_after: int
) -> Iterator[Row]:
    for number, cells in rows:
        if number <= start_after:
            continue
        texts = [_cell_text(v) for v in cells]
        if any(t.strip() for t in texts):
            yield _make_row(number, texts, headers, [])


def _close_book(book: CalamineWorkbook) -> None:
    with contextlib.suppress(CalamineError):  # already closed
        book.close()


def _cell_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as Excel shows them, and writes them to CSV
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))  # 4155550100.0 is a phone number, not a fraction
        return format(value, ".15g")  # Excel's 15 significant digits: 0.1 + 0.2 -> 0.3
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


# --- rows ------------------------------------------------------------------------------------

_TOO_LONG = f"cell longer than {MAX_CELL_CHARS} characters"


def _unique_headers(cells: list[str]) -> list[str]:
    """Trimmed, BOM-free, blank ones named ``column_N``, repeats named ``email (2)``."""
    names = [c.replace("\ufeff", "").strip() or f"column_{i}" for i, c in enumerate(cells, 1)]
    taken = set(names)
    seen: set[str] = set()
    headers = []
    for name in names:
        unique = name
        if name in seen:
            n = 2
            while f"{name} ({n})" in taken:
                n += 1
            unique = f"{name} ({n})"
            taken.add(unique)
        seen.add(name)
        headers.append(unique)
    return headers


def _blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _column(headers: list[str], index: int) -> str:
    if 0 <= index < len(headers):
        return f"column '{headers[index]}'"
    return f"cell {index + 1}"


def _preview(cell: str) -> str:
    return cell[:_PREVIEW_CHARS] + "…"


def _make_row(number: int, cells: list[str], headers: list[str], errors: list[str]) -> Row:
    width = len(headers)
    if not errors and len(cells) == width and max(map(len, cells), default=0) <= MAX_CELL_CHARS:
        return Row(number, dict(zip(headers, map(str.strip, cells), strict=True)), None, cells)
    if len(cells) > width:
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            shown = ", ".join(f"'{c[:30]}'" for c in extra[:3])
            errors.append(
                f"row has {len(cells)} cells but the header has {width} columns (extra: {shown})"
            )
    values = {}
    for i, header in enumerate(headers):
        cell = cells[i] if i < len(cells) else ""
        if len(cell) > MAX_CELL_CHARS:
            message = f"column '{header}': {_TOO_LONG}"
            if message not in errors:
                errors.append(message)
            cell = _preview(cell)
        values[header] = cell.strip()
    raw = [_preview(c) if len(c) > MAX_CELL_CHARS else c for c in cells]
    return Row(number, values, "; ".join(errors) or None, raw)
