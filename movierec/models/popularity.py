"""Popularity baseline: the non-personal reference every personal model must beat.

Scores each movie by how many training ratings it has, the same list for everyone. It also gives
the "well-rated popular" order (a Bayesian average of the stars) that is shown to users with no
usable history, where a raw mean would put a movie rated 5 by one person on top.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd

from movierec.data import schema
from movierec.models.base import UserQuery
from movierec.models.npz_io import load_model_files, save_model_files


@dataclass(frozen=True)
class PopularityConfig:
    """Settings of :class:`PopularityModel`."""

    prior_weight: float = 10.0
    """Pseudo-ratings at the global mean added to every movie in the Bayesian average; larger values
    need more ratings before a movie's own mean counts."""


def bayesian_average(counts: np.ndarray, means: np.ndarray, prior_weight: float, global_mean: float) -> np.ndarray:
    """Mean stars shrunk towards ``global_mean`` as if each movie had ``prior_weight`` extra average ratings."""
    counts = np.asarray(counts, dtype=np.float64)
    means = np.nan_to_num(np.asarray(means, dtype=np.float64))
    return (counts * means + prior_weight * global_mean) / (counts + prior_weight)


class PopularityModel:
    """ItemScorer: training rating count per movie, identical for every query."""

    name = "popularity"

    def __init__(self, config: PopularityConfig | None = None) -> None:
        self.config = config or PopularityConfig()
        self._movie_ids = np.empty(0, dtype=np.int64)
        self._counts = np.empty(0, dtype=np.float64)
        self._means = np.empty(0, dtype=np.float64)
        self._global_mean = 0.0

    @property
    def movie_ids(self) -> np.ndarray:
        return self._movie_ids

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        if train.empty:
            raise ValueError("cannot fit popularity on an empty ratings frame")
        self._movie_ids = np.union1d(movies[schema.MOVIE_ID].to_numpy(np.int64), train[schema.MOVIE_ID].to_numpy(np.int64))
        stats = train.groupby(schema.MOVIE_ID)[schema.USER_RATING].agg(["size", "mean"])
        stats = stats.reindex(self._movie_ids)
        self._counts = stats["size"].fillna(0).to_numpy(np.float64)
        self._means = stats["mean"].fillna(0.0).to_numpy(np.float64)
        self._global_mean = float(train[schema.USER_RATING].mean())

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        return np.tile(self._counts.astype(np.float32), (len(queries), 1))

    def well_rated_scores(self) -> np.ndarray:
        """Bayesian-average stars per movie (``movie_ids`` order), for the non-personal list."""
        return bayesian_average(self._counts, self._means, self.config.prior_weight, self._global_mean)

    def save(self, path: Path) -> None:
        save_model_files(path, {"config": dataclasses.asdict(self.config), "global_mean": self._global_mean},
                         {"movie_ids": self._movie_ids, "counts": self._counts, "means": self._means})

    @classmethod
    def load(cls, path: Path) -> Self:
        stored = load_model_files(path, PopularityConfig, ("movie_ids", "counts", "means"), ("global_mean",))
        model = cls(stored.config)
        model._global_mean = stored.numbers["global_mean"]
        arrays = stored.arrays
        model._movie_ids, model._counts, model._means = arrays["movie_ids"], arrays["counts"], arrays["means"]
        return model
