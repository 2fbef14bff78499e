"""What the rating models keyed on user id share: their index of training users and movies, and the
bias model that answers for everyone else.

Item kNN, biased ALS and AutoRec learn one row or column per training user, so they can only speak
for people they were trained on (the tfrs protocol's known users). A new user, or a movie nobody
rated in training, gets the bias model's prediction from the query's history instead: these models
never crash on the bot's audience, they just know nothing more about it than the bias model does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from movierec.data import schema
from movierec.data.lookup import sorted_lookup
from movierec.models.base import UserQuery, clip_stars
from movierec.models.bias import BiasModel


class KnownUserModel:
    """Base of the RatingPredictors keyed on user id. A subclass's ``fit`` calls :meth:`_index_ratings`
    first and implements :meth:`_predict` for one known user and the known movies asked about."""

    def _index_ratings(self, train: pd.DataFrame, movies: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fit the fallback and index ``train``: (user rows, movie columns, stars float64) per rating.
        Rows and columns count the users and movies *rated* in training, in id order."""
        if train.empty:
            raise ValueError(f"cannot fit {type(self).__name__} on an empty ratings frame")
        self.fallback = BiasModel()
        self.fallback.fit(train, movies)
        user_ids, movie_ids = train[schema.USER_ID].to_numpy(np.int64), train[schema.MOVIE_ID].to_numpy(np.int64)
        self.user_ids, self.movie_ids = np.unique(user_ids), np.unique(movie_ids)
        return (np.searchsorted(self.user_ids, user_ids), np.searchsorted(self.movie_ids, movie_ids),
                train[schema.USER_RATING].to_numpy(np.float64))

    def _predict(self, user: int, movies: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        """Unclipped stars of user row ``user`` for movie columns ``movies``; ``fallback`` holds the
        bias model's prediction of the same movies for this query."""
        raise NotImplementedError

    def predict_ratings(self, queries: Sequence[UserQuery], movie_ids: Sequence[Sequence[int]]) -> list[np.ndarray]:
        if len(queries) != len(movie_ids):
            raise ValueError(f"got {len(queries)} queries but {len(movie_ids)} movie lists")
        fallbacks = self.fallback.predict_ratings(queries, movie_ids)
        predictions = []
        for query, wanted, stars in zip(queries, movie_ids, fallbacks):
            user = sorted_lookup(self.user_ids, [-1 if query.user_id is None else query.user_id])[0] - 1
            columns = sorted_lookup(self.movie_ids, wanted) - 1
            known = columns >= 0
            if user >= 0 and known.any():
                stars = stars.copy()
                stars[known] = clip_stars(self._predict(int(user), columns[known], stars[known]))
            predictions.append(stars)
        return predictions
