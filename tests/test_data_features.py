"""Engineered features, checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from movierec.data import schema
from movierec.data.features import (add_movie_features, add_user_features, movie_age_at_rating, movie_rating_stats,
                                    user_activity)

DAY = 24 * 3600
YEAR = 365.25 * DAY

MOVIES = pd.DataFrame({schema.MOVIE_ID: [1, 2, 3], schema.YEAR: pd.array([1970, 1995, None], dtype="Int64"),
                       schema.RELEASE_DATE: pd.to_datetime(["1970-01-01", None, None])})
RATINGS = pd.DataFrame({schema.USER_ID: [1, 1, 2, 2, 2], schema.MOVIE_ID: [1, 2, 1, 2, 3],
                        schema.USER_RATING: np.array([4, 2, 5, 3, 1], dtype="float32"),
                        schema.TIMESTAMP: [int(10 * YEAR), int(25.5 * YEAR), int(20 * YEAR), 100, 500]})


def test_movie_rating_stats() -> None:
    stats = movie_rating_stats(RATINGS)
    assert stats[schema.RATING_COUNT].to_dict() == {1: 2, 2: 2, 3: 1}
    assert stats[schema.RATING_MEAN].to_dict() == {1: 4.5, 2: 2.5, 3: 1.0}


def test_user_activity() -> None:
    activity = user_activity(RATINGS)
    assert activity.loc[1].tolist() == [2, 3.0, int(10 * YEAR), int(25.5 * YEAR)]
    assert activity.loc[2, schema.USER_RATING_COUNT] == 3 and activity.loc[2, schema.USER_FIRST_TIMESTAMP] == 100
    assert math.isclose(activity.loc[2, schema.USER_RATING_MEAN], 3.0)


def test_movie_age_at_rating() -> None:
    age = movie_age_at_rating(RATINGS, MOVIES)
    assert math.isclose(age.iloc[0], 10.0, abs_tol=1e-4)  # released 1970-01-01, rated 10 years later
    assert math.isclose(age.iloc[2], 20.0, abs_tol=1e-4)
    # movie 2 has only a year: counted from mid-1995 (1995-07-02); 1970 + 25.5 years is early July 1995
    assert 0 <= age.iloc[1] < 0.01
    assert age.iloc[3] == 0.0  # rated in 1970, "before" its 1995 release: clipped to 0
    assert np.isnan(age.iloc[4]) and age.dtype == "float32"


def test_add_features_keep_rows_and_add_columns() -> None:
    with_movie = add_movie_features(RATINGS, MOVIES)
    assert with_movie[schema.MOVIE_RATING_COUNT].tolist() == [2, 2, 2, 2, 1]
    assert with_movie[schema.MOVIE_RATING_MEAN].tolist() == [4.5, 2.5, 4.5, 2.5, 1.0]
    assert with_movie[schema.YEAR].tolist()[:4] == [1970, 1995, 1970, 1995]
    with_user = add_user_features(RATINGS)
    assert with_user[schema.USER_RATING_COUNT].tolist() == [2, 2, 3, 3, 3]
    assert with_user[schema.USER_LAST_TIMESTAMP].tolist() == [int(25.5 * YEAR)] * 2 + [int(20 * YEAR)] * 3
    pd.testing.assert_frame_equal(with_user[RATINGS.columns], RATINGS)
