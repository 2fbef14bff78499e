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
import pandas as pd

from movierec.models.base import UserQuery
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
    """Build the retrieval part with its tiny test settings."""


class HybridScorer:
    """ItemScorer: z(retrieval) + ease_weight * z(EASE), EASE's columns aligned on retrieval's movies.

    Like :class:`~movierec.models.two_stage.TwoStageModel`, an evaluation that has fitted the parts'
    own rows hands them in (:meth:`use_fitted_stage`) instead of training them again."""

    name = "hybrid"

    def __init__(self, config: HybridConfig | None = None) -> None:
        from movierec.models.registry import spec  # the registry lists this class: import it lazily

        self.config = config or HybridConfig()
        if not self.config.ease_weight >= 0:
            raise ValueError(f"ease_weight must be a number >= 0, got {self.config.ease_weight}")
        self.retrieval = spec(self.config.retrieval).factory(quick=self.config.quick)()
        self.ease = spec(self.config.ease).factory()()
        self._handed_in: set[str] = set()
        self._ease_columns: np.ndarray | None = None

    @property
    def stage_names(self) -> dict[str, str]:
        """Role ("retrieval", "ease") -> registry name of the model that plays it."""
        return {"retrieval": self.config.retrieval, "ease": self.config.ease}

    def use_fitted_stage(self, role: str, model: Any) -> None:
        """Play ``role`` with ``model``, already fitted on the data :meth:`fit` will be given; ValueError
        unless it is the model this config builds (same class and config)."""
        own = getattr(self, role)
        if type(model) is not type(own) or getattr(model, "config", None) != getattr(own, "config", None):
            raise ValueError(f"a {type(model).__name__} with other settings cannot be the {role} part "
                             f"({self.stage_names[role]!r} as configured)")
        setattr(self, role, model)
        self._handed_in.add(role)
        self._ease_columns = None

    @property
    def movie_ids(self) -> np.ndarray:
        return self.retrieval.movie_ids

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        """Fit the parts that were not handed in already fitted."""
        for role in self.stage_names:
            if role not in self._handed_in:
                getattr(self, role).fit(train, movies)
        self._ease_columns = None

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        final = zscore(self.retrieval.score_items(queries))
        if self.config.ease_weight:
            final += self.config.ease_weight * zscore(self._ease_scores(queries))
        return final.astype(np.float32)

    def _ease_scores(self, queries: Sequence[UserQuery]) -> np.ndarray:
        """EASE's scores in retrieval's column order; 0 for a movie EASE never saw."""
        if self._ease_columns is None:
            theirs = self.ease.movie_ids  # sorted
            position = np.minimum(np.searchsorted(theirs, self.movie_ids), len(theirs) - 1)
            self._ease_columns = np.where(theirs[position] == self.movie_ids, position, -1)
        scores = np.asarray(self.ease.score_items(queries), dtype=np.float64)
        known = self._ease_columns >= 0
        aligned = np.zeros((len(queries), len(self._ease_columns)))
        aligned[:, known] = scores[:, self._ease_columns[known]]
        return aligned
