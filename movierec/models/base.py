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

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
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


class RatingArrays(Mapping[int, float]):
    """A history held as arrays (movie ids int64, stars float32), behind the usual Mapping interface.

    Serving validates ratings as arrays and the history towers read arrays; going through a dict in
    between costs more than the rest of a request for a long history. Models that want a Mapping still
    get one: the dict is built on first use.
    """

    def __init__(self, movie_ids: np.ndarray, stars: np.ndarray) -> None:
        if len(movie_ids) != len(stars):
            raise ValueError(f"{len(movie_ids)} movie ids but {len(stars)} ratings")
        self.movie_ids = np.asarray(movie_ids, dtype=np.int64)
        self.stars = np.asarray(stars, dtype=np.float32)

    @cached_property
    def _as_dict(self) -> dict[int, float]:
        return dict(zip(self.movie_ids.tolist(), self.stars.tolist()))

    def __getitem__(self, movie_id: int) -> float:
        return self._as_dict[movie_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._as_dict)

    def __len__(self) -> int:
        return len(self.movie_ids)


@dataclass(frozen=True)
class UserQuery:
    """Everything a model may condition on when it scores movies for one person."""

    history: Mapping[int, float]
    """movie_id -> stars (0.5..5). The movies to recommend *from*; never the ones being evaluated."""
    user_id: int | None = None
    """Dataset user id when the user was in the training data; None for a new user."""
    features: Mapping[str, Any] = field(default_factory=dict)
    """Demographics when known, keyed by schema column (user_gender, bucketized_user_age, ...)."""

    @cached_property
    def history_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The history as (movie ids int64, stars float32), built once however many models read it."""
        history = self.history
        if isinstance(history, RatingArrays):
            return history.movie_ids, history.stars
        return (np.fromiter(history.keys(), dtype=np.int64, count=len(history)),
                np.fromiter(history.values(), dtype=np.float32, count=len(history)))


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
    """A model with a movie embedding space, used for "similar movies" and onboarding groups."""

    def movie_embeddings(self) -> np.ndarray:
        """float32 [len(movie_ids), d], rows in ``movie_ids`` order."""


@runtime_checkable
class HistoryAttribution(Protocol):
    """An ItemScorer that can say how much each movie of a history adds to a movie's score: what
    explanations name, so a reason is the model's own and not a guess from similar movies."""

    def history_contributions(self, query: UserQuery, columns: np.ndarray) -> np.ndarray:
        """float32 [len(query.history), len(columns)]: for each history movie (in ``history_arrays``
        order) and each of these :meth:`ItemScorer.score_items` columns, the score minus the score
        of the same query without that movie. 0 for a movie the model cannot read."""
