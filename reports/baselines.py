"""Population baselines: the share of the county's people in each category,
to compare participants with. The Census 2021 figures ship with the app
(reports/data/); an admin can upload another set as CSV.

A baseline file has the columns area, characteristic, category, percent,
source: one row per category, categories named as on the questionnaire
(plus the census's "Not stated"), and each area's shares for a
characteristic adding up to about 100."""
import csv
import io
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from sqlalchemy import select

from core import audit
from core.equality.services import BY_KEY, Characteristic
from core.errors import DomainError, DomainErrors
from core.i18n import in_language
from core.extensions import db
from core.numbers import MAX_ID, whole_number
from reports.models import UploadedBaseline

SHIPPED_FILE = Path(__file__).parent / "data" / "census-2021-baselines.csv"
NATIONAL_AREA = "England and Wales"
NOT_STATED = "Not stated"  # the census's non-response, left out of the comparison
COLUMNS = ("area", "characteristic", "category", "percent", "source")
SUM_TOLERANCE = 1.5  # published shares are rounded, so they rarely add to exactly 100
MAX_ROWS = 2000
MAX_UPLOAD_BYTES = 256 * 1024


@dataclass(frozen=True)
class Shares:
    """One characteristic's population shares in one area."""
    area: str
    source: str
    percent: dict[str, float]  # category code -> percent of the population
    not_stated: float = 0.0

    def share_of(self, code: str) -> float | None:
        """The share among people who stated an answer, as a fraction: the
        comparison for participants' shares among those who answered."""
        stated = sum(self.percent.values())
        return self.percent[code] / stated if code in self.percent and stated else None


@dataclass
class Baseline:
    name: str
    by_characteristic: dict[str, Shares] = field(default_factory=dict)


class BaselineFileError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _code_for(characteristic: Characteristic, label: str) -> str | None:
    with in_language("en"):  # files name categories in English, whatever language the page is in
        for code, known in characteristic.categories:
            if str(known).casefold() == label.strip().casefold():
                return code
    return None


def parse(content: bytes) -> dict[str, dict[str, Shares]]:
    """{area: {characteristic: Shares}} from a baseline CSV, or
    BaselineFileError listing each problem with its line."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BaselineFileError(["The file must be a CSV saved as UTF-8 text"]) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise BaselineFileError([f"Line 1: the file must have the columns {', '.join(COLUMNS)} "
                                 f"(missing {', '.join(missing)})"])
    problems, found = [], {}
    for line, row in enumerate(reader, start=2):
        if line > MAX_ROWS:
            problems.append(f"The file has more than {MAX_ROWS} rows")
            break
        area, key, label = ((row.get(column) or "").strip() for column in ("area", "characteristic", "category"))
        characteristic = BY_KEY.get(key)
        if not area:
            problems.append(f"Line {line}: the area is empty")
            continue
        if characteristic is None:
            problems.append(f"Line {line}: “{key}” is not a characteristic we ask about "
                            f"(use one of {', '.join(BY_KEY)})")
            continue
        code = NOT_STATED if label.casefold() == NOT_STATED.casefold() else _code_for(characteristic, label)
        if code is None:
            problems.append(f"Line {line}: “{label}” is not a category of {characteristic.label.lower()}")
            continue
        try:
            percent = float((row.get("percent") or "").strip())
        except ValueError:
            problems.append(f"Line {line}: the percent must be a number, like 9.3")
            continue
        if not 0 <= percent <= 100:
            problems.append(f"Line {line}: the percent must be between 0 and 100")
            continue
        entry = found.setdefault((area, key), {"source": (row.get("source") or "").strip(), "percent": {}})
        if code in entry["percent"]:
            problems.append(f"Line {line}: {label} appears twice for {area}")
            continue
        entry["percent"][code] = percent
    if not found and not problems:
        problems.append("The file has no baseline rows")
    for (area, key), entry in found.items():
        total = sum(entry["percent"].values())
        if abs(total - 100) > SUM_TOLERANCE:
            problems.append(f"{area}, {BY_KEY[key].label.lower()}: the shares add up to {total:g}, not about 100")
    if problems:
        raise BaselineFileError(problems)
    areas: dict[str, dict[str, Shares]] = {}
    for (area, key), entry in found.items():
        percent = dict(entry["percent"])
        not_stated = percent.pop(NOT_STATED, 0.0)
        areas.setdefault(area, {})[key] = Shares(area, entry["source"], percent, not_stated)
    return areas


def combined(name: str, areas: dict[str, dict[str, Shares]]) -> Baseline:
    """For each characteristic, the most local area that has it."""
    baseline = Baseline(name)
    for area in sorted(areas, key=lambda area: area == NATIONAL_AREA):
        for key, shares in areas[area].items():
            baseline.by_characteristic.setdefault(key, shares)
    return baseline


@cache
def shipped() -> Baseline:
    return combined("Census 2021", parse(SHIPPED_FILE.read_bytes()))


def choices() -> list[tuple[str, str]]:
    """The baselines a report can be compared with: the census, then uploads, newest first."""
    uploaded = db.session.execute(select(UploadedBaseline.id, UploadedBaseline.name)
                                  .order_by(UploadedBaseline.uploaded_at.desc(), UploadedBaseline.id.desc())).all()
    return [("census", "Census 2021"), *((str(id_), name) for id_, name in uploaded)]


def chosen(choice: str | None) -> Baseline:
    """The baseline named by a report filter; the census when it names none we
    have, or names something no id can be (too big for the database, say)."""
    uploaded_id = whole_number(choice, lowest=1, highest=MAX_ID)
    uploaded = db.session.get(UploadedBaseline, uploaded_id) if uploaded_id is not None else None
    if uploaded is not None:
        return combined(uploaded.name, parse(uploaded.content.encode("utf-8")))
    return shipped()


def upload(name: str, stream, *, actor):
    """Check an uploaded baseline file and keep it; every problem is listed
    against the file with its line."""
    content = stream.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(f"The file must be smaller than {MAX_UPLOAD_BYTES // 1024} KB", field="file")
    try:
        parse(content)
    except BaselineFileError as error:
        raise DomainErrors([DomainError(problem, field="file") for problem in error.problems[:20]]) from None
    baseline = UploadedBaseline(name=name.strip(), content=content.decode("utf-8-sig"), uploaded_by_id=actor.id)
    db.session.add(baseline)
    db.session.flush()
    audit.record("baseline.upload", actor=actor, subject=baseline, details={"name": baseline.name})
    return baseline
