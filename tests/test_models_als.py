"""BiasedAls: weighted-lambda ALS recovers a low-rank matrix with biases from part of its entries."""

from __future__ import annotations

import numpy as np
import pandas as pd

from movierec.data import schema
from movierec.models.als import BiasedAls, BiasedAlsConfig
from movierec.models.base import UserQuery


def test_a_rank_one_matrix_with_biases_is_recovered_from_90_percent_of_its_entries() -> None:
    rng = np.random.default_rng(0)
    users, movies = 30, 20
    taste, appeal = rng.uniform(-1, 1, users), rng.uniform(-1, 1, movies)
    stars = 3.0 + rng.uniform(-0.5, 0.5, (users, 1)) + rng.uniform(-0.5, 0.5, movies) + np.outer(taste, appeal)
    user, movie = np.meshgrid(np.arange(users), np.arange(movies), indexing="ij")
    held_out = rng.random((users, movies)) < 0.1
    frame = pd.DataFrame({schema.USER_ID: user[~held_out] + 1, schema.MOVIE_ID: movie[~held_out] + 1,
                          schema.USER_RATING: stars[~held_out]})
    model = BiasedAls(BiasedAlsConfig(dim=1, reg=1e-4, iterations=50))
    model.fit(frame, pd.DataFrame({schema.MOVIE_ID: np.arange(1, movies + 1)}))

    queries = [UserQuery(history={}, user_id=int(u) + 1) for u in np.flatnonzero(held_out.any(axis=1))]
    wanted = [(np.flatnonzero(held_out[q.user_id - 1]) + 1).tolist() for q in queries]
    predicted = np.concatenate(model.predict_ratings(queries, wanted))
    actual = np.concatenate([stars[q.user_id - 1, np.asarray(w) - 1] for q, w in zip(queries, wanted)])
    assert np.abs(predicted - actual).max() < 0.05
