"""Hand-checked values for every metric in movierec.evaluation.metrics."""

import math

import numpy as np
import pytest

from movierec.evaluation.metrics import (
    NO_ITEM, average_precision_at_k, mean_and_std, ndcg_at_k, precision_at_k, recall_at_k, rmse,
    target_ranks, top_k_hit, top_k_indices,
)

# Shared example: recommended [10, 20, 30, 40, 50], relevant {20, 50, 99}; hits at ranks 2 and 5.
RECOMMENDED = [10, 20, 30, 40, 50]
RELEVANT = {20, 50, 99}


def test_precision_at_k() -> None:
    # top 3 = [10, 20, 30] -> one hit (20) -> 1/3
    assert precision_at_k(RECOMMENDED, RELEVANT, 3) == pytest.approx(1 / 3)
    # top 5 -> hits 20, 50 -> 2/5
    assert precision_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx(0.4)
    # a list shorter than k still divides by k: 2 hits / 10 slots
    assert precision_at_k(RECOMMENDED, RELEVANT, 10) == pytest.approx(0.2)


def test_recall_at_k() -> None:
    # top 3 finds 1 of 3 relevant; top 5 finds 2 of 3
    assert recall_at_k(RECOMMENDED, RELEVANT, 3) == pytest.approx(1 / 3)
    assert recall_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx(2 / 3)


def test_ndcg_at_k() -> None:
    # DCG@5 = 1/log2(3) + 1/log2(6) = 0.63093 + 0.38685 = 1.01778
    # IDCG over min(5, 3) = 3 hits: 1 + 1/log2(3) + 1/log2(4) = 1 + 0.63093 + 0.5 = 2.13093
    assert ndcg_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx(1.01778 / 2.13093, abs=1e-5)
    # k = 2: DCG = 1/log2(3) = 0.63093; ideal over min(2, 3) = 2: 1 + 0.63093 -> 0.38685
    assert ndcg_at_k(RECOMMENDED, RELEVANT, 2) == pytest.approx(0.63093 / 1.63093, abs=1e-5)
    # a perfect list scores exactly 1
    assert ndcg_at_k([20, 50, 99, 1], RELEVANT, 4) == pytest.approx(1.0)


def test_average_precision_at_k() -> None:
    # hits at rank 2 (precision 1/2) and rank 5 (precision 2/5); normalised by min(5, 3) = 3
    # (0.5 + 0.4) / 3 = 0.3
    assert average_precision_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx(0.3)
    # k = 2: one hit at rank 2 -> 0.5 / min(2, 3) = 0.25
    assert average_precision_at_k(RECOMMENDED, RELEVANT, 2) == pytest.approx(0.25)
    assert average_precision_at_k([99, 20, 50], RELEVANT, 3) == pytest.approx(1.0)


def test_undefined_metrics_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="no relevant items"):
        ndcg_at_k(RECOMMENDED, set(), 5)
    with pytest.raises(ValueError, match="k must be positive"):
        precision_at_k(RECOMMENDED, RELEVANT, 0)
    with pytest.raises(ValueError, match="no ratings"):
        rmse([], [])
    with pytest.raises(ValueError, match="equal shapes"):
        rmse([1.0], [1.0, 2.0])


def test_rmse() -> None:
    # errors 1, -1, 2 -> squares 1, 1, 4 -> mean 2 -> sqrt 2
    assert rmse([4.0, 2.0, 5.0], [3.0, 3.0, 3.0]) == pytest.approx(math.sqrt(2))


def test_target_ranks_and_top_k_hit() -> None:
    scores = np.array([[0.1, 0.9, 0.5, 0.7],
                       [1.0, 1.0, 1.0, 1.0]])
    # row 0 target column 2 (0.5): 0.9 and 0.7 are ahead -> rank 2
    # row 1 constant scores, target column 0: the 3 ties count against it -> rank 3
    assert target_ranks(scores, [2, 0]).tolist() == [2, 3]
    assert not top_k_hit(scores[0], 2, 2)
    assert top_k_hit(scores[0], 2, 3)
    assert top_k_hit(scores[0], 1, 1)


def test_top_k_indices_orders_and_masks() -> None:
    scores = np.array([[0.1, 0.9, 0.5, 0.7],
                       [0.4, 0.3, 0.2, 0.1]])
    assert top_k_indices(scores, 2).tolist() == [[1, 3], [0, 1]]
    exclude = np.array([[False, True, False, False],
                        [True, True, True, False]])
    # row 0 without column 1: 0.7 (col 3), 0.5 (col 2); row 1 keeps only column 3, then padding
    assert top_k_indices(scores, 2, exclude).tolist() == [[3, 2], [3, NO_ITEM]]
    # asking for more than the catalog pads too
    assert top_k_indices(scores[:1], 5).tolist() == [[1, 3, 2, 0, NO_ITEM]]


def test_mean_and_std() -> None:
    # values 1, 2, 3: mean 2, sample variance (1 + 0 + 1) / 2 = 1 -> std 1
    assert mean_and_std([1.0, 2.0, 3.0]) == pytest.approx((2.0, 1.0))
    assert mean_and_std([0.9]) == (0.9, 0.0)
