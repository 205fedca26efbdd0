"""Small-number suppression: no published figure lets anyone work out a count
from 1 to threshold-1, or the true count behind a hidden one.

Each published table is one group of people counted one way, so its sums
form a tree: the categories add up to "answered"; answered, "prefer not to
say" and "not answered" add up to the total; and, when the response rate is
published, "not answered" is at least the people who answered nothing. The
total is the group's head count, published everywhere, so it is fixed.

Counts from 1 to threshold-1 are hidden (primary suppression, shown "<5").
Then, while anyone could still pin a hidden count down from the sums, one
more count in its sum is hidden too (secondary suppression, shown "[c]"):
the smallest non-zero one. If nothing is left to hide, the whole table is
withheld.

"Pinning down" is checked as someone trying it would: every hidden count
lies in what it is known to be (1 to threshold-1 for "<5", at least the
threshold for "[c]") and each sum narrows the range of its parts from the
others, repeated until nothing changes. On a tree of sums like these, that
narrowing finds exactly the values still possible (tests/reports/
test_suppression.py checks it against trying every combination). Tables are
never tied to each other except through fixed head counts, which is why the
reports publish who came and who did not come (two separate groups), and not
registrations by category as well.

The counts suppressed here are perturbed already (perturbation.py), so a
table also has a true side: each true count lies within the noise of its
published one (zero exactly), and the true counts of a table's rows add up
to the group's head count, which is published exactly. `TrueScale` says
that; a hidden count whose true value could still be pinned down from it
is protected the same way, by hiding one more count."""
from dataclasses import dataclass, field
from typing import Hashable

Key = Hashable
PRIMARY_MARK = "<{threshold}"
SECONDARY_MARK = "[c]"


class NothingLeftToHide(Exception):
    pass


@dataclass(frozen=True)
class Line:
    parts: tuple[Key, ...]
    total: Key


@dataclass(frozen=True)
class TrueScale:
    """What anyone knows of the true counts behind the perturbed ones: each
    differs from its published figure by at most `noise` (and zero is
    exact); `rows` add up to `total` when that is published (None: not
    known); floors[row]: the true count is known to be at least this."""
    rows: tuple[Key, ...]
    total: int | None
    noise: int
    floors: dict = field(default_factory=dict)


@dataclass
class Suppressed:
    counts: dict[Key, int]
    threshold: int
    primary: set[Key] = field(default_factory=set)
    secondary: set[Key] = field(default_factory=set)
    # Nothing of the table is published: too few people, or no pattern of
    # hidden cells could protect it.
    withheld: bool = False

    def hidden(self, key: Key) -> bool:
        return self.withheld or key in self.primary or key in self.secondary

    def shown(self, key: Key) -> int | str:
        """The count as published: a number, "<5" or "[c]"."""
        if self.withheld:
            return SECONDARY_MARK
        if key in self.primary:
            return PRIMARY_MARK.format(threshold=self.threshold)
        if key in self.secondary:
            return SECONDARY_MARK
        return self.counts[key]

    def value(self, key: Key) -> int | None:
        """The count when it is published, else None."""
        return None if self.hidden(key) else self.counts[key]

    def share(self, key: Key, base: Key) -> float | None:
        """key as a share of base, withheld when either is hidden or the base is small."""
        part, whole = self.value(key), self.value(base)
        if part is None or whole is None or whole < self.threshold:
            return None
        return part / whole


def known_ranges(counts: dict[Key, int], lines: list[Line], hidden: dict[Key, str], threshold: int,
                 unpublished: frozenset = frozenset()) -> dict[Key, tuple[int, int]]:
    """What someone who sees the published figures can tell about each
    count. `hidden` maps hidden keys to "primary" or "secondary";
    `unpublished` counts are never shown but tie others together."""
    # Nobody outside knows how big an unbounded count can be; assuming they
    # know a bound (a little over everything counted) only makes the check
    # stricter.
    unbounded = 2 * sum(counts.values()) + threshold
    ranges = {}
    for key, count in counts.items():
        if key in unpublished:
            ranges[key] = (0, unbounded)
        elif hidden.get(key) == "primary":
            ranges[key] = (1, threshold - 1)
        elif hidden.get(key) == "secondary":
            ranges[key] = (threshold, unbounded)
        else:
            ranges[key] = (count, count)
    return _narrow(ranges, lines)


def _narrow(ranges: dict, lines: list[Line]) -> dict:
    """Narrow each range by every sum it is in, until nothing changes."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            parts = [ranges[part] for part in line.parts]
            low_sum, high_sum = sum(low for low, _ in parts), sum(high for _, high in parts)
            total_low, total_high = ranges[line.total]
            total_low, total_high = max(total_low, low_sum), min(total_high, high_sum)
            if (total_low, total_high) != ranges[line.total]:
                ranges[line.total], changed = (total_low, total_high), True
            for part, (low, high) in zip(line.parts, parts):
                narrowed = (max(low, total_low - (high_sum - high)), min(high, total_high - (low_sum - low)))
                if narrowed != ranges[part]:
                    ranges[part], changed = narrowed, True
    return ranges


def true_ranges(published: dict[Key, tuple[int, int]], truth: TrueScale, unbounded: int) -> dict:
    """What someone can tell about each true count from the ranges the
    published (perturbed) figures allow."""
    ranges = {}
    for row in truth.rows:
        low, high = published[row]
        ranges[row] = (0, 0) if high == 0 else (max(1, low - truth.noise), high + truth.noise)
    lines = []
    if truth.total is not None:
        ranges["true total"] = (truth.total, truth.total)
        lines.append(Line(truth.rows, "true total"))
    for row, floor in truth.floors.items():
        ranges[("true floor", row)], ranges[("true rest", row)] = (floor, floor), (0, unbounded)
        lines.append(Line((("true floor", row), ("true rest", row)), row))
    return _narrow(ranges, lines)


def suppress(counts: dict[Key, int], lines: list[Line], threshold: int, *,
             unpublished: frozenset = frozenset(), fixed: frozenset = frozenset(),
             truth: TrueScale | None = None) -> Suppressed:
    """Hide what must be hidden. `fixed` counts are known anyway (head
    counts published elsewhere), so they are never hidden here."""
    result = Suppressed(counts=counts, threshold=threshold)
    result.primary = {key for key, count in counts.items()
                      if 0 < count < threshold and key not in unpublished and key not in fixed}
    while True:
        disclosed = _disclosed(result, lines, unpublished, truth)
        if not disclosed:
            return result
        try:
            _hide_one_more(result, disclosed[0], lines, unpublished, fixed)
        except NothingLeftToHide:
            result.withheld = True
            return result


def _disclosed(result: Suppressed, lines: list[Line], unpublished: frozenset, truth: TrueScale | None) -> list:
    """The hidden counts someone could pin to one value: the published figure,
    or (with `truth`) the true count behind it."""
    hidden = {key: "primary" for key in result.primary} | {key: "secondary" for key in result.secondary}
    ranges = known_ranges(result.counts, lines, hidden, result.threshold, unpublished)
    disclosed = {key for key in result.primary if ranges[key][0] == ranges[key][1]}
    if truth is not None:
        true = true_ranges(ranges, truth, 2 * sum(result.counts.values()) + result.threshold)
        disclosed |= {key for key in truth.rows if key in hidden and true[key][0] == true[key][1]}
    return sorted(disclosed, key=str)


def _hide_one_more(result: Suppressed, key: Key, lines: list[Line], unpublished: frozenset,
                   fixed: frozenset) -> None:
    """Protect `key`: hide the smallest count still shown in a sum it
    belongs to. When everything in its sums is hidden already, look one
    step further: the sums of the hidden counts that tie it down."""
    reached, frontier = {key}, [key]
    while frontier:
        candidates, next_frontier = [], []
        for cell in frontier:
            for line in lines:
                if cell not in line.parts and cell != line.total:
                    continue
                for member in (*line.parts, line.total):
                    if member in reached:
                        continue
                    if member in unpublished or result.hidden(member):
                        reached.add(member)
                        next_frontier.append(member)
                    elif member not in fixed and result.counts[member] > 0:
                        candidates.append((result.counts[member], str(member), member))
        if candidates:
            result.secondary.add(min(candidates)[2])
            return
        frontier = next_frontier
    raise NothingLeftToHide(key)
