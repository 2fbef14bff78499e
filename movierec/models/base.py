"""The small contract every model in ``movierec.models`` and every baseline fulfils.

Evaluation protocols, the training script and the serving API talk to models only through these
protocols, so a model can be swapped, compared against a baseline, or served without the caller
knowing whether TensorFlow or NumPy is underneath.

Two roles, as in TensorFlow Recommenders: an :class:`ItemScorer` scores the whole catalog for a user
(retrieval: "which movies will this person want?"), a :class:`RatingPredictor` predicts the stars a
user would give to given movies (ranking). A model may play both roles (the multitask model does).

Inputs are plain pandas frames with the columns of :mod:`movierec.data.schema`. A user is described by
a :class:`UserQuery`: the ratings we know (their *history*) and, for users seen in training, their
id and demographics. New users, the bot's real audience, have ``user_id=None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Self, runtime_checkable

import numpy as np
import pandas as pd

MIN_STARS, MAX_STARS = 0.5, 5.0
"""The star scale of every MovieLens release the loader reads, and of every prediction."""


def clip_stars(stars: np.ndarray) -> np.ndarray:
    """Stars limited to MIN_STARS..MAX_STARS, dtype kept (np.clip's argument handling costs more than
    the clipping itself on serving's small arrays)."""
    return np.minimum(np.maximum(stars, MIN_STARS), MAX_STARS)


@dataclass(frozen=True)
class UserQuery:
    """Everything a model may condition on when it scores movies for one person."""

    history: Mapping[int, float]
    """movie_id -> stars (0.5..5). The movies to recommend *from*; never the ones being evaluated."""
    user_id: int | None = None
    """Dataset user id when the user was in the training data; None for a new user."""
    features: Mapping[str, Any] = field(default_factory=dict)
    """Demographics when known, keyed by schema column (user_gender, bucketized_user_age, ...)."""


@runtime_checkable
class ItemScorer(Protocol):
    """Scores every catalog movie for each query: higher means more likely to be wanted."""

    name: str

    @property
    def movie_ids(self) -> np.ndarray:
        """int64 movie ids, the column order of :meth:`score_items`."""

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        """Learn from training ratings (schema columns); ``movies`` is the catalog frame."""

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        """float32 array [len(queries), len(movie_ids)]. History movies are *not* masked here."""


@runtime_checkable
class RatingPredictor(Protocol):
    """Predicts the star rating a user would give."""

    name: str

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        """Learn from training ratings (schema columns); ``movies`` is the catalog frame."""

    def predict_ratings(self, queries: Sequence[UserQuery], movie_ids: Sequence[Sequence[int]]) -> list[np.ndarray]:
        """For query i, predicted stars (float32, clipped to 0.5..5) for each id in movie_ids[i]."""


@runtime_checkable
class Persistable(Protocol):
    """A trained model that can be written to and read back from a folder without pickle."""

    def save(self, path: Path) -> None:
        """Write config JSON, vocabularies and weights (keras weights or ``np.savez``) under ``path``."""

    @classmethod
    def load(cls, path: Path) -> Self:
        """Rebuild the model from what :meth:`save` wrote. Raises ``ValueError`` on a bad folder."""


@runtime_checkable
class EmbeddingModel(Protocol):
    """A model with a movie embedding space, used for "similar movies" and for explanations."""

    def movie_embeddings(self) -> np.ndarray:
        """float32 [len(movie_ids), d], rows in ``movie_ids`` order."""
