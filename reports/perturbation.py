"""The cell key method: the noise every count from equality data carries
before anyone sees it, as the ONS used for Census 2021 outputs.

Every person counted has a record key, a number from 0 to 255 that looks
random but is fixed for that person (a keyed hash of who they are, under a
secret the site keeps: REPORT_RECORD_KEY_SECRET). A cell's key is the sum of
the record keys of the people in it, modulo 256. The change made to a count
is read from the published perturbation table below, by the count and the
cell key. So:

- the same people in a cell always give the same published figure, on every
  page, CSV, PDF, chart and open-data file, however often it is asked for;
- two overlapping reports cannot be subtracted to an exact count: each of
  their cells carries its own change, and the difference carries both;
- a count is moved by at most MAX_CHANGE, and a count of 3 or more is moved
  up as often and as far as down, so large figures stay unbiased.

Zero stays zero (an empty cell has no records), and a count of 1 or 2 never
becomes 0: a published 0 means nobody."""
from dataclasses import dataclass

from core.i18n import _

KEYS = 256
MAX_CHANGE = 2
# (change, how many of the 256 cell keys give it), for a true count of 1, of 2, and of 3 or more.
TABLE = {
    1: ((0, 154), (1, 77), (2, 25)),
    2: ((-1, 51), (0, 128), (1, 51), (2, 26)),
    3: ((-2, 13), (-1, 51), (0, 128), (1, 51), (2, 13)),
}


@dataclass(frozen=True)
class Cell:
    """A count of people and the sum of their record keys (any size: only its remainder matters)."""
    count: int
    key_sum: int = 0

    def __add__(self, other: "Cell") -> "Cell":
        return Cell(self.count + other.count, self.key_sum + other.key_sum)

    @property
    def key(self) -> int:
        return int(self.key_sum % KEYS)  # PostgreSQL's sums arrive as Decimal


EMPTY = Cell(0, 0)


def _row(count: int):
    return TABLE[min(count, 3)]


# The table read out for each cell key in turn: {true count up to 3: (change for key 0, for key 1, ...)}.
_BY_KEY = {count: tuple(amount for amount, keys in row for _key in range(keys)) for count, row in TABLE.items()}


def change(count: int, key: int) -> int:
    """The change the table gives a true count with this cell key."""
    if count == 0:
        return 0
    if not 0 <= key < KEYS:
        raise ValueError(f"cell key {key} is outside 0-{KEYS - 1}")
    return _BY_KEY[min(count, 3)][key]


def perturb(cell: Cell) -> int:
    """The one way a count from equality data becomes a figure people see."""
    return cell.count + change(cell.count, cell.key)


def possible_counts(published: int) -> range | tuple[int, ...]:
    """Every true count that could have been published as `published`:
    what someone who knows this table can tell from one figure."""
    if published == 0:
        return (0,)
    return tuple(count for count in range(max(1, published - MAX_CHANGE), published + MAX_CHANGE + 1)
                 if any(count + amount == published for amount, _keys in _row(count)))


def published_table() -> list[tuple[str, list[tuple[int, float]]]]:
    """The table as the methodology page shows it: for each true count, each
    change and how likely it is."""
    # Translators: a true count, in the first column of the table of changes on the methodology page.
    labels = {1: "1", 2: "2", 3: _("3 or more")}
    return [(labels[count], [(amount, keys / KEYS) for amount, keys in row]) for count, row in TABLE.items()]
