"""History retrieval blended per query with a baseline item scorer (EASE or implicit ALS).

The two-tower model generalises through movie content and learned taste directions; EASE reads the
item-item co-occurrence of the whole training set directly, implicit ALS its low-rank structure. On
validation data carved from the training data (reports/tuning_hybrid.md) a weighted blend beats both
of its parts, so the report keeps such blends as their own rows:

    score = z(retrieval scores) + baseline_weight * z(baseline scores), both z-scored over the catalog per query.

They are report rows, not the served model: EASE's weight matrix is catalog² floats (15 GB at
ML-25M's 62,000 movies) and its scoring reads one catalog-wide row per rated movie, so a 200-rating
request costs twice what the served retrieval model does (reports/bench.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from movierec.models.base import UserQuery
from movierec.models.stages import Stages
from movierec.models.two_stage import zscore


@dataclass(frozen=True)
class HybridConfig:
    """Which registered models are blended, and how."""

    retrieval: str = "retrieval"
    """Registry name of the history retrieval ItemScorer."""
    baseline: str = "ease_new_users"
    """Registry name of the baseline ItemScorer row ("ease_new_users", "ease", "ials": tuned per protocol)."""
    baseline_weight: float = 0.2
    """Weight of z(baseline) against z(retrieval); 0 gives the retrieval order."""
    quick: bool = False
    """Build the parts with their tiny test settings."""


class HybridScorer(Stages):
    """ItemScorer: z(retrieval) + baseline_weight * z(baseline), the baseline's columns aligned on retrieval's movies.

    Like :class:`~movierec.models.two_stage.TwoStageModel`, an evaluation that has fitted the parts'
    own rows hands them in (:class:`~movierec.models.stages.Stages`) instead of training them again."""

    name = "hybrid"

    retrieval: Any
    baseline: Any

    def __init__(self, config: HybridConfig | None = None) -> None:
        self.config = config or HybridConfig()
        if not self.config.baseline_weight >= 0:
            raise ValueError(f"baseline_weight must be a number >= 0, got {self.config.baseline_weight}")
        super().__init__(quick=self.config.quick)

    @property
    def stage_names(self) -> dict[str, str]:
        """Role ("retrieval", "baseline") -> registry name of the model that plays it."""
        return {"retrieval": self.config.retrieval, "baseline": self.config.baseline}

    @property
    def movie_ids(self) -> np.ndarray:
        return self.retrieval.movie_ids

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        final = zscore(self.retrieval.score_items(queries))
        if self.config.baseline_weight:
            final += self.config.baseline_weight * zscore(self._baseline_scores(queries))
        return final.astype(np.float32)

    def _baseline_scores(self, queries: Sequence[UserQuery]) -> np.ndarray:
        """The baseline's scores in retrieval's column order; 0 for a movie the baseline never saw."""
        theirs = self.baseline.movie_ids  # sorted
        position = np.minimum(np.searchsorted(theirs, self.movie_ids), len(theirs) - 1)
        columns = np.where(theirs[position] == self.movie_ids, position, -1)
        scores = np.asarray(self.baseline.score_items(queries), dtype=np.float64)
        aligned = np.zeros((len(queries), len(columns)))
        aligned[:, columns >= 0] = scores[:, columns[columns >= 0]]
        return aligned
