"""What the TensorFlow models know about movies and users, as arrays and as Keras layers.

Every history-based model (retrieval, ranking, multitask) reads the same inputs: a user's rating
history turned into padded index/rating arrays, optional demographics, and a catalog of movies
described by id, genres, title words and release year. Keeping that encoding in one place means the
towers of all three models agree on what "movie 50" or "a 4-star rating" is, and the vocabulary
saved with one model can be read back by the same code.

Index convention: movie *index* ``i + 1`` is row ``i`` of :attr:`MovieVocabulary.movie_ids`; index 0
is padding (and "unknown"), so it can be masked out of every pooled history.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

import tensorflow as tf

from movierec.data import schema
from movierec.data.lookup import IdIndex
from movierec.models.base import UserQuery

VOCABULARY_FILE = "vocabulary.npz"
# TFDS age buckets; index 0 means "unknown" so a new user without demographics is well defined.
AGE_BUCKETS: tuple[float, ...] = (1.0, 18.0, 25.0, 35.0, 45.0, 50.0, 56.0)
OCCUPATION_LABELS = 22  # TFDS user_occupation_label takes 0..21
YEAR_FIRST, YEAR_LAST = 1920, 2020  # decades outside this range share the edge bucket
_WORD = re.compile(r"[a-z0-9]+")


def _title_words(title: str) -> list[str]:
    """Lower-case words of a title without the trailing "(1995)" year."""
    return _WORD.findall(re.sub(r"\(\d{4}\)\s*$", "", title).lower())


def _year_bucket(year: Any) -> int:
    """0 for unknown, else 1 + decade index since 1920 (clipped)."""
    if year is None or pd.isna(year):
        return 0
    decade = (min(max(int(year), YEAR_FIRST), YEAR_LAST) - YEAR_FIRST) // 10
    return 1 + decade


YEAR_BUCKETS = 2 + (YEAR_LAST - YEAR_FIRST) // 10


@dataclass(frozen=True)
class MovieVocabulary:
    """The catalog as dense arrays: ids, genre multi-hot, hashed title words, year bucket."""

    movie_ids: np.ndarray      # int64 [M], sorted
    genres: np.ndarray         # float32 [M, len(schema.GENRES)]
    title_tokens: np.ndarray   # int32 [M, T]; 0 = padding, else 1 + hash bucket
    year_buckets: np.ndarray   # int32 [M]
    title_buckets: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", IdIndex(self.movie_ids))  # frozen: set once, here

    @classmethod
    def from_movies(cls, movies: pd.DataFrame, title_buckets: int = 2000, max_title_words: int = 8) -> MovieVocabulary:
        """Encode the catalog frame. Title words are hashed (crc32) so no word list has to be stored."""
        if movies.empty:
            raise ValueError("cannot build a movie vocabulary from an empty catalog")
        movies = movies.sort_values(schema.MOVIE_ID)
        ids = movies[schema.MOVIE_ID].to_numpy(dtype=np.int64)
        if len(np.unique(ids)) != len(ids):
            raise ValueError("the catalog has duplicate movie ids")
        genres = np.zeros((len(ids), len(schema.GENRES)), dtype=np.float32)
        tokens = np.zeros((len(ids), max_title_words), dtype=np.int32)
        for row, (names, title) in enumerate(zip(movies[schema.GENRE_NAMES], movies[schema.TITLE])):
            for name in names if isinstance(names, (list, tuple, np.ndarray)) else ():
                if name in schema.GENRES:
                    genres[row, schema.GENRES.index(name)] = 1.0
            words = _title_words(str(title))[:max_title_words]
            tokens[row, : len(words)] = [1 + zlib.crc32(w.encode()) % title_buckets for w in words]
        years = np.array([_year_bucket(y) for y in movies[schema.YEAR]], dtype=np.int32)
        return cls(ids, genres, tokens, years, title_buckets)

    def __len__(self) -> int:
        return len(self.movie_ids)

    def indices(self, movie_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Model indices (row + 1) of dataset movie ids; 0 for ids not in the catalog."""
        return self._index.positions(movie_ids)

    def save(self, folder: Path) -> None:
        np.savez(folder / VOCABULARY_FILE, movie_ids=self.movie_ids, genres=self.genres,
                 title_tokens=self.title_tokens, year_buckets=self.year_buckets,
                 title_buckets=np.array(self.title_buckets))

    @classmethod
    def load(cls, folder: Path) -> MovieVocabulary:
        path = folder / VOCABULARY_FILE
        if not path.exists():
            raise ValueError(f"{folder} has no {VOCABULARY_FILE}")
        with np.load(path, allow_pickle=False) as data:
            return cls(data["movie_ids"], data["genres"], data["title_tokens"], data["year_buckets"],
                       int(data["title_buckets"]))


NO_DEMOGRAPHICS = np.zeros(3, dtype=np.int32)
NO_DEMOGRAPHICS.setflags(write=False)  # shared by every query without features


def demographic_indices(features: Mapping[str, Any]) -> np.ndarray:
    """[gender, age bucket, occupation] indices for one user; 0 wherever the value is unknown."""
    if not features:  # every bot user: skip the lookups
        return NO_DEMOGRAPHICS
    gender = features.get(schema.USER_GENDER)
    age = features.get(schema.BUCKETIZED_USER_AGE)
    occupation = features.get(schema.USER_OCCUPATION_LABEL)
    gender_index = 0 if gender is None or pd.isna(gender) else 1 + int(bool(gender))
    age_index = 0
    if age is not None and not pd.isna(age):
        age_index = 1 + int(np.searchsorted(AGE_BUCKETS, float(age), side="right") - 1)
    occupation_index = 0
    if occupation is not None and not pd.isna(occupation) and 0 <= int(occupation) < OCCUPATION_LABELS:
        occupation_index = 1 + int(occupation)
    return np.array([gender_index, max(age_index, 0), occupation_index], dtype=np.int32)


DEMOGRAPHIC_SIZES = (3, 1 + len(AGE_BUCKETS), 1 + OCCUPATION_LABELS)


class EncodedQuery(NamedTuple):
    """One query as model inputs: the history's model movie indices (unknown movies dropped), their
    stars, and the demographic indices."""

    movie_index: np.ndarray  # int32 [n], all > 0
    stars: np.ndarray        # float32 [n]
    demographics: np.ndarray  # int32 [3]


def encode_query(query: UserQuery, vocabulary: MovieVocabulary) -> EncodedQuery:
    """A single query's arrays, the form the NumPy serving towers read."""
    ids, stars = query.history_arrays
    index = vocabulary.indices(ids)
    if not index.all():
        keep = index > 0
        index, stars = index[keep], stars[keep]
    return EncodedQuery(index, stars, demographic_indices(query.features))


def encode_queries(queries: Sequence[UserQuery], vocabulary: MovieVocabulary) -> dict[str, np.ndarray]:
    """Padded history arrays (+ demographics) for a batch of queries, the TensorFlow towers' input.

    Histories of any length are kept whole: the towers pool with means, so a 500-rating history is
    as valid an input as the 1..max_history lengths seen in training."""
    encoded = [encode_query(query, vocabulary) for query in queries]
    width = max([1, *(len(e.movie_index) for e in encoded)])
    movie_index = np.zeros((len(queries), width), dtype=np.int32)
    rating = np.zeros((len(queries), width), dtype=np.float32)
    for row, e in enumerate(encoded):
        movie_index[row, : len(e.movie_index)] = e.movie_index
        rating[row, : len(e.stars)] = e.stars
    demographics = np.stack([e.demographics for e in encoded]) if encoded else np.zeros((0, 3), dtype=np.int32)
    return {"history_movie": movie_index, "history_rating": rating, "demographics": demographics}


def history_signature() -> dict[str, tf.TensorSpec]:
    """The fixed input signature of every query tower, so serving traces its tf.function once."""
    return {"history_movie": tf.TensorSpec([None, None], tf.int32),
            "history_rating": tf.TensorSpec([None, None], tf.float32),
            "demographics": tf.TensorSpec([None, 3], tf.int32)}


class CandidateTower(tf.keras.layers.Layer):
    """Movie index -> embedding from id, genres, title words and release decade.

    The content features give rarely rated movies a sensible place in the space; the id embedding
    lets popular movies move away from their genre neighbours.
    """

    def __init__(self, vocabulary: MovieVocabulary, dim: int, l2: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        regularizer = tf.keras.regularizers.l2(l2) if l2 else None
        size = len(vocabulary) + 1
        self.id_embedding = tf.keras.layers.Embedding(size, dim, embeddings_regularizer=regularizer)
        self.title_embedding = tf.keras.layers.Embedding(vocabulary.title_buckets + 1, dim,
                                                         embeddings_regularizer=regularizer)
        self.year_embedding = tf.keras.layers.Embedding(YEAR_BUCKETS, dim)
        self.genre_projection = tf.keras.layers.Dense(dim, use_bias=False)
        pad = np.zeros((1,), dtype=np.int32)
        self._genres = tf.constant(np.concatenate([np.zeros((1, vocabulary.genres.shape[1]), np.float32),
                                                   vocabulary.genres]))
        self._titles = tf.constant(np.concatenate([np.zeros((1, vocabulary.title_tokens.shape[1]), np.int32),
                                                   vocabulary.title_tokens]))
        self._years = tf.constant(np.concatenate([pad, vocabulary.year_buckets]))

    def call(self, movie_index: tf.Tensor) -> tf.Tensor:
        titles = tf.gather(self._titles, movie_index)
        title_mask = tf.cast(titles > 0, tf.float32)[..., None]
        title_vector = tf.reduce_sum(self.title_embedding(titles) * title_mask, axis=-2) / tf.maximum(
            tf.reduce_sum(title_mask, axis=-2), 1.0)
        return (self.id_embedding(movie_index) + title_vector
                + self.year_embedding(tf.gather(self._years, movie_index))
                + self.genre_projection(tf.gather(self._genres, movie_index)))


class HistoryEncoder(tf.keras.layers.Layer):
    """A rating history (+ demographics) -> a fixed-size summary, for any number of rated movies.

    Each rated movie contributes its embedding twice: plainly (what the person watches) and scaled by
    the centred stars (what they liked versus disliked), plus a learned embedding of the star value.
    Means over the history make the summary independent of its length; the mean centred rating and
    log length tell the head how generous and how well known the person is.
    """

    def __init__(self, movie_count: int, dim: int, use_demographics: bool, l2: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        regularizer = tf.keras.regularizers.l2(l2) if l2 else None
        self.movie_embedding = tf.keras.layers.Embedding(movie_count + 1, dim, embeddings_regularizer=regularizer)
        self.star_embedding = tf.keras.layers.Embedding(11, dim)  # half-star steps 0..5
        self.use_demographics = use_demographics
        self.demographic_embeddings = [tf.keras.layers.Embedding(size, 8) for size in DEMOGRAPHIC_SIZES]

    def call(self, inputs: Mapping[str, tf.Tensor]) -> tf.Tensor:
        movies, stars = inputs["history_movie"], inputs["history_rating"]
        mask = tf.cast(movies > 0, tf.float32)[..., None]
        count = tf.maximum(tf.reduce_sum(mask, axis=1), 1.0)
        centred = (stars[..., None] - 3.5) / 1.5 * mask
        embedded = self.movie_embedding(movies) * mask
        star_index = tf.clip_by_value(tf.cast(tf.round(stars * 2.0), tf.int32), 0, 10)
        watched = tf.reduce_sum(embedded, axis=1) / count
        liked = tf.reduce_sum(embedded * centred, axis=1) / count
        tastes = tf.reduce_sum(self.star_embedding(star_index) * mask, axis=1) / count
        parts = [watched, liked, tastes, tf.reduce_sum(centred, axis=1) / count, tf.math.log(count) / 5.0]
        if self.use_demographics:
            demographics = inputs["demographics"]
            parts += [layer(demographics[:, i]) for i, layer in enumerate(self.demographic_embeddings)]
        return tf.concat(parts, axis=-1)


def dense_stack(units: Sequence[int], output_dim: int, dropout: float, name: str) -> tf.keras.Sequential:
    """ReLU layers then a linear output, the head shared by every tower."""
    layers: list[tf.keras.layers.Layer] = []
    for width in units:
        layers += [tf.keras.layers.Dense(width, activation="relu"), tf.keras.layers.Dropout(dropout)]
    layers.append(tf.keras.layers.Dense(output_dim))
    return tf.keras.Sequential(layers, name=name)
