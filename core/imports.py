"""Importing people from a spreadsheet (CSV or .xlsx): reading a file
safely, matching its columns to what a kind of import needs, checking every
row, and importing the valid ones in one transaction, in the request for a
small file and by the job queue's worker for a large one.

Each domain contributes its kinds (forum members, past attendance, ...) to
`kinds`, a registry Slot: the columns it takes, how a row is checked, what
makes two rows the same person, who may import into what, and `apply`. The
kernel knows no forum or event; it only runs the steps.

A file is data, never code: formulas are never evaluated (openpyxl gives the
value Excel saved, and a CSV cell starting with "=" is text), macros and
password-protected workbooks are refused, and a zip that would unpack to far
more than it weighs is refused before openpyxl opens it.

Functions flush but never commit, except `run_job`, which is a job's whole
life in the worker.
"""
import csv
import hashlib
import io
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update

from core import audit, jobs, progress
from core.database import utcnow, write_lock
from core.errors import DomainError, DomainErrors
from core.forms import has_control_characters, mail_can_reach
from core.extensions import db
from core.models import BackgroundJob, ImportMapping, ImportStatus, SpreadsheetImport
from core.registry import Slot
from core.spreadsheets import csv_file

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 50
MAX_CELL_LENGTH = 1000
# An .xlsx is a zip: refuse one that would unpack to more than this, or any member squeezed more than this.
# A full sheet (5,000 rows of 50 cells of 30 different characters) unpacks to about 20 MB.
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
# Its shared strings (every different text in the workbook) are held in memory whole while it is read:
# the full sheet's are about 12 MB.
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
# Blank rows are skipped, but only so many of them: a sheet whose rows (empty or not) go past this is
# refused before it is walked to its end (one blank cell at row 1,048,576 would be a million rows to walk).
MAX_ROW_NUMBER = MAX_ROWS + 1000
MAX_COMPRESSION_RATIO = 200
MAX_ZIP_MEMBERS = 500
# Files with more rows than this are imported by the worker, the person watching its progress.
IN_REQUEST_ROWS = 200
PROGRESS_EVERY = 100


class ImportRefused(DomainError):
    """The file cannot be read as a spreadsheet to import, or the import cannot go on."""

    field = "spreadsheet"


# --- reading -----------------------------------------------------------------------------------------------

@dataclass
class Table:
    headers: list[str]
    # Each data row's spreadsheet row number (the header is row 1) and its cells, as read.
    rows: list[tuple[int, list[Any]]]


def read_table(file_name: str, content: bytes) -> Table:
    """The file's header row and data rows, or ImportRefused saying why not."""
    if not content:
        raise ImportRefused("The file is empty. Choose a CSV or Excel (.xlsx) file with a row of headings and "
                            "a row for each person.")
    if len(content) > MAX_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files "
                            "and import each.")
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension in ("xlsm", "xltm", "xlsb"):
        raise ImportRefused("The file is a workbook with macros. Save it as an Excel Workbook (.xlsx) or CSV "
                            "and upload that.")
    if extension in ("xls", "ods", "numbers"):
        raise ImportRefused(f"The file is a .{extension} file. Save it as an Excel Workbook (.xlsx) or CSV and "
                            "upload that.")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        # An OLE compound file: an old .xls, or (most often) an .xlsx saved with a password.
        raise ImportRefused("The file is password-protected or an old Excel format. Remove the password, save it "
                            "as an Excel Workbook (.xlsx) or CSV and upload that.")
    if content.startswith(b"PK"):
        headers, rows = _read_xlsx(content)
    elif extension in ("xlsx", "xltx"):
        raise ImportRefused("The file is not a working Excel workbook. Open it in Excel, save it as an Excel "
                            "Workbook (.xlsx) or CSV and upload that.")
    elif extension in ("csv", "txt", ""):
        headers, rows = _read_csv(content)
    else:
        raise ImportRefused("The file must be a CSV or an Excel workbook (.xlsx).")
    return _as_table(headers, rows)


def _as_table(header_row: list[Any] | None, rows: list[tuple[int, list[Any]]]) -> Table:
    if header_row is None:
        raise ImportRefused("The file is empty. Choose a CSV or Excel (.xlsx) file with a row of headings and "
                            "a row for each person.")
    headers = [text_of(cell) for cell in header_row]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers) or all(_looks_like_data(header) for header in headers if header):
        raise ImportRefused("The first row must name the columns (for example Name, Email). Add a row of "
                            "headings above the first person.")
    if len(headers) > MAX_COLUMNS:
        raise ImportRefused(f"The file has {len(headers)} columns; at most {MAX_COLUMNS} can be imported. Remove "
                            "the columns you do not need.")
    if not rows:
        raise ImportRefused("The file has headings but no rows of people under them.")
    return Table(headers, [(number, (cells + [None] * len(headers))[:len(headers)]) for number, cells in rows])


def _looks_like_data(header: str) -> bool:
    return "@" in header or bool(re.fullmatch(r"[\d\s/.:-]+", header))


def _too_many_rows() -> ImportRefused:
    return ImportRefused(f"The file has more than {MAX_ROWS:,} rows. Split it into files of {MAX_ROWS:,} rows or "
                         "fewer and import each.")


def _rows_past_the_end(number: int) -> ImportRefused:
    return ImportRefused(f"The sheet has rows (perhaps empty ones) past row {number - 1:,}. Delete the rows below "
                         f"your data, keep it to {MAX_ROWS:,} rows or fewer, save and upload it again.")


def _filled(cells: list[Any]) -> int:
    return sum(1 for cell in cells if not (cell is None or (isinstance(cell, str) and not cell.strip())))


def _collect(rows) -> tuple[list[Any] | None, list[tuple[int, list[Any]]]]:
    """The headings, then the non-blank rows under them by their row number.
    The headings are the first non-blank row, unless it has one cell filled
    and a later row has more: a title and notes above the headings, as
    exported lists often have. Every row counts towards MAX_ROW_NUMBER, blank
    or not, so reading stops there."""
    header, found = None, []
    for number, cells in enumerate(rows, start=1):
        if number > MAX_ROW_NUMBER:
            raise _rows_past_the_end(number)
        cells = list(cells)
        if len(cells) > MAX_COLUMNS * 4 and any(cell not in (None, "") for cell in cells[MAX_COLUMNS * 4:]):
            raise ImportRefused(f"The file has more than {MAX_COLUMNS} columns. Remove the columns you do not need.")
        filled = _filled(cells)
        if not filled:
            continue
        if header is None or (_filled(header) == 1 and filled > 1 and all(_filled(row) == 1 for _, row in found)):
            header, found = cells, []
            continue
        if len(found) >= MAX_ROWS:
            raise _too_many_rows()
        found.append((number, cells))
    return header, found


def _read_csv(content: bytes) -> tuple[list[Any] | None, list[tuple[int, list[Any]]]]:
    if b"\x00" in content[:4096]:
        raise ImportRefused("The file is not a spreadsheet. Choose a CSV or Excel (.xlsx) file.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRefused("The file's text could not be read. Save it as CSV UTF-8 and upload it again.")
    try:  # only the separator is guessed: quoting is always Excel's (a "" inside quotes is one ")
        delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
        return _collect(reader)
    except csv.Error:
        raise ImportRefused("The file is not a well-formed CSV file. Open it in a spreadsheet, save it as CSV "
                            "UTF-8 and upload it again.") from None


def _read_xlsx(content: bytes) -> tuple[list[Any] | None, list[tuple[int, list[Any]]]]:
    _check_zip(content)
    import openpyxl  # only when there is a workbook to read

    try:
        # data_only=False: a cell holding a formula is read as its formula ("=..."), which
        # cell_problems refuses, rather than as a saved value nobody can see was computed.
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise ImportRefused("The file is not a working Excel workbook. Open it in Excel, save it as an Excel "
                            "Workbook (.xlsx) or CSV and upload that.") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportRefused("The workbook has no sheets.")
        declared = _declared_rows(sheet)
        if declared is not None and declared > MAX_ROW_NUMBER:
            raise _rows_past_the_end(MAX_ROW_NUMBER + 1)
        return _collect(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS * 4))
    except ImportRefused:
        raise
    except Exception:
        raise ImportRefused("The file is not a working Excel workbook. Open it in Excel, save it as an Excel "
                            "Workbook (.xlsx) or CSV and upload that.") from None
    finally:
        workbook.close()


def _declared_rows(sheet) -> int | None:
    """The last row the sheet says it uses (its <dimension>), if it says; it may lie, so rows are counted too."""
    try:
        return sheet.max_row if sheet.max_row and sheet.max_row > 0 else None
    except Exception:  # no dimension, or one openpyxl cannot read
        return None


def _check_zip(content: bytes) -> None:
    """Look inside the .xlsx's zip before anything unpacks it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportRefused("The file is not a working Excel workbook. Open it in Excel, save it as an Excel "
                            "Workbook (.xlsx) or CSV and upload that.") from None
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportRefused("The file is not an Excel workbook. Choose a CSV or Excel (.xlsx) file.")
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ImportRefused("The file is a workbook with macros. Save it as an Excel Workbook (.xlsx) or CSV "
                            "and upload that.")
    unpacked = sum(member.file_size for member in members)
    squeezed = any(member.file_size > 1024 * 1024 and member.file_size > MAX_COMPRESSION_RATIO * max(
        member.compress_size, 1) for member in members)
    strings = sum(member.file_size for member in members if member.filename.lower().endswith("sharedstrings.xml"))
    if len(members) > MAX_ZIP_MEMBERS or unpacked > MAX_UNPACKED_BYTES or squeezed or \
            strings > MAX_SHARED_STRINGS_BYTES:
        raise ImportRefused("The workbook unpacks to far more than its size, as a file built to overwhelm a "
                            "server does. Save the sheet as CSV and upload that.")


# --- cells ---------------------------------------------------------------------------------------------------

def text_of(cell: Any) -> str:
    """A cell as the text a person sees in it."""
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.strftime("%d/%m/%Y %H:%M") if (cell.hour, cell.minute) != (0, 0) else cell.strftime("%d/%m/%Y")
    if isinstance(cell, date):
        return cell.strftime("%d/%m/%Y")
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return " ".join(str(cell).split())[:MAX_CELL_LENGTH]


_EXCEL_EPOCH = date(1899, 12, 30)
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2})?")


class BadDate(ValueError):
    """Not a date; `written` is the cell when it reads as a real date month first (05/14/2012)."""

    def __init__(self, written: str = ""):
        super().__init__(written)
        self.written = written

    def explained(self, plain: str) -> str:
        """`plain` (what dates may look like), or why a month-first date was not taken."""
        if not self.written:
            return plain
        return f"{self.written} reads as month first: write the day first, like 25/03/2010 (or 2010-03-25)"


def date_of(cell: Any) -> date | None:
    """A date from a cell: Excel's own dates and serial numbers, ISO
    (2010-03-25) and UK day-first (25/03/2010). Never month-first: 03/04/2010
    is the 3rd of April. None for an empty cell; BadDate for anything else."""
    moment = _moment_of(cell)
    return moment[0] if moment else None


def date_time_of(cell: Any) -> tuple[date, tuple[int, int] | None] | None:
    """A date and, when the cell gives one, a time of day (hours, minutes)."""
    return _moment_of(cell)


def _moment_of(cell: Any) -> tuple[date, tuple[int, int] | None] | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, datetime):
        return cell.date(), ((cell.hour, cell.minute) if (cell.hour, cell.minute) != (0, 0) else None)
    if isinstance(cell, date):
        return cell, None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if not 1 <= cell < 2958466:
            raise BadDate()
        whole = int(cell)
        day = _EXCEL_EPOCH + timedelta(days=whole)
        minutes = round((cell - whole) * 24 * 60)
        return day, (divmod(minutes, 60) if minutes else None)
    text = str(cell).strip()
    match = _ISO.match(text) or _DAY_FIRST.match(text)
    if match is None:
        raise BadDate()
    try:
        if match.re is _ISO:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        else:
            day = date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        month_first = match.re is not _ISO and int(match[1]) <= 12 < int(match[2]) <= 31
        raise BadDate(match[0] if month_first else "") from None
    rest = text[match.end():].strip(" T")
    if not rest:
        return day, None
    clock = _TIME.fullmatch(rest)
    if clock is None or int(clock[1]) > 23 or int(clock[2]) > 59:
        raise BadDate()
    return day, (int(clock[1]), int(clock[2]))


def email_of(text: str) -> str:
    """A well-formed address our mail can reach, lower-cased; ValueError
    saying what is wrong with it if it is not one."""
    try:
        address = validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValueError("Not an email address in the right form, like name@example.com") from None
    if not mail_can_reach(address):
        raise ValueError("Letters like ł or é before the @ cannot be emailed yet: ask the person for another address")
    return address


# A plain number or a phone number (+44 1536 123456, -12.5, 01536-123456): the only cells that may start with + or -.
_NUMBER_OR_PHONE = re.compile(r"[+-]?[\d\s().,/-]*\d[\d\s().,/-]*")


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would run as a formula if it were written back into
    one: starting with = + - or @, unless it is a plain number or a phone
    number (or only dashes, as people write for nothing)."""
    text = text.strip()
    if not text.startswith(("=", "+", "-", "@")):
        return False
    return not (_NUMBER_OR_PHONE.fullmatch(text) or set(text) == {"-"})


def cell_problems(kind: "Kind", cells: dict[str, Any]) -> list["Problem"]:
    """Every text cell of every kind, checked in this one place: invisible
    control characters and those of text direction (the forms' rule,
    core.forms.has_control_characters) and formula-like text."""
    problems = []
    for name, value in cells.items():
        if not isinstance(value, str) or not value:
            continue
        label = kind.column(name).label
        # Tabs and line breaks inside a cell become spaces (text_of), as a form's single line would have.
        if has_control_characters(value, allow="\t\r\n"):
            problems.append(Problem(name, f"{label} has invisible control characters: retype it"))
        elif looks_like_formula(value):
            problems.append(Problem(name, "Looks like a spreadsheet formula, not text: type the value itself (in "
                                          "Excel, copy the cells and use Paste Values)"))
    return problems


# --- kinds ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str
    label: str
    required: bool = False
    # Other headings people give it, matched ignoring case, spaces and punctuation.
    synonyms: tuple[str, ...] = ()
    hint: str = ""
    # A date (or date and time): the upload page then says how dates may be written.
    date: bool = False


@dataclass(frozen=True)
class Problem:
    column: str  # the kind's column name, or "" for the row as a whole
    message: str


PERSON_NAME_LIMIT = 100  # as long as an account's name may be


def person_name(text: dict[str, str], problems: list[Problem]) -> str:
    """A row's "name" cell, with a problem added when it is missing or too long."""
    name = text.get("name", "")
    if not name:
        problems.append(Problem("name", "Enter the person's name"))
    elif len(name) > PERSON_NAME_LIMIT:
        problems.append(Problem("name", f"The name must be {PERSON_NAME_LIMIT} characters or fewer"))
    return name


@dataclass(frozen=True)
class Kind:
    """One kind of import, contributed by the domain that owns its records."""

    name: str  # in URLs: "forum-members"
    title: str  # "forum members"
    columns: tuple[Column, ...]
    # The object it imports into, by id (None if there is none), who may, and how it is named.
    load_scope: Callable[[int], Any]
    may_import: Callable[[Any, Any], bool]
    scope_title: Callable[[Any], str]
    back_url: Callable[[Any], str]
    # Checks a row's cells (by column name, as read): (the cleaned row, []) or (None, problems).
    clean: Callable[[Any, dict[str, Any]], tuple[dict | None, list[Problem]]]
    # What makes two rows the same person: [(what it is, the key)], e.g. [("email address", "a@b.org")].
    keys: Callable[[dict], list[tuple[str, str]]]
    # Rows already in the database: index into the cleaned rows -> why it will be skipped.
    already: Callable[[Any, list[dict]], dict[int, str]]
    # Takes the scope's lock for the rest of the transaction.
    lock: Callable[[Any], None]
    # Imports the rows (all valid, none there already); returns how many became records.
    apply: Callable[..., int]
    # Anything about the scope itself that stops an import (an event not over yet, its attendance settled).
    refuse_scope: Callable[[Any], None] = lambda scope: None
    # Anything about this importer and scope that stops an import at every step, beyond may_import (a youth
    # forum's coordinator with no current DBS check: the preview would tell them about young members).
    refuse_importer: Callable[[Any, Any], None] = lambda actor, scope: None
    # Rows that become problems only taken together (faith seats full): index -> problem.
    together: Callable[[Any, list[dict]], dict[int, Problem]] = lambda scope, rows: {}
    # Columns a particular scope needs besides the required ones (an interfaith forum's faith).
    needs: Callable[[Any], tuple[str, ...]] = lambda scope: ()
    # Whether the importer may choose to email the people imported.
    emails_people: bool = False
    what_email_does: str = ""
    # What the upload page tells the importer about what happens to the people imported.
    notes: str = ""
    # What importing these (valid, new) rows would also do, said on the preview before anything is
    # imported: the organisations a contacts list adds, the places an attendance list takes past the limit.
    also_does: Callable[[Any, list[dict]], list[str]] = lambda scope, rows: []

    @property
    def has_dates(self) -> bool:
        return any(column.date for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


kinds = Slot("import kinds")


def kind_named(name: str) -> Kind | None:
    return next((kind for kind in kinds if kind.name == name), None)


# --- mapping -------------------------------------------------------------------------------------------------

def _simple(heading: str) -> str:
    return re.sub(r"[^a-z0-9]", "", heading.lower())


def headers_key(headers: list[str]) -> str:
    return hashlib.sha256("\x1f".join(sorted(_simple(h) for h in headers if h)).encode()).hexdigest()


def guess_mapping(kind: Kind, headers: list[str], *, owner_id: int) -> dict[str, int]:
    """Column name -> header index: what this person chose last time for a
    file with these headings, or else each column's name and synonyms."""
    remembered = db.session.scalar(select(ImportMapping).where(
        ImportMapping.kind == kind.name, ImportMapping.owner_id == owner_id,
        ImportMapping.headers_key == headers_key(headers)))
    if remembered is not None:
        by_heading = {heading: index for index, heading in enumerate(headers)}
        return {name: by_heading[heading] for name, heading in remembered.mapping.items() if heading in by_heading}
    simple = [_simple(heading) for heading in headers]
    guessed, taken = {}, set()
    for column in kind.columns:
        wanted = [_simple(word) for word in (column.name, column.label, *column.synonyms)]
        for index, heading in enumerate(simple):
            if index not in taken and heading and heading in wanted:
                guessed[column.name] = index
                taken.add(index)
                break
    return guessed


def check_mapping(kind: Kind, mapping: dict[str, int | None], scope=None) -> list[DomainError]:
    problems, needed = [], set(kind.needs(scope)) if scope is not None else set()
    for column in kind.columns:
        if (column.required or column.name in needed) and mapping.get(column.name) is None:
            problems.append(DomainError(f"Choose the column that holds {column.label.lower()}", field=column.name))
    used: dict[int, str] = {}
    for column in kind.columns:
        index = mapping.get(column.name)
        if index is None:
            continue
        if index in used:
            problems.append(DomainError(f"{column.label} and {kind.column(used[index]).label} are both matched to "
                                        "the same column: choose one for each", field=column.name))
        used[index] = column.name
    return problems


def headings_left_out(started: SpreadsheetImport) -> list[str]:
    """The file's named columns matched to nothing, in the file's order: the preview says so
    before anything is imported, rather than leaving them out unsaid."""
    used = set((started.mapping or {}).values())
    return [heading for index, heading in enumerate(started.headers) if index not in used and heading.strip()]


def remember_mapping(kind: Kind, headers: list[str], mapping: dict[str, int], *, owner_id: int) -> None:
    key = headers_key(headers)
    remembered = db.session.scalar(select(ImportMapping).where(
        ImportMapping.kind == kind.name, ImportMapping.owner_id == owner_id, ImportMapping.headers_key == key))
    if remembered is None:
        remembered = ImportMapping(kind=kind.name, owner_id=owner_id, headers_key=key)
        db.session.add(remembered)
    remembered.mapping = {name: headers[index] for name, index in mapping.items()}
    db.session.flush()


# --- uploading and matching ------------------------------------------------------------------------------------

def upload(kind: Kind, scope, file_name: str, content: bytes, *, actor) -> SpreadsheetImport:
    kind.refuse_importer(actor, scope)
    kind.refuse_scope(scope)
    table = read_table(file_name, content)
    started = SpreadsheetImport(kind=kind.name, scope_id=scope.id, owner_id=actor.id, file_name=file_name[:200],
                                content=content, headers=table.headers, rows_total=len(table.rows))
    started.mapping = guess_mapping(kind, table.headers, owner_id=actor.id)
    db.session.add(started)
    db.session.flush()
    audit.record("import.uploaded", actor=actor, subject=started,
                 details={"kind": kind.name, "scope": scope.id, "rows": len(table.rows)})
    return started


def match_columns(started: SpreadsheetImport, kind: Kind, mapping: dict[str, int | None], *, actor,
                  scope=None) -> None:
    _refuse_unless(started, ImportStatus.UPLOADED, ImportStatus.MAPPED)
    if scope is not None:
        kind.refuse_importer(actor, scope)
    problems = check_mapping(kind, mapping, scope)
    if problems:
        raise problems[0] if len(problems) == 1 else _errors(problems)
    chosen = {name: index for name, index in mapping.items() if index is not None}
    started.mapping, started.status = chosen, ImportStatus.MAPPED
    remember_mapping(kind, started.headers, chosen, owner_id=actor.id)
    db.session.flush()


def _errors(problems):
    return DomainErrors(problems)


def _refuse_unless(started: SpreadsheetImport, *statuses: ImportStatus) -> None:
    if started.status not in statuses:
        raise ImportRefused("This import has already been run. Upload the file again to import it again.",
                            field=None)


# --- checking rows -------------------------------------------------------------------------------------------

@dataclass
class RowCheck:
    number: int
    values: dict[str, str]  # by column name, as the person sees the cells
    cleaned: dict | None = None
    problems: list[Problem] = field(default_factory=list)
    skipped: str = ""  # why it will be skipped (already there)

    @property
    def will_import(self) -> bool:
        return self.cleaned is not None and not self.problems and not self.skipped


def row_cells(table: Table, mapping: dict[str, int]) -> list[tuple[int, dict[str, Any]]]:
    return [(number, {name: cells[index] if index < len(cells) else None for name, index in mapping.items()})
            for number, cells in table.rows]


def check_rows(kind: Kind, scope, rows: list[tuple[int, dict[str, Any]]], *, against_database: bool = True,
               on_progress: Callable[[int], None] | None = None) -> list[RowCheck]:
    """Every row checked: its own cells, then the same person twice in the
    file, then (against_database) people already there."""
    checks, first_seen = [], {}
    for position, (number, cells) in enumerate(rows, start=1):
        check = RowCheck(number, {name: text_of(value) for name, value in cells.items()})
        try:
            check.cleaned, check.problems = kind.clean(scope, cells)
        except Exception:  # a kind's check must never turn one odd cell into a 500
            log.exception("Checking row %s of a %s import failed", number, kind.name)
            check.cleaned, check.problems = None, [Problem("", "This row could not be read")]
        in_cells = cell_problems(kind, cells)
        if in_cells:
            # The cell's own problem says it all: the kind's view of that cell would repeat it.
            spoilt = {problem.column for problem in in_cells}
            check.cleaned = None
            check.problems = in_cells + [problem for problem in check.problems if problem.column not in spoilt]
        if check.cleaned is not None and not check.problems:
            for what, key in kind.keys(check.cleaned):
                earlier = first_seen.setdefault((what, key), check)
                if earlier is not check:
                    _same_twice(what, earlier, check)
                    break
        checks.append(check)
        if on_progress is not None and position % PROGRESS_EVERY == 0:
            on_progress(position)
    if against_database:
        valid = [check for check in checks if check.cleaned is not None and not check.problems]
        for index, reason in kind.already(scope, [check.cleaned for check in valid]).items():
            valid[index].skipped = reason
        still = [check for check in valid if not check.skipped]
        for index, problem in kind.together(scope, [check.cleaned for check in still]).items():
            still[index].problems.append(problem)
    return checks


def _same_twice(what: str, earlier: RowCheck, later: RowCheck) -> None:
    """The same person twice in the file: the later row is left out; but
    under two names, the address (say) may be someone else's, so neither row
    goes in until the importer says which is right."""
    names = [" ".join(str(check.cleaned.get("name") or "").split()) for check in (earlier, later)]
    if names[0].casefold() == names[1].casefold():
        later.problems.append(Problem("", f"Same {what} as row {earlier.number}: only the first is imported"))
        return
    later.problems.append(Problem("", f"Same {what} as row {earlier.number} under another name ({names[0]}): "
                                      "correct whichever is wrong; neither is imported"))
    if not any(problem.message.startswith(f"Same {what} as row") for problem in earlier.problems):
        earlier.problems.append(Problem("", f"Same {what} as row {later.number} under another name ({names[1]}): "
                                            "correct whichever is wrong; neither is imported"))


@dataclass(frozen=True)
class Counts:
    will_import: int
    skipped: int
    refused: int


def counts_of(checks: list[RowCheck]) -> Counts:
    return Counts(sum(check.will_import for check in checks), sum(bool(check.skipped) and not check.problems
                                                                  for check in checks),
                  sum(bool(check.problems) or check.cleaned is None for check in checks))


def checks_of(started: SpreadsheetImport, kind: Kind, scope, **options) -> list[RowCheck]:
    table = read_table(started.file_name, started.content or b"")
    return check_rows(kind, scope, row_cells(table, started.mapping or {}), **options)


# --- running -------------------------------------------------------------------------------------------------

def start(started: SpreadsheetImport, kind: Kind, scope, *, email_people: bool, actor, back_url: str):
    """Import now (a small file: returns None) or hand it to the worker (a
    large one: returns its job, whose page shows the rows done)."""
    _refuse_unless(started, ImportStatus.MAPPED)
    kind.refuse_importer(actor, scope)
    kind.refuse_scope(scope)
    started.email_people = email_people and kind.emails_people
    if started.rows_total <= IN_REQUEST_ROWS:
        _claim(started)
        _import(started, kind, scope, actor=actor)
        return None
    _claim(started)
    job = progress.start_job(owner_id=actor.id, title=f"Import of {started.file_name}", back_url=back_url)
    job.steps_total = started.rows_total
    started.job_id = job.id
    db.session.flush()
    jobs.queue_after_commit("run-import", started.id)
    return job


def _claim(started: SpreadsheetImport) -> None:
    """One conditional update: a double-pressed Import runs it once."""
    claimed = db.session.execute(update(SpreadsheetImport).where(
        SpreadsheetImport.id == started.id, SpreadsheetImport.status == ImportStatus.MAPPED)
        .values(status=ImportStatus.IMPORTING)).rowcount
    if claimed != 1:
        raise ImportRefused("This import has already been run. Upload the file again to import it again.")
    db.session.refresh(started)


def _import(started: SpreadsheetImport, kind: Kind, scope, *, actor) -> None:
    """Check every row again under the scope's lock (the world may have
    changed since the preview) and import the valid ones, all in this one
    transaction: any failure rolls every row back."""
    kind.lock(scope)
    kind.refuse_importer(actor, scope)
    kind.refuse_scope(scope)
    checks = checks_of(started, kind, scope)
    rows = [check.cleaned for check in checks if check.will_import]
    imported = kind.apply(scope, rows, actor=actor, email_people=started.email_people) if rows else 0
    counts = counts_of(checks)
    started.imported, started.skipped, started.refused = imported, counts.skipped, counts.refused
    started.refused_file = refused_rows_file(kind, checks)
    started.content, started.status, started.finished_at = None, ImportStatus.DONE, utcnow()
    db.session.flush()
    # Counts only: the people's details never go into the audit log.
    audit.record("import.finished", actor=actor, subject=started,
                 details={"kind": kind.name, "scope": scope.id, "imported": imported, "skipped": counts.skipped,
                          "refused": counts.refused, "emailed": started.email_people})


def refused_rows_file(kind: Kind, checks: list[RowCheck]) -> bytes:
    """The rows not imported, each with why, as the person gave them (cells
    that look like formulas neutralised by csv_file)."""
    labels = {column.name: column.label for column in kind.columns}
    header = ["Row", *[column.label for column in kind.columns], "Why it was not imported"]
    rows = []
    for check in checks:
        if check.will_import:
            continue
        reasons = [f"{labels.get(problem.column, 'Row')}: {problem.message}" if problem.column else problem.message
                   for problem in check.problems] or [check.skipped]
        rows.append([check.number, *[check.values.get(column.name, "") for column in kind.columns],
                     "; ".join(reasons)])
    return csv_file(header, rows)


def run_job(import_id: int, *, actor_of: Callable[[int], Any]) -> str:
    """The worker's job: the rows checked in steps (the job's page shows how
    many), then every valid row imported in one transaction. `actor_of`
    loads the person who started it (accounts are a layer above the kernel)."""
    started = db.session.get(SpreadsheetImport, import_id)
    if started is None or started.status != ImportStatus.IMPORTING:
        return f"import {import_id}: nothing to do"
    kind, job_id, owner_id = kind_named(started.kind), started.job_id, started.owner_id
    try:
        scope = kind.load_scope(started.scope_id)
        if scope is None:
            raise ImportRefused("What it imports into no longer exists.")

        def done_so_far(rows: int) -> None:
            db.session.rollback()
            with write_lock():
                db.session.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(steps_done=rows))
                db.session.commit()

        checks_of(started, kind, scope, against_database=False, on_progress=done_so_far)
        db.session.rollback()
        with write_lock():
            started = db.session.get(SpreadsheetImport, import_id)
            scope = kind.load_scope(started.scope_id)
            _import(started, kind, scope, actor=actor_of(owner_id))
            job = db.session.get(BackgroundJob, job_id)
            job.steps_done, job.finished_at = job.steps_total, utcnow()
            db.session.commit()
        return f"import {import_id}: {started.imported} imported"
    except Exception as error:
        db.session.rollback()
        log.exception("Import %s failed", import_id)
        message = error.message if isinstance(error, DomainError) else (
            "The import stopped and nothing was imported. Try again; if it happens again, tell the partnership.")
        with write_lock():
            failed = db.session.get(SpreadsheetImport, import_id)
            failed.status, failed.error, failed.finished_at = ImportStatus.FAILED, message, utcnow()
            progress.finish_with_error(job_id, message)
            db.session.commit()
        return f"import {import_id}: failed"

