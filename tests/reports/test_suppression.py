"""Small-number suppression, attacked. For random tables, someone who knows
how the figures add up (categories to "answered"; answered, prefer not to
say and not answered to the total; "not answered" at least the people who
answered nothing) tries every set of counts consistent with everything
published. Each count shown as "<5" must still have at least two possible
values: none can be worked out."""
import itertools

from hypothesis import given, note, settings
from hypothesis import strategies as st

from core.equality import NOT_ANSWERED, PREFER_NOT_TO_SAY, SEX
from reports.baselines import Baseline
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


def possible_worlds(shown, floors, cap):
    """Every set of counts for the rows that publishes the same figures."""
    domains = []
    for row in ROWS:
        low = max(floors, default=0) if row == NOT_ANSWERED else 0
        domains.append([value for value in range(low, cap + 1) if consistent(shown(row), value)])
    for values in itertools.product(*domains):
        world = dict(zip(ROWS, values))
        if consistent(shown("answered"), sum(world[row] for row in ANSWERED)) and \
                consistent(shown("total"), sum(values)):
            yield world


@settings(max_examples=300, deadline=None)
@given(counts=st.lists(st.integers(min_value=0, max_value=12), min_size=4, max_size=4),
       answered_nothing=st.integers(min_value=0, max_value=12), walk_ins=st.integers(min_value=0, max_value=12),
       publish_response_rate=st.booleans())
def test_no_hidden_count_can_be_worked_out(counts, answered_nothing, walk_ins, publish_response_rate):
    by_row = dict(zip(ROWS, counts))
    total = sum(counts)
    # Walk-ins answered nothing; both are "not answered", and both may be known to whoever reads the report.
    walk_ins = min(walk_ins, by_row[NOT_ANSWERED])
    nonrespondents = max(walk_ins, min(answered_nothing, by_row[NOT_ANSWERED]))
    floors = [nonrespondents, walk_ins] if publish_response_rate else [walk_ins]
    note(f"counts={by_row} floors={floors}")
    table = characteristic_table(SEX, {row: {"came": n} for row, n in by_row.items()}, ("came",),
                                 {"came": total}, {"came": floors}, Baseline("none"), THRESHOLD)

    def shown(row):
        return table.shown(row, "came")

    published = [shown(row) for row in (*ROWS, "answered", "total")]
    assert not any(value in range(1, THRESHOLD) for value in published)
    if table.withheld("came"):
        return
    assert shown("total") == total  # the head count is always published with the table
    hidden = [row for row in ROWS if shown(row) == f"<{THRESHOLD}"]
    seen = {row: set() for row in hidden}
    for world in possible_worlds(shown, floors, cap=total + THRESHOLD):
        for row in hidden:
            seen[row].add(world[row])
    for row, values in seen.items():
        assert len(values) >= 2, f"{row} can be worked out: it must be {values}"


def test_a_column_with_fewer_people_than_the_threshold_is_withheld():
    table = characteristic_table(SEX, {"female": {"came": 3}}, ("came",), {"came": 3}, {"came": []},
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
