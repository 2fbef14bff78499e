"""Engineered features for ranking models and the EDA: movie age, popularity and user activity.

All functions are pure and use only the frames they are given. Popularity and activity statistics
leak the test set if computed on all ratings, so pass the *training* split when they feed a model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from movierec.data import schema

_SECONDS_PER_YEAR = 365.25 * 24 * 3600


def movie_rating_stats(ratings: pd.DataFrame) -> pd.DataFrame:
    """Per movie: rating_count (int64) and rating_mean (float64), indexed by movie_id."""
    # float64 sums: float32 loses digits over a movie's hundreds of thousands of ratings
    grouped = ratings[schema.USER_RATING].astype("float64").groupby(ratings[schema.MOVIE_ID], sort=True)
    return pd.DataFrame({schema.RATING_COUNT: grouped.size().astype("int64"),
                         schema.RATING_MEAN: grouped.mean().astype("float64")})


def user_activity(ratings: pd.DataFrame) -> pd.DataFrame:
    """Per user: rating count, mean rating, first and last rating timestamp, indexed by user_id."""
    grouped = ratings.groupby(schema.USER_ID, sort=True)
    return pd.DataFrame({
        schema.USER_RATING_COUNT: grouped.size().astype("int64"),
        schema.USER_RATING_MEAN: grouped[schema.USER_RATING].mean().astype("float32"),
        schema.USER_FIRST_TIMESTAMP: grouped[schema.TIMESTAMP].min().astype("int64"),
        schema.USER_LAST_TIMESTAMP: grouped[schema.TIMESTAMP].max().astype("int64"),
    })


def movie_age_at_rating(ratings: pd.DataFrame, movies: pd.DataFrame) -> pd.Series:
    """Years between a movie's release and each rating (float32, NaN when the movie has no date).

    The release date is used when known, else the middle of the release year. Ratings given before
    the listed release (festival screenings, previews) count as age 0 rather than a negative age.
    """
    catalog = movies.set_index(schema.MOVIE_ID)
    mid_year = pd.to_datetime(catalog[schema.YEAR].astype("Float64").astype("float64"), format="%Y",
                              errors="coerce") + pd.Timedelta(days=182)
    released = catalog[schema.RELEASE_DATE].fillna(mid_year) if schema.RELEASE_DATE in catalog else mid_year
    released_seconds = (released - pd.Timestamp(0)).dt.total_seconds()
    at_rating = ratings[schema.MOVIE_ID].map(released_seconds)
    years = (ratings[schema.TIMESTAMP].astype("float64") - at_rating) / _SECONDS_PER_YEAR
    return years.clip(lower=0).astype("float32").rename(schema.MOVIE_AGE_AT_RATING)


def add_movie_features(ratings: pd.DataFrame, movies: pd.DataFrame) -> pd.DataFrame:
    """Ratings plus release year, movie age at rating time and the movie's rating count and mean."""
    stats = movie_rating_stats(ratings)
    return ratings.assign(**{
        schema.YEAR: ratings[schema.MOVIE_ID].map(movies.set_index(schema.MOVIE_ID)[schema.YEAR]).astype("Int64"),
        schema.MOVIE_AGE_AT_RATING: movie_age_at_rating(ratings, movies),
        schema.MOVIE_RATING_COUNT: ratings[schema.MOVIE_ID].map(stats[schema.RATING_COUNT]).astype("int64"),
        schema.MOVIE_RATING_MEAN: ratings[schema.MOVIE_ID].map(stats[schema.RATING_MEAN]).astype("float32"),
    })


def add_user_features(ratings: pd.DataFrame) -> pd.DataFrame:
    """Ratings plus the rating user's activity: count, mean, first and last timestamp."""
    activity = user_activity(ratings)
    codes = activity.index.get_indexer(ratings[schema.USER_ID])
    return ratings.assign(**{column: np.asarray(activity[column])[codes] for column in activity.columns})
