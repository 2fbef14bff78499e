"""A tiny MovieLens-shaped dataset with planted taste groups, for the model tests.

Two groups of 20 movies (Action vs Romance); each user belongs to one group, rates mostly movies of
that group highly and a few of the other group poorly. A model that learned anything recommends a
user's own group (random picks hit it half the time) and predicts higher stars there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from movierec.data import schema

MOVIES_PER_GROUP = 20
GROUP_GENRES = ("Action", "Romance")


def movie_group(movie_id: int) -> int:
    return (movie_id - 1) // MOVIES_PER_GROUP


def synthetic_movielens(users: int = 60, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ratings, movies) frames with the schema columns the models read."""
    rng = np.random.default_rng(seed)
    movie_ids = np.arange(1, 2 * MOVIES_PER_GROUP + 1)
    movies = pd.DataFrame({
        schema.MOVIE_ID: movie_ids,
        schema.TITLE: [f"{GROUP_GENRES[movie_group(m)]} Story {m} ({1980 + m})" for m in movie_ids],
        schema.YEAR: pd.array([1980 + m for m in movie_ids], dtype="Int64"),
        schema.GENRE_NAMES: [[GROUP_GENRES[movie_group(m)]] for m in movie_ids],
    })
    rows = []
    for user in range(1, users + 1):
        group = user % 2
        own = rng.choice(movie_ids[movie_ids_in(group)], size=12, replace=False)
        other = rng.choice(movie_ids[movie_ids_in(1 - group)], size=3, replace=False)
        for movie in own:
            rows.append((user, int(movie), float(rng.choice([4.0, 4.5, 5.0]))))
        for movie in other:
            rows.append((user, int(movie), float(rng.choice([1.0, 1.5, 2.0]))))
    ratings = pd.DataFrame(rows, columns=[schema.USER_ID, schema.MOVIE_ID, schema.USER_RATING])
    ratings[schema.USER_RATING] = ratings[schema.USER_RATING].astype("float32")
    ratings[schema.TIMESTAMP] = np.arange(len(ratings), dtype=np.int64)
    ratings[schema.USER_GENDER] = ratings[schema.USER_ID] % 2 == 0
    ratings[schema.BUCKETIZED_USER_AGE] = np.float32(25.0)
    ratings[schema.USER_OCCUPATION_LABEL] = (ratings[schema.USER_ID] % 5).astype("int64")
    ratings[schema.USER_ZIP_CODE] = (ratings[schema.USER_ID] % 7).map(lambda z: f"{z}0000")
    return ratings, movies


def movie_ids_in(group: int) -> slice:
    """Positions (in the sorted id array) of one group's movies."""
    return slice(group * MOVIES_PER_GROUP, (group + 1) * MOVIES_PER_GROUP)


def group_history(group: int, count: int = 5, stars: float = 5.0) -> dict[int, float]:
    """A new user's history: the first ``count`` movies of ``group``, all given ``stars``."""
    first = group * MOVIES_PER_GROUP + 1
    return {first + i: stars for i in range(count)}


def own_group_share(scores: np.ndarray, movie_ids: np.ndarray, history: dict[int, float], group: int,
                    k: int = 10) -> float:
    """Share of the top-``k`` unrated movies that belong to ``group``."""
    scores = scores.astype(np.float64).copy()
    scores[np.isin(movie_ids, list(history))] = -np.inf
    top = movie_ids[np.argsort(-scores, kind="stable")[:k]]
    return float(np.mean([movie_group(int(m)) == group for m in top]))
