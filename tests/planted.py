"""A small synthetic MovieLens-like dataset with a planted structure, and reference scorers for it.

Users and movies fall into groups; every user rates every movie of their own group and nothing
else. Stars carry real user and movie biases. An oracle that knows the groups can therefore reach
the top of every ranking metric, and a random scorer cannot, so protocol tests can fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from movierec.data import schema
from movierec.models.base import UserQuery

GROUPS, USERS_PER_GROUP, MOVIES_PER_GROUP = 5, 12, 30


def planted_ratings(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ratings, movies) frames in schema columns; movie m belongs to group (m - 1) // MOVIES_PER_GROUP."""
    rng = np.random.default_rng(seed)
    n_movies = GROUPS * MOVIES_PER_GROUP
    movie_bias = rng.normal(0.0, 0.8, n_movies + 1)
    rows = []
    for user_id in range(1, GROUPS * USERS_PER_GROUP + 1):
        group = (user_id - 1) // USERS_PER_GROUP
        user_bias = rng.normal(0.0, 0.8)
        for movie_id in range(group * MOVIES_PER_GROUP + 1, (group + 1) * MOVIES_PER_GROUP + 1):
            stars = np.clip(np.round(3.5 + user_bias + movie_bias[movie_id] + rng.normal(0.0, 0.3)), 1, 5)
            rows.append((user_id, movie_id, float(stars), 880_000_000 + len(rows)))
    ratings = pd.DataFrame(rows, columns=[schema.USER_ID, schema.MOVIE_ID, schema.USER_RATING, schema.TIMESTAMP])
    ratings[schema.USER_RATING] = ratings[schema.USER_RATING].astype("float32")
    movies = pd.DataFrame({schema.MOVIE_ID: np.arange(1, n_movies + 1, dtype=np.int64),
                           schema.TITLE: [f"Movie {m} (1990)" for m in range(1, n_movies + 1)]})
    return ratings, movies


def group_of(movie_id: int) -> int:
    return (movie_id - 1) // MOVIES_PER_GROUP


@dataclass(frozen=True)
class PlantedConfig:
    """The reference scorers have no settings; the registry still wants a config class."""


class GroupOracle:
    """Knows the planted groups: scores 1 for the movies of the history's group, 0 elsewhere."""

    name = "oracle"

    def __init__(self, config: PlantedConfig | None = None) -> None:
        self._movie_ids = np.empty(0, dtype=np.int64)

    @property
    def movie_ids(self) -> np.ndarray:
        return self._movie_ids

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        self._movie_ids = movies[schema.MOVIE_ID].to_numpy(np.int64)

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        groups = (self._movie_ids - 1) // MOVIES_PER_GROUP
        scores = np.zeros((len(queries), len(self._movie_ids)), dtype=np.float32)
        for row, query in enumerate(queries):
            scores[row] = groups == group_of(next(iter(query.history)))
        return scores


class RandomScorer(GroupOracle):
    """Seeded random scores: what a model that learnt nothing would get."""

    name = "random"

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        return np.random.default_rng(0).random((len(queries), len(self._movie_ids))).astype(np.float32)


class GlobalMean:
    """RatingPredictor that always predicts the training mean: the floor a rating model must beat."""

    name = "global_mean"

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        self._mean = float(train[schema.USER_RATING].mean())

    def predict_ratings(self, queries: Sequence[UserQuery], movie_ids: Sequence[Sequence[int]]) -> list[np.ndarray]:
        return [np.full(len(ids), self._mean, dtype=np.float32) for ids in movie_ids]


class CountingOracle(GroupOracle):
    """GroupOracle that keeps the training frames it was fitted on, to show what a protocol trains."""

    name = "counting_oracle"

    def __init__(self, config: PlantedConfig | None = None) -> None:
        super().__init__(config)
        self.fitted_on: list[pd.DataFrame] = []

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        self.fitted_on.append(train)
        super().fit(train, movies)
