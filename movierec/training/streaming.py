"""Training that streams ratings from disk: the path past what fits in a pandas frame.

The served models read MovieLens into pandas (fine at 100k-1M ratings). At ML-25M size the ratings
should not become Python objects at all: ``tf.data`` parses ``ratings.csv`` in C++ batch by batch, a
shuffle within each parsed chunk mixes it, and a two-tower ID retrieval model (the TFRS basic-retrieval design)
learns from it. Memory is the model plus the buffers, whatever the file size. The same pipeline runs
single-process or under ``tf.distribute.MultiWorkerMirroredStrategy`` (``scripts/distributed_demo.py``).

Users are hashed into a fixed number of buckets instead of looked up in a vocabulary: building a
user vocabulary would mean a full pass over the file, and new users need no rebuild.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import tensorflow as tf
import tensorflow_recommenders as tfrs

HOLDOUT_MODULUS = 10
"""(user * 31 + movie) % 10 == 0 marks a held-out rating: a split decided per row, so it streams."""


@dataclass(frozen=True)
class StreamingConfig:
    embedding_dim: int = 32
    user_buckets: int = 1 << 18
    batch_size: int = 1024
    learning_rate: float = 0.1
    epochs: int = 1
    seed: int = 42


CHUNK_ROWS = 65_536


def rating_chunks(ratings_csv: Path, *, holdout: bool | None = False, shuffle_seed: int | None = None
                  ) -> tf.data.Dataset:
    """(user_ids, movie_ids) int64 vectors of up to CHUNK_ROWS consecutive CSV rows, parsed in bulk.

    Whole chunks are parsed with vectorised string ops: a per-row ``tf.data`` filter/map ran at ~12k
    rows/s here, chunks at ~300k. ``holdout``: False keeps training rows, True held-out rows, None
    all. ``shuffle_seed`` permutes rows inside each chunk — the file is sorted by user, and in-batch
    negatives need a batch of many users; 65k consecutive rows span hundreds of users.
    """
    def parse(lines: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        columns = tf.strings.split(lines, ",", maxsplit=2).to_tensor(shape=[None, 3])
        users = tf.strings.to_number(columns[:, 0], tf.int64)
        movies = tf.strings.to_number(columns[:, 1], tf.int64)
        if holdout is not None:
            keep = tf.equal((users * 31 + movies) % HOLDOUT_MODULUS == 0, holdout)
            users, movies = tf.boolean_mask(users, keep), tf.boolean_mask(movies, keep)
        if shuffle_seed is not None:
            order = tf.random.shuffle(tf.range(tf.shape(users)[0]), seed=shuffle_seed)
            users, movies = tf.gather(users, order), tf.gather(movies, order)
        return users, movies

    return (tf.data.TextLineDataset(str(ratings_csv)).skip(1).batch(CHUNK_ROWS)
            .map(parse, num_parallel_calls=tf.data.AUTOTUNE))


def training_batches(ratings_csv: Path, config: StreamingConfig, global_batch: int | None = None) -> tf.data.Dataset:
    """Training batches of ``{"user_id", "movie_id"}``, rows mixed within each chunk."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return (rating_chunks(ratings_csv, shuffle_seed=config.seed)
            .rebatch(global_batch or config.batch_size, drop_remainder=True)
            .map(lambda user, movie: {"user_id": user, "movie_id": movie})
            .with_options(options)
            .prefetch(tf.data.AUTOTUNE))


def read_movie_ids(movies_csv: Path) -> np.ndarray:
    return pd.read_csv(movies_csv, usecols=["movieId"])["movieId"].to_numpy(dtype=np.int64)


class StreamingTwoTower(tfrs.Model):
    """User-id tower and movie-id tower, in-batch softmax retrieval loss."""

    def __init__(self, movie_ids: np.ndarray, config: StreamingConfig) -> None:
        super().__init__()
        dim = config.embedding_dim
        self.user_model = tf.keras.Sequential([tf.keras.layers.Hashing(config.user_buckets),
                                               tf.keras.layers.Embedding(config.user_buckets, dim)])
        self.movie_model = tf.keras.Sequential([tf.keras.layers.IntegerLookup(vocabulary=movie_ids),
                                                tf.keras.layers.Embedding(len(movie_ids) + 1, dim)])
        self.task = tfrs.tasks.Retrieval()

    def compute_loss(self, features: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        return self.task(self.user_model(features["user_id"]), self.movie_model(features["movie_id"]),
                         compute_metrics=False)


class EpochTimer(tf.keras.callbacks.Callback):
    """Wall seconds of each epoch (data reading included: the pipeline is part of the cost)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._started = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._started)


def build_model(movie_ids: np.ndarray, config: StreamingConfig) -> StreamingTwoTower:
    tf.keras.utils.set_random_seed(config.seed)
    model = StreamingTwoTower(movie_ids, config)
    model.compile(optimizer=tf.keras.optimizers.Adagrad(config.learning_rate))
    return model


def recall_at_k(model: StreamingTwoTower, ratings_csv: Path, movie_ids: np.ndarray, k: int = 100,
                max_pairs: int = 20_000) -> float:
    """Share of held-out (user, movie) pairs whose movie is in the user's exact top k."""
    held_out = rating_chunks(ratings_csv, holdout=True).unbatch().take(max_pairs)
    pairs = np.array(list(held_out.as_numpy_iterator()))
    users = model.user_model(tf.constant(pairs[:, 0])).numpy()
    movies = model.movie_model(tf.constant(movie_ids)).numpy()
    scores = users @ movies.T
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    return float(np.mean((movie_ids[top] == pairs[:, 1:2]).any(axis=1)))
