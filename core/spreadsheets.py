"""CSV files people open in Excel: UTF-8 it recognises, and no cell it
would run as a formula; and the one way a page sends one to be saved."""
import csv
import io

from flask import Response

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
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
