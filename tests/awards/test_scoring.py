"""The judging arithmetic against values worked out by hand."""
import pytest

from awards.scoring import category_results, weighted_score

# Three judges' weighted scores for three nominations (nomination, judge, score).
# Judge 10 marks generously, judge 20 harshly, judge 30 disagrees with both.
SHEETS = [(1, 10, 5.0), (2, 10, 3.0), (3, 10, 1.0),
          (1, 20, 3.0), (2, 20, 2.0), (3, 20, 1.0),
          (1, 30, 2.0), (2, 30, 4.0), (3, 30, 3.0)]


def test_weighted_score_weights_each_criterion():
    # (4 x 2 + 1 x 1) / (2 + 1)
    assert weighted_score({1: 4, 2: 1}, {1: 2, 2: 1}) == 3.0


def test_raw_scores_spread_and_deviation_by_hand():
    results, normalised = category_results(SHEETS, [1, 2, 3], min_per_judge=4)
    assert normalised is False  # each judge scored 3 < 4
    first = results[0]
    # Mean of 5, 3, 2 is 10/3; spread 5 - 2; population deviation sqrt(14/9).
    assert (first.nomination_id, first.scores) == (1, 3)
    assert first.raw == pytest.approx(10 / 3)
    assert first.spread == 3.0
    assert first.deviation == pytest.approx((14 / 9) ** 0.5)
    assert first.normalised is None
    assert [(r.nomination_id, r.rank) for r in results] == [(1, 1), (2, 2), (3, 3)]  # by raw: 3.33, 3.00, 1.67


def test_normalised_scores_by_hand_and_ties_share_a_rank():
    results, normalised = category_results(SHEETS, [1, 2, 3], min_per_judge=3)
    assert normalised is True
    # Judge 10's scores 5, 3, 1: mean 3, deviation sqrt(8/3), so 5 is 2 / sqrt(8/3) = 1.2247 deviations up.
    z = 2 / (8 / 3) ** 0.5
    by_id = {r.nomination_id: r for r in results}
    # Judge 10: z = (+1.2247, 0, -1.2247); judge 20: the same; judge 30: (-1.2247, +1.2247, 0).
    assert by_id[1].normalised == pytest.approx((z + z - z) / 3)
    assert by_id[2].normalised == pytest.approx((0 + 0 + z) / 3)
    assert by_id[3].normalised == pytest.approx((-z - z + 0) / 3)
    # Normalised, nominations 1 and 2 tie (0.408 each): both first, then third.
    assert [(r.nomination_id, r.rank) for r in results] == [(1, 1), (2, 1), (3, 3)]


def test_a_judge_who_scores_everyone_alike_counts_as_average():
    results, normalised = category_results([(1, 10, 4.0), (2, 10, 4.0), (1, 20, 5.0), (2, 20, 1.0)], [1, 2],
                                           min_per_judge=2)
    by_id = {r.nomination_id: r for r in results}
    assert normalised and by_id[1].normalised == pytest.approx(0.5) and by_id[2].normalised == pytest.approx(-0.5)


def test_unscored_nominations_come_last_without_a_rank():
    results, _ = category_results([(1, 10, 4.0)], [1, 2], min_per_judge=3)
    assert [(r.nomination_id, r.rank, r.scores, r.raw) for r in results] == [(1, 1, 1, 4.0), (2, None, 0, None)]


def test_a_judge_expected_to_score_who_has_scored_nothing_stops_normalisation():
    results, normalised = category_results(SHEETS, [1, 2, 3], min_per_judge=3, judges=[10, 20, 30, 99])
    assert normalised is False and all(r.normalised is None for r in results)
    _, normalised = category_results(SHEETS, [1, 2, 3], min_per_judge=3, judges=[10, 20, 30])
    assert normalised is True
