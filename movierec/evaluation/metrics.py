"""Ranking and rating metrics as small pure functions with stable names.

Every protocol and the report compute their numbers only through these functions, so a metric is
defined once and its unit tests (values worked out by hand) vouch for every table we publish.
Relevance is binary: a movie is relevant when it is in the user's test set, whatever the stars,
as in the Microsoft Recommenders ML-100k table we compare against.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np

NO_ITEM = -1
"""Padding in :func:`top_k_indices` when fewer than k items are allowed; never relevant."""


def _hits(recommended: Sequence[int], relevant: Collection[int], k: int) -> list[bool]:
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    return [item in relevant for item in list(recommended)[:k]]


def _require_relevant(relevant: Collection[int], metric: str) -> None:
    if len(relevant) == 0:
        raise ValueError(f"{metric} is undefined for a user with no relevant items; skip such users")


def precision_at_k(recommended: Sequence[int], relevant: Collection[int], k: int) -> float:
    """Share of the k slots filled with relevant items (a short list still divides by k)."""
    return sum(_hits(recommended, relevant, k)) / k


def recall_at_k(recommended: Sequence[int], relevant: Collection[int], k: int) -> float:
    """Share of the relevant items found in the first k recommendations."""
    _require_relevant(relevant, "recall@k")
    return sum(_hits(recommended, relevant, k)) / len(relevant)


def ndcg_at_k(recommended: Sequence[int], relevant: Collection[int], k: int) -> float:
    """Binary-relevance nDCG; the ideal list puts min(k, |relevant|) hits first."""
    _require_relevant(relevant, "nDCG@k")
    dcg = sum(1.0 / math.log2(rank + 2) for rank, hit in enumerate(_hits(recommended, relevant, k)) if hit)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(k, len(relevant))))
    return dcg / ideal


def average_precision_at_k(recommended: Sequence[int], relevant: Collection[int], k: int) -> float:
    """AP@k (averaged over users it is MAP@k): precision at each hit, over min(k, |relevant|)."""
    _require_relevant(relevant, "AP@k")
    found = 0
    total = 0.0
    for rank, hit in enumerate(_hits(recommended, relevant, k)):
        if hit:
            found += 1
            total += found / (rank + 1)
    return total / min(k, len(relevant))


def rmse(predicted: Sequence[float] | np.ndarray, actual: Sequence[float] | np.ndarray) -> float:
    """Root mean squared error between predicted and true stars."""
    predicted_array = np.asarray(predicted, dtype=np.float64)
    actual_array = np.asarray(actual, dtype=np.float64)
    if predicted_array.shape != actual_array.shape:
        raise ValueError(f"rmse needs equal shapes, got {predicted_array.shape} and {actual_array.shape}")
    if predicted_array.size == 0:
        raise ValueError("rmse of no ratings is undefined")
    return float(np.sqrt(np.mean((predicted_array - actual_array) ** 2)))


def target_ranks(scores: np.ndarray, target_columns: Sequence[int] | np.ndarray) -> np.ndarray:
    """Zero-based rank of each row's target column; ties count against the target.

    Counting ties against the target keeps constant or coarse scores (e.g. rating counts) from
    looking better than they are: a scorer that gives everything the same score ranks every target last.
    """
    scores = np.asarray(scores)
    targets = np.asarray(target_columns, dtype=np.int64)
    if scores.ndim != 2 or targets.shape != (scores.shape[0],):
        raise ValueError(f"need scores [n, m] and n targets, got {scores.shape} and {targets.shape}")
    target_scores = scores[np.arange(len(targets)), targets][:, None]
    ahead = (scores > target_scores).sum(axis=1)
    tied_others = (scores == target_scores).sum(axis=1) - 1
    return ahead + tied_others


def top_k_hit(scores: np.ndarray, target_column: int, k: int) -> bool:
    """Factorized top-k accuracy for one query (as TFRS's FactorizedTopK): is the target in the top k?"""
    return bool(target_ranks(np.asarray(scores)[None, :], [target_column])[0] < k)


def top_k_indices(scores: np.ndarray, k: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """Columns of the k best scores per row, best first; ``exclude`` (bool, same shape) is never picked.

    Uses ``np.argpartition`` so a row costs O(m) rather than a full sort. Rows with fewer than k
    allowed columns are padded with :data:`NO_ITEM`.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"need a score matrix [n, m], got shape {scores.shape}")
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    if exclude is not None:
        scores = np.where(exclude, -np.inf, scores)
    k_taken = min(k, scores.shape[1])
    candidates = np.argpartition(-scores, k_taken - 1, axis=1)[:, :k_taken]
    candidate_scores = np.take_along_axis(scores, candidates, axis=1)
    order = np.argsort(-candidate_scores, axis=1, kind="stable")
    best = np.take_along_axis(candidates, order, axis=1)
    best_scores = np.take_along_axis(candidate_scores, order, axis=1)
    if exclude is not None:
        best = np.where(np.isneginf(best_scores), NO_ITEM, best)
    padding = np.full((scores.shape[0], k - k_taken), NO_ITEM, dtype=best.dtype)
    return np.concatenate([best, padding], axis=1)


def mean_and_std(values: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value) of repeated runs."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        raise ValueError("mean_and_std of no values is undefined")
    std = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return float(array.mean()), std
