"""Bias-only rating baseline: global mean + user bias + movie bias.

The simplest model that knows some movies are rated higher and some people rate higher. A rating
model that cannot beat it has learnt nothing personal. The user bias is never stored: it is folded
in from whatever history the query carries, so a new user is served exactly like a known one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd

from movierec.data import schema
from movierec.data.lookup import sorted_lookup
from movierec.models.base import UserQuery, clip_stars
from movierec.models.npz_io import load_model_files, save_model_files



@dataclass(frozen=True)
class BiasConfig:
    """Settings of :class:`BiasModel`."""

    user_regularization: float = 5.0
    """Pseudo-ratings of bias 0 added to each user: shrinks the bias of people with few ratings."""
    item_regularization: float = 5.0
    """The same shrinkage for movies with few ratings."""
    sweeps: int = 5
    """Alternating least-squares passes (user biases, then item biases); 3-5 converge on MovieLens."""


def _shrunk_mean(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """sums / (count + regularisation); 0 where there is nothing (an unrated catalog movie)."""
    return np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)


class BiasModel:
    """RatingPredictor: regularised global + user + item biases fitted by a few ALS sweeps."""

    name = "bias"

    def __init__(self, config: BiasConfig | None = None) -> None:
        self.config = config or BiasConfig()
        self._movie_ids = np.empty(0, dtype=np.int64)
        self._item_bias = np.empty(0, dtype=np.float64)
        self._global_mean = 0.0
        self._column_of: dict[int, int] = {}

    @property
    def movie_ids(self) -> np.ndarray:
        return self._movie_ids

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        if train.empty:
            raise ValueError("cannot fit the bias model on an empty ratings frame")
        if min(self.config.user_regularization, self.config.item_regularization) < 0 or self.config.sweeps < 1:
            raise ValueError(f"bias model needs regularization >= 0 and sweeps >= 1, got {self.config}")
        self._set_movies(np.union1d(movies[schema.MOVIE_ID].to_numpy(np.int64), train[schema.MOVIE_ID].to_numpy(np.int64)))
        stars = train[schema.USER_RATING].to_numpy(np.float64)
        items = np.searchsorted(self._movie_ids, train[schema.MOVIE_ID].to_numpy(np.int64))
        users = pd.factorize(train[schema.USER_ID])[0]
        n_users, n_items = users.max() + 1, len(self._movie_ids)
        self._global_mean = float(stars.mean())
        residual = stars - self._global_mean
        item_bias = np.zeros(n_items)
        user_counts = np.bincount(users, minlength=n_users) + self.config.user_regularization
        item_counts = np.bincount(items, minlength=n_items) + self.config.item_regularization
        for _ in range(self.config.sweeps):
            user_bias = _shrunk_mean(np.bincount(users, residual - item_bias[items], n_users), user_counts)
            item_bias = _shrunk_mean(np.bincount(items, residual - user_bias[users], n_items), item_counts)
        self._item_bias = item_bias

    def baselines(self, ratings: pd.DataFrame) -> np.ndarray:
        """float64 per row of ``ratings``: mean + user bias + movie bias, unclipped, each user's bias read
        from that user's rows of the frame (what :meth:`predict_ratings` gives them with those rows as
        their history). Models that learn on top of the biases (item kNN) fit what these leave over."""
        found = sorted_lookup(self._movie_ids, ratings[schema.MOVIE_ID].to_numpy(np.int64))
        movie_bias = np.where(found > 0, self._item_bias[found - 1], 0.0)
        users, residual = pd.factorize(ratings[schema.USER_ID])[0], ratings[schema.USER_RATING].to_numpy(np.float64)
        residual = residual - self._global_mean - movie_bias
        counts = np.bincount(users) + self.config.user_regularization
        user_bias = _shrunk_mean(np.bincount(users, residual), counts)
        return self._global_mean + user_bias[users] + movie_bias

    def user_bias(self, history: Mapping[int, float]) -> float:
        """The regularised user bias that best explains ``history`` given the fitted movie biases."""
        residuals = [stars - self._global_mean - self._bias_of(movie_id) for movie_id, stars in history.items()]
        denominator = len(residuals) + self.config.user_regularization
        return float(sum(residuals) / denominator) if denominator > 0 else 0.0

    def predict_ratings(self, queries: Sequence[UserQuery], movie_ids: Sequence[Sequence[int]]) -> list[np.ndarray]:
        if len(queries) != len(movie_ids):
            raise ValueError(f"got {len(queries)} queries but {len(movie_ids)} movie lists")
        predictions = []
        for query, wanted in zip(queries, movie_ids):
            base = self._global_mean + self.user_bias(query.history)
            stars = np.array([base + self._bias_of(movie_id) for movie_id in wanted], dtype=np.float64)
            predictions.append(clip_stars(stars).astype(np.float32))
        return predictions

    def _bias_of(self, movie_id: int) -> float:
        """Movie bias; 0 for a movie the training data never rated (it is then just average)."""
        column = self._column_of.get(int(movie_id))
        return 0.0 if column is None else float(self._item_bias[column])

    def _set_movies(self, movie_ids: np.ndarray) -> None:
        self._movie_ids = movie_ids
        self._column_of = {int(movie_id): column for column, movie_id in enumerate(movie_ids)}

    def save(self, path: Path) -> None:
        save_model_files(path, {"config": dataclasses.asdict(self.config), "global_mean": self._global_mean},
                         {"movie_ids": self._movie_ids, "item_bias": self._item_bias})

    @classmethod
    def load(cls, path: Path) -> Self:
        stored = load_model_files(path, BiasConfig, ("movie_ids", "item_bias"), ("global_mean",))
        model = cls(stored.config)
        model._global_mean = stored.numbers["global_mean"]
        model._set_movies(stored.arrays["movie_ids"])
        model._item_bias = stored.arrays["item_bias"]
        return model
