"""The arithmetic of judging, as pure functions: a judge's weighted score
for a nomination, and a category's results with raw and normalised scores.

Normalisation answers "this judge marks everyone high": each judge's scores
are turned into z-scores (how far above or below that judge's own average,
in that judge's standard deviations) and a nomination's normalised score is
the mean of its z-scores. It is only fair when every judge has scored enough
nominations for their average to mean something, so below `min_per_judge`
it is not applied at all and the results say so. "Every judge" is every
judge expected to score (`judges`), not only those who have: a judge who has
scored nothing yet has scored fewer than `min_per_judge`.
"""
from collections.abc import Iterable
from collections import defaultdict
from dataclasses import dataclass
from statistics import mean, pstdev


def weighted_score(values: dict[int, int], weights: dict[int, int]) -> float:
    """The weighted mean of one judge's criterion scores for one nomination."""
    total = sum(weights[criterion] for criterion in values)
    return sum(values[criterion] * weights[criterion] for criterion in values) / total


@dataclass(frozen=True)
class Result:
    nomination_id: int
    scores: int                      # how many judges' submitted scores
    raw: float | None                # mean of the judges' weighted scores
    spread: float | None             # highest minus lowest
    deviation: float | None          # population standard deviation of the judges' scores
    normalised: float | None         # mean z-score, when normalisation applies
    rank: int | None = None          # 1 is best; nominations that tie share a rank


def category_results(sheets: list[tuple[int, int, float]], nomination_ids: list[int], *,
                     min_per_judge: int, judges: Iterable[int] = ()) -> tuple[list[Result], bool]:
    """Results for one category from (nomination, judge, weighted score)
    triples of submitted sheets, `judges` being those expected to score
    (whether or not they have). Returns the ranked results (unscored
    nominations last, unranked) and whether normalisation was applied."""
    by_nomination: dict[int, dict[int, float]] = defaultdict(dict)
    by_judge: dict[int, dict[int, float]] = {judge_id: {} for judge_id in judges}
    for nomination_id, judge_id, score in sheets:
        by_nomination[nomination_id][judge_id] = score
        by_judge.setdefault(judge_id, {})[nomination_id] = score
    normalising = bool(by_judge) and all(len(scored) >= min_per_judge for scored in by_judge.values())
    z = _z_scores(by_judge) if normalising else {}
    results = []
    for nomination_id in nomination_ids:
        given = by_nomination.get(nomination_id, {})
        values = list(given.values())
        results.append(Result(
            nomination_id=nomination_id, scores=len(values),
            raw=mean(values) if values else None,
            spread=max(values) - min(values) if values else None,
            deviation=pstdev(values) if values else None,
            normalised=mean(z[(nomination_id, judge)] for judge in given) if normalising and values else None))
    return _ranked(results, by="normalised" if normalising else "raw"), normalising


def _z_scores(by_judge: dict[int, dict[int, float]]) -> dict[tuple[int, int], float]:
    z = {}
    for judge_id, scored in by_judge.items():
        if not scored:
            continue
        centre, spread = mean(scored.values()), pstdev(scored.values())
        for nomination_id, score in scored.items():
            # A judge who gave everyone the same score says nothing about order: all zero.
            z[(nomination_id, judge_id)] = (score - centre) / spread if spread else 0.0
    return z


def _ranked(results: list[Result], *, by: str) -> list[Result]:
    """Best first, by the chosen score rounded to 3 places so that ties are
    ties; equal scores share a rank (1, 2, 2, 4)."""
    scored = sorted((r for r in results if getattr(r, by) is not None),
                    key=lambda r: (-round(getattr(r, by), 3), r.nomination_id))
    ranked, previous, rank = [], None, 0
    for position, result in enumerate(scored, start=1):
        key = round(getattr(result, by), 3)
        if key != previous:
            rank, previous = position, key
        ranked.append(Result(**{**result.__dict__, "rank": rank}))
    return ranked + [r for r in results if getattr(r, by) is None]
