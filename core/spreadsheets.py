"""CSV files people open in Excel: UTF-8 it recognises, and no cell it
would run as a formula; and the one way a page sends one to be saved."""
import csv
import io
import re

from flask import Response

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula after a separator inside a cell: Excel set to split on ";" (Polish and most
# European settings) or tabs opens `Jan;=HYPERLINK(...)` as two cells, the second a formula.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t][\s\"']*)(?=[=+\-@])")


def safe_cell(value) -> str:
    """The cell as text no spreadsheet runs, whichever separator it splits on:
    a quote mark before any formula, at the start or after a , ; or tab."""
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", "" if value is None else str(value))
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_file(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def csv_download(body: bytes, filename: str) -> Response:
    """A CSV file to save as `filename`. Werkzeug adds "; charset=utf-8" to
    a text/ type itself: naming it here too sent it twice."""
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
