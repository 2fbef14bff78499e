"""A fixed linear stack of rating models for known users: the tfrs protocol's best RMSE.

    stars = intercept + sum over members of weight * member's stars, clipped to the star scale.

No single model reaches the report's RMSE target on the tfrs split, but the TFRS ranking model (a
history encoder plus a user-id correction), item kNN (raw co-rating evidence), a wide ALS
factorisation and AutoRec (no user vectors at all) err differently enough that a least-squares
combination beats each of them. The weights are fixed: fitted once on validation ratings carved from
the tfrs training part (``python -m scripts.tune_rating_stack``, reports/tuning_rating_stack.md) and
copied into the registry row, so the test split never chooses them. The bias model's negative weight
is the usual stacking correction for members that share its biases.

Members are registered rows; the report hands in the fitted rows of the same protocol
(:class:`~movierec.models.stages.Stages`), so the ranking model and the bias model are not trained
twice. Members that only know training users answer new users with the bias model's prediction, so
on the new-users protocol the row is a blend of the ranking model and the bias model only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from movierec.models.base import UserQuery, clip_stars
from movierec.models.stages import Stages


@dataclass(frozen=True)
class RatingStackConfig:
    """Which registered rating models are stacked, and their fixed weights. The defaults are the bias
    model alone; the registry's "rating_stack" row holds the tuned stack."""

    members: tuple[str, ...] = ("bias",)
    """Registry names of the RatingPredictors stacked, each at most once."""
    weights: tuple[float, ...] = (1.0,)
    """One weight per member, in order."""
    intercept: float = 0.0
    """Added to the weighted sum, in stars."""
    quick: bool = False
    """Build the members with their tiny test settings."""


class RatingStack(Stages):
    """RatingPredictor: intercept + weighted sum of the members' predicted stars, clipped."""

    name = "rating_stack"

    def __init__(self, config: RatingStackConfig | None = None) -> None:
        self.config = config or RatingStackConfig()
        c = self.config
        if not c.members or len(set(c.members)) != len(c.members) or len(c.weights) != len(c.members):
            raise ValueError(f"a rating stack needs distinct members and one weight each, got {c.members} "
                             f"and {c.weights}")
        if not all(math.isfinite(value) for value in (*c.weights, c.intercept)):
            raise ValueError(f"stack weights and intercept must be finite numbers, got {c.weights}, {c.intercept}")
        clashes = [name for name in c.members if hasattr(type(self), name)]
        if clashes:
            raise ValueError(f"members {clashes} would shadow RatingStack attributes")
        super().__init__(quick=c.quick)

    @property
    def stage_names(self) -> dict[str, str]:
        """Each member plays the role named after it."""
        return {name: name for name in self.config.members}

    def predict_ratings(self, queries: Sequence[UserQuery], movie_ids: Sequence[Sequence[int]]) -> list[np.ndarray]:
        if len(queries) != len(movie_ids):
            raise ValueError(f"got {len(queries)} queries but {len(movie_ids)} movie lists")
        stacked = [np.full(len(wanted), self.config.intercept) for wanted in movie_ids]
        for name, weight in zip(self.config.members, self.config.weights):
            for total, stars in zip(stacked, getattr(self, name).predict_ratings(queries, movie_ids)):
                total += weight * stars
        return [clip_stars(total).astype(np.float32) for total in stacked]
