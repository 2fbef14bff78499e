"""Retrieval then ranking, evaluated exactly as the bot serves it.

The serving API keeps the best ``candidates`` movies by the retrieval score and re-orders them by a
blend of that score and the ranking model's predicted stars (both z-scored over the candidates, so
neither scale dominates by accident). This module holds that blend, used by
:mod:`movierec.serving.recommender`, and :class:`TwoStageModel`, which wraps two registered models so
the evaluation protocols can measure the served order itself, not just its parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from movierec.models.base import UserQuery
from movierec.models.stages import Stages


def zscore(values: np.ndarray) -> np.ndarray:
    """(x - mean) / std along the last axis (each row of a score matrix on its own); zeros where the
    values are constant."""
    values = np.asarray(values, dtype=np.float64)
    spread = values.std(axis=-1, keepdims=True)
    centred = values - values.mean(axis=-1, keepdims=True)
    return np.divide(centred, spread, out=np.zeros_like(values), where=spread > 0)


def blend(retrieval_scores: np.ndarray, predicted_stars: np.ndarray | None, rating_weight: float) -> np.ndarray:
    """Final score of each candidate: z(retrieval) + rating_weight * z(predicted stars)."""
    final = zscore(retrieval_scores)
    if predicted_stars is not None and rating_weight:
        final = final + rating_weight * zscore(predicted_stars)
    return final


@dataclass(frozen=True)
class TwoStageConfig:
    """Which registered models form the two stages, and how they are blended."""

    retrieval: str = "retrieval"
    """Registry name of the ItemScorer."""
    ranking: str = "ranking"
    """Registry name of the RatingPredictor."""
    candidates: int = 100
    """Movies retrieval hands to ranking; the rest keep their retrieval order below them."""
    rating_weight: float = 0.0
    """Weight of the predicted stars in the final order (0: retrieval order, stars only shown)."""
    quick: bool = False
    """Build both stages with their tiny test settings."""


class TwoStageModel(Stages):
    """ItemScorer and RatingPredictor: the served pipeline as one model.

    An evaluation that has already fitted the stages' own rows on the same training data hands those
    models in (:class:`~movierec.models.stages.Stages`), so nothing is trained twice."""

    name = "two_stage"

    retrieval: Any
    ranking: Any

    def __init__(self, config: TwoStageConfig | None = None) -> None:
        self.config = config or TwoStageConfig()
        super().__init__(quick=self.config.quick)

    @property
    def stage_names(self) -> dict[str, str]:
        """Role ("retrieval", "ranking") -> registry name of the model that plays it."""
        return {"retrieval": self.config.retrieval, "ranking": self.config.ranking}

    @property
    def movie_ids(self) -> np.ndarray:
        return self.retrieval.movie_ids

    @property
    def excludes_history(self) -> bool:
        """True when the scores already push rated movies below everything (the blend does, as served
        lists never hold them), so an evaluation must not report an "unmasked" accuracy for it."""
        return bool(self.config.rating_weight)

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        scores = np.asarray(self.retrieval.score_items(queries), dtype=np.float64)
        if not self.config.rating_weight:
            return scores.astype(np.float32)
        movie_ids = self.movie_ids
        final = np.empty_like(scores)
        for row, query in enumerate(queries):
            allowed = scores[row].copy()
            history_columns = np.flatnonzero(np.isin(movie_ids, list(query.history)))
            allowed[history_columns] = -np.inf  # served lists never contain rated movies
            count = min(self.config.candidates, int(np.isfinite(allowed).sum()))
            candidates = np.argpartition(-allowed, count - 1)[:count]
            predicted = self.ranking.predict_ratings([query], [movie_ids[candidates].tolist()])[0]
            blended = blend(scores[row, candidates], predicted, self.config.rating_weight)
            # candidates above everything else, in blended order; the rest keep retrieval order below
            final[row] = scores[row] - scores[row].max() - 1e3
            final[row, candidates] = blended - blended.min() + 1.0
        return final.astype(np.float32)

    def predict_ratings(self, queries: Sequence[UserQuery], movie_ids: Sequence[Sequence[int]]) -> list[np.ndarray]:
        return self.ranking.predict_ratings(queries, movie_ids)
