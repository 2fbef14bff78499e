"""History retrieval blended per query with baseline item scorers (EASE, implicit ALS).

The two-tower model generalises through movie content and learned taste directions; EASE reads the
item-item co-occurrence of the whole training set directly, implicit ALS its low-rank structure. On
validation data carved from the training data (reports/tuning_hybrid.md) weighted blends beat each
of their parts, so the report keeps such blends as their own rows:

    score = z(retrieval scores) + sum over baselines of weight * z(baseline scores),

every part z-scored over the catalog per query. They are report rows, not the served model: EASE's
weight matrix is catalog² floats (15 GB at ML-25M's 62,000 movies) and its scoring reads one
catalog-wide row per rated movie, so a 200-rating request costs twice what the served retrieval
model does (reports/bench.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from movierec.data.lookup import sorted_lookup
from movierec.models.base import UserQuery
from movierec.models.stages import Stages
from movierec.models.two_stage import zscore


@dataclass(frozen=True)
class HybridConfig:
    """Which registered models are blended, and how."""

    retrieval: str = "retrieval"
    """Registry name of the history retrieval ItemScorer."""
    baselines: tuple[str, ...] = ("ease_new_users",)
    """Registry names of the baseline ItemScorer rows ("ease_new_users", "ease", "ials": tuned per protocol)."""
    weights: tuple[float, ...] = (0.2,)
    """Weight of each baseline's z-scores against z(retrieval), in order; all 0 gives the retrieval order."""
    quick: bool = False
    """Build the parts with their tiny test settings."""


class HybridScorer(Stages):
    """ItemScorer: z(retrieval) + sum of weight * z(baseline), the baselines' columns aligned on retrieval's movies.

    Each baseline plays the role named after its registry row. Like
    :class:`~movierec.models.two_stage.TwoStageModel`, an evaluation that has fitted the parts' own rows
    hands them in (:class:`~movierec.models.stages.Stages`) instead of training them again."""

    name = "hybrid"

    retrieval: Any

    def __init__(self, config: HybridConfig | None = None) -> None:
        self.config = config or HybridConfig()
        c = self.config
        if len(set(c.baselines)) != len(c.baselines) or len(c.weights) != len(c.baselines):
            raise ValueError(f"a hybrid needs distinct baselines and one weight each, got {c.baselines} and {c.weights}")
        if not all(weight >= 0 for weight in c.weights):
            raise ValueError(f"weights must be numbers >= 0, got {c.weights}")
        clashes = [name for name in c.baselines if hasattr(type(self), name) or name == "retrieval"]
        if clashes:
            raise ValueError(f"baselines {clashes} would shadow HybridScorer attributes")
        super().__init__(quick=c.quick)

    @property
    def stage_names(self) -> dict[str, str]:
        """Role -> registry name: "retrieval", then each baseline under its own name."""
        return {"retrieval": self.config.retrieval, **{name: name for name in self.config.baselines}}

    @property
    def movie_ids(self) -> np.ndarray:
        return self.retrieval.movie_ids

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        final = zscore(self.retrieval.score_items(queries))
        for name, weight in zip(self.config.baselines, self.config.weights):
            if weight:
                final += weight * zscore(self._aligned_scores(getattr(self, name), queries))
        return final.astype(np.float32)

    def _aligned_scores(self, baseline: Any, queries: Sequence[UserQuery]) -> np.ndarray:
        """A baseline's scores in retrieval's column order; 0 for a movie the baseline never saw."""
        found = sorted_lookup(baseline.movie_ids, self.movie_ids)  # the baselines' ids are sorted
        scores = np.asarray(baseline.score_items(queries), dtype=np.float64)
        aligned = np.zeros((len(queries), len(found)))
        aligned[:, found > 0] = scores[:, found[found > 0] - 1]
        return aligned
