"""EASE: closed-form item-item model (Steck, 2019), the strong NumPy reference for top-n lists.

One ridge regression predicts every movie from all the others on the binary "has rated" matrix,
with the self-weight forced to zero. There are no user parameters, so a new user's scores are just
their history vector times the weight matrix: exactly the bot's situation, with no retraining.
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
class EaseConfig:
    """Settings of :class:`EaseModel`."""

    l2: float = 400.0
    """Ridge penalty on the item-item weights; ~400 is best on ML-100k (measured.md, scripts/tune.py)."""


class EaseModel:
    """ItemScorer + HistoryAttribution: score = binary history vector @ B, B the zero-diagonal item-item weights."""

    name = "ease"

    def __init__(self, config: EaseConfig | None = None) -> None:
        self.config = config or EaseConfig()
        self._movie_ids = np.empty(0, dtype=np.int64)
        self._weights = np.empty((0, 0), dtype=np.float32)
        self._column_of: dict[int, int] = {}

    @property
    def movie_ids(self) -> np.ndarray:
        return self._movie_ids

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        if train.empty:
            raise ValueError("cannot fit EASE on an empty ratings frame")
        if self.config.l2 <= 0:
            raise ValueError(f"EASE needs a positive l2 penalty, got {self.config.l2}")
        self._set_movies(np.union1d(movies[schema.MOVIE_ID].to_numpy(np.int64), train[schema.MOVIE_ID].to_numpy(np.int64)))
        pairs = train[[schema.USER_ID, schema.MOVIE_ID]].drop_duplicates()
        users = pd.factorize(pairs[schema.USER_ID])[0]
        items = np.searchsorted(self._movie_ids, pairs[schema.MOVIE_ID].to_numpy(np.int64))
        interactions = np.zeros((users.max() + 1, len(self._movie_ids)), dtype=np.float64)
        interactions[users, items] = 1.0
        gram = interactions.T @ interactions
        gram[np.diag_indices_from(gram)] += self.config.l2
        inverse = np.linalg.inv(gram)
        weights = inverse / -np.diag(inverse)
        weights[np.diag_indices_from(weights)] = 0.0
        self._weights = weights.astype(np.float32)

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        history = np.zeros((len(queries), len(self._movie_ids)), dtype=np.float32)
        for row, query in enumerate(queries):
            # movies the training catalog lacks carry no weights, so they cannot inform the scores
            columns = [self._column_of[m] for m in query.history if m in self._column_of]
            history[row, columns] = 1.0
        return history @ self._weights

    def history_contributions(self, query: UserQuery, columns: np.ndarray) -> np.ndarray:
        """Exact: a score is the sum of its history movies' weight rows, so leaving one out removes its row."""
        ids, _ = query.history_arrays
        known = np.array([m in self._column_of for m in ids.tolist()], dtype=bool)
        contributions = np.zeros((len(ids), len(columns)), np.float32)
        contributions[known] = self._weights[np.ix_([self._column_of[m] for m in ids[known].tolist()], columns)]
        return contributions

    def _set_movies(self, movie_ids: np.ndarray) -> None:
        self._movie_ids = movie_ids
        self._column_of = {int(movie_id): column for column, movie_id in enumerate(movie_ids)}

    def save(self, path: Path) -> None:
        save_model_files(path, {"config": dataclasses.asdict(self.config)},
                         {"movie_ids": self._movie_ids, "weights": self._weights})

    @classmethod
    def load(cls, path: Path) -> Self:
        stored = load_model_files(path, EaseConfig, ("movie_ids", "weights"))
        model = cls(stored.config)
        model._set_movies(stored.arrays["movie_ids"])
        model._weights = stored.arrays["weights"]
        return model
