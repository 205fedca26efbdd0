"""Small-number suppression over perturbed counts, attacked. For random
tables, someone who knows how the figures add up (categories to
"answered"; answered, prefer not to say and not answered to the total),
the exact number of people counted, the published perturbation table, and
that "not answered" is at least the people the response rate says answered
nothing, tries every set of true counts, and every perturbation of them,
consistent with everything published. Each hidden count must still have at
least two possible true values and two possible published ones."""
import itertools

from hypothesis import example, given, note, settings
from hypothesis import strategies as st

from core.equality.services import NOT_ANSWERED, PREFER_NOT_TO_SAY, SEX
from reports.baselines import Baseline
from reports.perturbation import MAX_CHANGE, TABLE, Cell, perturb
from reports.services import characteristic_table
from reports.suppression import Line, suppress

THRESHOLD = 5
ROWS = ("female", "male", PREFER_NOT_TO_SAY, NOT_ANSWERED)
ANSWERED = ("female", "male")


def consistent(published, value) -> bool:
    if published == f"<{THRESHOLD}":
        return 1 <= value < THRESHOLD
    if published == "[c]":
        return value >= THRESHOLD
    return published == value


def perturbations(true: int) -> set[int]:
    """Every figure the published table can make of a true count."""
    return {0} if true == 0 else {true + change for change, _ in TABLE[min(true, 3)]}


def possible_worlds(shown, head_count, floor, cap):
    """Every (true counts, published counts) pair that publishes the same figures."""
    for free in itertools.product(range(cap + 1), repeat=len(ROWS) - 1):
        true = dict(zip(ROWS, (*free, head_count - sum(free))))
        if true[NOT_ANSWERED] < max(floor, 0):
            continue
        choices = [[p for p in perturbations(true[row]) if consistent(shown(row), p)] for row in ROWS]
        for values in itertools.product(*choices):
            published = dict(zip(ROWS, values))
            if consistent(shown("answered"), sum(published[row] for row in ANSWERED)) and \
                    consistent(shown("total"), sum(values)):
                yield true, published


@settings(max_examples=150, deadline=None)
@given(counts=st.lists(st.integers(min_value=0, max_value=9), min_size=4, max_size=4),
       keys=st.lists(st.integers(min_value=0, max_value=255), min_size=5, max_size=5),
       answered_nothing=st.integers(min_value=0, max_value=9))
# Three people, one in each of three rows, published 3, 0, 3 and 1: each row's
# perturbed figure is hidden, but the exact head count of 3 leaves one
# person per row. Found by comparing suppression with and without TrueScale.
@example(counts=[1, 0, 1, 1], keys=[240, 0, 240, 0, 0], answered_nothing=0)
def test_no_hidden_count_can_be_worked_out(counts, keys, answered_nothing):
    by_row = dict(zip(ROWS, counts))
    head_count = sum(counts)
    nonrespondents = min(answered_nothing, by_row[NOT_ANSWERED])
    respondents = perturb(Cell(head_count - nonrespondents, keys[4]))
    published_rate = min(respondents, head_count - respondents) >= THRESHOLD
    floor = head_count - respondents - MAX_CHANGE if published_rate else 0
    note(f"counts={by_row} respondents shown={respondents if published_rate else None}")
    table = characteristic_table(
        SEX, {row: {"came": Cell(n, key)} for (row, n), key in zip(by_row.items(), keys)}, ("came",),
        {"came": head_count}, {"came": {NOT_ANSWERED: floor} if published_rate else {}}, Baseline("none"), THRESHOLD)

    def shown(row):
        return table.shown(row, "came")

    published = [shown(row) for row in (*ROWS, "answered", "total")]
    assert not any(value in range(1, THRESHOLD) for value in published)
    if table.withheld("came"):
        return
    hidden = [row for row in ROWS if shown(row) in (f"<{THRESHOLD}", "[c]")]
    true_values, published_values = {row: set() for row in hidden}, {row: set() for row in hidden}
    for true, perturbed in possible_worlds(shown, head_count, floor, cap=head_count):
        for row in hidden:
            true_values[row].add(true[row])
            published_values[row].add(perturbed[row])
    assert all(len(true_values[row]) >= 2 for row in hidden), f"a true count can be worked out: {true_values}"
    assert all(len(published_values[row]) >= 2 for row in hidden), f"a hidden figure can be worked out: " \
                                                                     f"{published_values}"


def test_a_column_with_fewer_people_than_the_threshold_is_withheld():
    table = characteristic_table(SEX, {"female": {"came": Cell(3, 0)}}, ("came",), {"came": 3}, {"came": {}},
                                 Baseline("none"), THRESHOLD)
    assert table.withheld("came") and table.shown("total", "came") == "[c]"


def test_one_small_count_and_a_total_hides_a_second_count():
    result = suppress({"a": 3, "b": 20, "total": 23}, [Line(("a", "b"), "total")], THRESHOLD)
    assert [result.shown(key) for key in ("a", "b", "total")] == ["<5", "[c]", 23]


def test_a_secondary_count_just_over_the_threshold_is_not_enough_on_its_own():
    # a is 1 to 4 and b at least 5, adding to 6: a could only be 1. So the total goes too.
    result = suppress({"a": 1, "b": 5, "total": 6}, [Line(("a", "b"), "total")], THRESHOLD)
    assert [result.shown(key) for key in ("a", "b", "total")] == ["<5", "[c]", "[c]"]
    # When the total is a head count published elsewhere, nothing can protect a: the table is withheld.
    result = suppress({"a": 1, "b": 5, "total": 6}, [Line(("a", "b"), "total")], THRESHOLD,
                      fixed=frozenset({"total"}))
    assert result.withheld


def test_nothing_small_means_nothing_hidden():
    result = suppress({"a": 0, "b": 7, "total": 7}, [Line(("a", "b"), "total")], THRESHOLD)
    assert [result.shown(key) for key in ("a", "b", "total")] == [0, 7, 7]
