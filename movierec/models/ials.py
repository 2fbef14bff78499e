"""Implicit ALS (Hu, Koren & Volinsky, 2008): the matrix-factorisation reference for top-n lists.

Every (user, movie) cell is a preference, 1 when the user rated the movie and 0 otherwise, fitted
with confidence 1 + alpha where it is 1 and 1 where it is 0, by alternating ridge regressions of
user and movie factors. Rendle et al. (2022, "Revisiting the performance of iALS") show that,
tuned, it matches EASE and the neural models on top-n lists; here it edges EASE on the top-n
validation split (reports/tuning_top_n.md) and ties it on the test split (reports/metrics.md).

Users are never stored: a query's factor is *folded in*, one ridge regression of its history on the
movie factors, the same update training makes. So a known user and a new user with the same
history get the same list, and serving needs no retraining, as with EASE.
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
from movierec.data.lookup import indices_by_key, sorted_lookup
from movierec.models.base import UserQuery
from movierec.models.npz_io import load_model_files, save_model_files


@dataclass(frozen=True)
class ImplicitAlsConfig:
    """Settings of :class:`ImplicitAlsModel`; defaults chosen by scripts/tune.py on top-n validation data."""

    factors: int = 128
    """Width of the user and movie factors."""
    alpha: float = 10.0
    """Extra confidence of a rated cell over an unrated one."""
    l2: float = 60.0
    """Ridge penalty of every regression (user and movie factors alike)."""
    iterations: int = 12
    """Alternations of the user and the movie regressions (the validation metric is flat after ~10)."""
    seed: int = 42
    """Seed of the random movie factors the first user regression starts from."""

    def __post_init__(self) -> None:
        if self.factors < 1 or self.iterations < 1:
            raise ValueError(f"factors and iterations must be >= 1, got {self.factors} and {self.iterations}")
        if not (self.alpha >= 0 and self.l2 > 0):
            raise ValueError(f"alpha must be >= 0 and l2 > 0, got alpha={self.alpha}, l2={self.l2}")


def _regress_rows(others: np.ndarray, rated: Sequence[np.ndarray], alpha: float, l2: float) -> np.ndarray:
    """One factor per row: the ridge regression of its preferences (1 at ``rated``, 0 elsewhere, confidence
    1 + alpha at ``rated``) on ``others``. The all-cells part of the normal equations is shared by every
    row; only the rated cells' correction is per row."""
    factors = others.shape[1]
    shared = others.T @ others + l2 * np.eye(factors)
    solved = np.zeros((len(rated), factors))
    for row, columns in enumerate(rated):
        if len(columns):
            chosen = others[columns]
            solved[row] = np.linalg.solve(shared + alpha * chosen.T @ chosen, (1.0 + alpha) * chosen.sum(axis=0))
    return solved


class ImplicitAlsModel:
    """ItemScorer: score = folded-in user factor @ movie factors."""

    name = "ials"

    def __init__(self, config: ImplicitAlsConfig | None = None) -> None:
        self.config = config or ImplicitAlsConfig()
        self._movie_ids = np.empty(0, dtype=np.int64)
        self._movie_factors = np.empty((0, self.config.factors))

    @property
    def movie_ids(self) -> np.ndarray:
        return self._movie_ids

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        if train.empty:
            raise ValueError("cannot fit implicit ALS on an empty ratings frame")
        config = self.config
        self._movie_ids = np.union1d(movies[schema.MOVIE_ID].to_numpy(np.int64), train[schema.MOVIE_ID].to_numpy(np.int64))
        pairs = train[[schema.USER_ID, schema.MOVIE_ID]].drop_duplicates()
        users = pd.factorize(pairs[schema.USER_ID])[0]
        items = np.searchsorted(self._movie_ids, pairs[schema.MOVIE_ID].to_numpy(np.int64))
        items_of_user = [items[rows] for rows in indices_by_key(users, users.max() + 1)]
        users_of_item = [users[rows] for rows in indices_by_key(items, len(self._movie_ids))]
        movie_factors = np.random.default_rng(config.seed).normal(0.0, 0.01, (len(self._movie_ids), config.factors))
        for _ in range(config.iterations):
            user_factors = _regress_rows(movie_factors, items_of_user, config.alpha, config.l2)
            movie_factors = _regress_rows(user_factors, users_of_item, config.alpha, config.l2)
        self._movie_factors = movie_factors

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        rated = [self._rated_columns(query) for query in queries]
        user_factors = _regress_rows(self._movie_factors, rated, self.config.alpha, self.config.l2)
        return (user_factors @ self._movie_factors.T).astype(np.float32)

    def _rated_columns(self, query: UserQuery) -> np.ndarray:
        """Columns of the query's rated movies; movies the training catalog lacks have no factor, so they
        cannot inform the fold-in."""
        positions = sorted_lookup(self._movie_ids, np.fromiter(query.history, dtype=np.int64, count=len(query.history)))
        return positions[positions > 0].astype(np.int64) - 1

    def save(self, path: Path) -> None:
        save_model_files(path, {"config": dataclasses.asdict(self.config)},
                         {"movie_ids": self._movie_ids, "movie_factors": self._movie_factors})

    @classmethod
    def load(cls, path: Path) -> Self:
        stored = load_model_files(path, ImplicitAlsConfig, ("movie_ids", "movie_factors"))
        model = cls(stored.config)
        model._movie_ids = stored.arrays["movie_ids"]
        model._movie_factors = stored.arrays["movie_factors"]
        return model
