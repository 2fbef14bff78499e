"""History retrieval and EASE blended per query: the two kinds of evidence a rating history gives.

The two-tower model generalises through movie content and learned taste directions; EASE reads the
item-item co-occurrence of the whole training set directly. On validation users carved from the
training data (reports/tuning_hybrid.md) a small EASE weight beats both parts at every history
length tried, so the report keeps this blend as its own row:

    score = z(retrieval scores) + ease_weight * z(EASE scores), both z-scored over the catalog per query.

It is a report row, not the served model: EASE's weight matrix is catalog² floats (15 GB at
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
    ease: str = "ease_new_users"
    """Registry name of the EASE row (its penalty is tuned per protocol: "ease" for top-n, 400)."""
    ease_weight: float = 0.2
    """Weight of z(EASE) against z(retrieval); 0 gives the retrieval order."""
    quick: bool = False
    """Build the parts with their tiny test settings."""


class HybridScorer(Stages):
    """ItemScorer: z(retrieval) + ease_weight * z(EASE), EASE's columns aligned on retrieval's movies.

    Like :class:`~movierec.models.two_stage.TwoStageModel`, an evaluation that has fitted the parts'
    own rows hands them in (:class:`~movierec.models.stages.Stages`) instead of training them again."""

    name = "hybrid"

    retrieval: Any
    ease: Any

    def __init__(self, config: HybridConfig | None = None) -> None:
        self.config = config or HybridConfig()
        if not self.config.ease_weight >= 0:
            raise ValueError(f"ease_weight must be a number >= 0, got {self.config.ease_weight}")
        super().__init__(quick=self.config.quick)

    @property
    def stage_names(self) -> dict[str, str]:
        """Role ("retrieval", "ease") -> registry name of the model that plays it."""
        return {"retrieval": self.config.retrieval, "ease": self.config.ease}

    @property
    def movie_ids(self) -> np.ndarray:
        return self.retrieval.movie_ids

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        final = zscore(self.retrieval.score_items(queries))
        if self.config.ease_weight:
            final += self.config.ease_weight * zscore(self._ease_scores(queries))
        return final.astype(np.float32)

    def _ease_scores(self, queries: Sequence[UserQuery]) -> np.ndarray:
        """EASE's scores in retrieval's column order; 0 for a movie EASE never saw."""
        theirs = self.ease.movie_ids  # sorted
        position = np.minimum(np.searchsorted(theirs, self.movie_ids), len(theirs) - 1)
        columns = np.where(theirs[position] == self.movie_ids, position, -1)
        scores = np.asarray(self.ease.score_items(queries), dtype=np.float64)
        aligned = np.zeros((len(queries), len(columns)))
        aligned[:, columns >= 0] = scores[:, columns[columns >= 0]]
        return aligned
