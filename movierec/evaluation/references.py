"""Published numbers we compare against and the targets of the issue, in the report's metric keys.

Kept as data beside the report so the Markdown tables, the plots and the met/missed verdicts read
the same numbers, and a new reference is one line.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

PROTOCOLS = ("tfrs", "top_n", "new_users")


@dataclass(frozen=True)
class Reference:
    """A number somebody published (or we measured before) under the same protocol."""

    protocol: str
    source: str
    metric: str
    value: float


@dataclass(frozen=True)
class Target:
    """A goal of the issue, judged on the best non-baseline model of the run."""

    protocol: str
    metric: str
    comparison: str  # ">=", ">" or "<="
    threshold: float
    label: str

    def met_by(self, value: float) -> bool:
        return COMPARISONS[self.comparison](value, self.threshold)


COMPARISONS: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, ">": operator.gt, "<=": operator.le}

LOWER_IS_BETTER_PREFIX = "rmse"
"""Metrics whose key starts with this are errors: smaller wins."""


def lower_is_better(metric: str) -> bool:
    return metric.startswith(LOWER_IS_BETTER_PREFIX)


REFERENCES: tuple[Reference, ...] = (
    Reference("tfrs", "TFRS basic retrieval tutorial", "factorized_top_100", 0.233),
    Reference("tfrs", "TFRS basic ranking tutorial", "rmse", 1.10),
    Reference("tfrs", "TFRS DCN tutorial", "rmse", 0.933),
    Reference("tfrs", "original notebooks, joint model", "factorized_top_10", 0.147),
    Reference("tfrs", "original notebooks, joint model", "factorized_top_100", 0.285),
    Reference("tfrs", "original notebooks, joint model", "rmse", 1.087),
    Reference("tfrs", "original notebooks, DNN", "rmse", 0.953),
    Reference("tfrs", "Surprise SVD++ (5-fold CV)", "rmse", 0.919),
    Reference("tfrs", "Cornac MF (80/20 split)", "rmse", 0.8998),
    Reference("top_n", "MS Recommenders BiVAE", "ndcg_at_10", 0.475),
    Reference("top_n", "MS Recommenders BiVAE", "precision_at_10", 0.412),
    Reference("top_n", "MS Recommenders BPR", "ndcg_at_10", 0.442),
    Reference("top_n", "MS Recommenders BPR", "precision_at_10", 0.388),
    Reference("top_n", "MS Recommenders SAR", "ndcg_at_10", 0.382),
    Reference("top_n", "MS Recommenders SAR", "precision_at_10", 0.331),
    Reference("top_n", "EASE λ=400 (measured.md)", "ndcg_at_10", 0.477),
    Reference("top_n", "EASE λ=400 (measured.md)", "precision_at_10", 0.414),
    Reference("new_users", "EASE fold-in (issue, measured.md)", "ndcg_at_10_h10", 0.63),
    Reference("new_users", "popularity (issue, measured.md)", "ndcg_at_10_h10", 0.48),
    Reference("new_users", "bias baseline (issue)", "rmse_h10", 1.02),
    Reference("new_users", "history two-tower, sampling-corrected (measured.md)", "ndcg_at_10_h10", 0.55),
)

TARGETS: tuple[Target, ...] = (
    Target("new_users", "ndcg_at_10_h10", ">=", 0.65, "new users, H=10: nDCG@10 ≥ 0.65"),
    Target("new_users", "rmse_h10", "<=", 0.98, "new users, H=10: rating RMSE ≤ 0.98"),
    Target("top_n", "ndcg_at_10", ">=", 0.48, "top-n: nDCG@10 ≥ 0.48"),
    Target("top_n", "precision_at_10", ">=", 0.42, "top-n: P@10 ≥ 0.42"),
    Target("tfrs", "factorized_top_100", ">", 0.30, "tfrs: unmasked top-100 accuracy > 0.30"),
    Target("tfrs", "rmse", "<=", 0.90, "tfrs: test RMSE ≤ 0.90"),
)

HEADLINE_METRICS: dict[str, tuple[str, ...]] = {
    "tfrs": ("factorized_top_10", "factorized_top_100", "factorized_top_100_masked", "rmse"),
    "top_n": ("precision_at_10", "recall_at_10", "ndcg_at_10", "map_at_10"),
    "new_users": ("ndcg_at_10_h10", "precision_at_10_h10", "rmse_h10"),
}
"""Metrics plotted and checked for "a TFRS model loses to a baseline"."""

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "tfrs": ("factorized_top_1", "factorized_top_5", "factorized_top_10", "factorized_top_50", "factorized_top_100",
             "factorized_top_10_masked", "factorized_top_100_masked", "rmse", "train_seconds"),
    "top_n": ("precision_at_10", "recall_at_10", "ndcg_at_10", "map_at_10", "train_seconds"),
    "new_users": ("ndcg_at_10_h1", "ndcg_at_10_h5", "ndcg_at_10_h10", "ndcg_at_10_h20", "precision_at_10_h10",
                  "rmse_h1", "rmse_h5", "rmse_h10", "rmse_h20", "train_seconds"),
}
