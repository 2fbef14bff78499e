"""History-based rating model: how many stars would this person give that movie?

``tfrs.tasks.Ranking`` with a mean-squared-error loss, on a biased factor model whose user side is read
from the rating history (and, for people seen in training, optionally their id)::

    stars = global mean + movie bias + user bias + user vector . movie vector

The user bias and vector come from the history encoder, plus the id embedding when the user is known.
In training the id is hidden from a share of the simulated users, so the same weights serve a bot
user (no id, a handful of ratings) and a known user (id and full history).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd

import tensorflow as tf
import tensorflow_recommenders as tfrs

from movierec.data import schema
from movierec.data.lookup import sorted_lookup
from movierec.models import training
from movierec.models.base import UserQuery, clip_stars
from movierec.models.features import (CandidateTower, HistoryEncoder, MovieVocabulary, dense_stack,
                                      encode_queries, encode_query, history_signature)
from movierec.models.numpy_towers import NumpyQueryTower



@dataclass
class HistoryRankingConfig:
    """Hyper-parameters of :class:`HistoryRanking`."""

    embedding_dim: int = 32
    hidden_units: tuple[int, ...] = (128,)
    """ReLU layers between the pooled history and the user vector + bias."""
    dropout: float = 0.2
    l2: float = 1e-5
    """L2 penalty on movie, title and user-id embeddings."""
    use_user_id: bool = True
    """Learn a per-user correction for users seen in training (new users never have one)."""
    user_id_dropout: float = 0.5
    """Share of training histories shown without the user id, so the model works for new users."""
    use_demographics: bool = True
    demographics_dropout: float = 0.5
    max_history: int = 50
    max_targets_per_user: int = 0
    learning_rate: float = 0.003
    users_per_batch: int = 32
    epochs: int = 15
    early_stopping_patience: int = 0
    seed: int = 42
    threads: int = 2
    tensorboard_dir: str | None = None
    verbose: int = 0


_TRAIN_SIGNATURE = {**history_signature(), **training.TARGET_SIGNATURE}


class _HistoryRatingNet(tfrs.Model):
    def __init__(self, vocabulary: MovieVocabulary, user_ids: np.ndarray, global_mean: float,
                 config: HistoryRankingConfig) -> None:
        super().__init__()
        self.config = config
        dim = config.embedding_dim
        regularizer = tf.keras.regularizers.l2(config.l2) if config.l2 else None
        self.global_mean = global_mean
        self.encoder = HistoryEncoder(len(vocabulary), dim, config.use_demographics, config.l2)
        self.user_head = dense_stack(config.hidden_units, dim + 1, config.dropout, "user_head")
        self.movie_tower = CandidateTower(vocabulary, dim, config.l2)
        self.movie_bias = tf.keras.layers.Embedding(len(vocabulary) + 1, 1, embeddings_initializer="zeros")
        # user id -> 1..U, unknown -> 0; the table is rebuilt from users.npz, not stored in the checkpoint
        self.user_index = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(tf.constant(user_ids, tf.int64),
                                                tf.range(1, len(user_ids) + 1, dtype=tf.int32)), default_value=0)
        self.user_embedding = tf.keras.layers.Embedding(len(user_ids) + 1, dim + 1, embeddings_initializer="zeros",
                                                        embeddings_regularizer=regularizer)
        self.task = tfrs.tasks.Ranking(loss=tf.keras.losses.MeanSquaredError(),
                                       metrics=[tf.keras.metrics.RootMeanSquaredError()])

    def predict_stars(self, features: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        users = self.user_head(self.encoder(features), training=training)
        if self.config.use_user_id:
            index = self.user_index.lookup(features["user_id"])
            if training and self.config.user_id_dropout:
                keep = tf.random.uniform(tf.shape(index)) >= self.config.user_id_dropout
                index = tf.where(keep, index, tf.zeros_like(index))
            users = users + self.user_embedding(index)
        owners, movies = features["target_owner"], features["target_movie"]
        users = tf.gather(users, owners)
        movie_vectors = self.movie_tower(movies)
        return (self.global_mean + users[:, -1] + self.movie_bias(movies)[:, 0]
                + tf.reduce_sum(users[:, :-1] * movie_vectors, axis=1))

    def compute_loss(self, features: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        predicted = self.predict_stars(features, training=training)
        return self.task(labels=features["target_rating"], predictions=predicted)


class HistoryRanking:
    """RatingPredictor + Persistable: predicted stars for any rating history, with or without a user id."""

    name = "history_ranking"

    def __init__(self, config: HistoryRankingConfig | None = None) -> None:
        self.config = config or HistoryRankingConfig()
        self.history: dict[str, list[float]] = {}
        self._vocabulary: MovieVocabulary | None = None
        self._net: _HistoryRatingNet | None = None

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        config = self.config
        training.limit_threads(config.threads)
        tf.keras.utils.set_random_seed(config.seed)
        self._vocabulary = MovieVocabulary.from_movies(movies)
        sampler = training.HistorySampler(train, self._vocabulary, max_history=config.max_history,
                                          max_targets_per_user=config.max_targets_per_user,
                                          demographics_dropout=config.demographics_dropout)
        user_ids = np.unique(train[schema.USER_ID].to_numpy(dtype=np.int64))
        global_mean = float(train[schema.USER_RATING].mean())
        self._net = _HistoryRatingNet(self._vocabulary, user_ids, global_mean, config)
        self._net.compile(optimizer=tf.keras.optimizers.Adam(config.learning_rate))
        dataset = training.batches(sampler, config.seed, config.users_per_batch, _TRAIN_SIGNATURE)
        self.history = training.fit(self._net, dataset, steps_per_epoch=sampler.steps_per_epoch(config.users_per_batch),
                                    epochs=config.epochs, early_stopping_patience=config.early_stopping_patience,
                                    tensorboard_dir=config.tensorboard_dir, verbose=config.verbose)
        self._user_ids = user_ids
        self._prepare_serving()

    def predict_ratings(self, queries: Sequence[UserQuery], movie_ids: Sequence[Sequence[int]]) -> list[np.ndarray]:
        self._require_trained()
        if len(queries) != len(movie_ids):
            raise ValueError(f"{len(queries)} queries but {len(movie_ids)} lists of movie ids")
        return [clip_stars(self._predict_stars(query, ids)).astype(np.float32, copy=False)
                for query, ids in zip(queries, movie_ids, strict=True)]

    def save(self, path: Path) -> None:
        vocabulary = self._require_trained()
        path = Path(path)
        training.write_config(path, self.name, self.config,
                              {"history": self.history, "global_mean": self._net.global_mean})
        vocabulary.save(path)
        training.save_user_ids(path, self._user_ids)
        training.save_weights(self._net, path)

    @classmethod
    def load(cls, path: Path) -> Self:
        path = Path(path)
        values, state = training.read_config(path, cls.name)
        model = cls(training.config_from_dict(HistoryRankingConfig, values))
        model.history = state.get("history", {})
        model._vocabulary = MovieVocabulary.load(path)
        model._user_ids = training.load_user_ids(path)
        model._net = _HistoryRatingNet(model._vocabulary, model._user_ids, float(state["global_mean"]), model.config)
        first_movie = int(model._vocabulary.movie_ids[0])  # one call creates the variables to restore into
        inputs = prediction_inputs([UserQuery(history={})], [[first_movie]], model._vocabulary)
        model._net.predict_stars({name: tf.constant(array) for name, array in inputs.items()})
        training.load_weights(model._net, path)
        model._prepare_serving()
        return model

    def _prepare_serving(self) -> None:
        """Copy the trained weights into NumPy (see numpy_towers): the user tower, and every movie's
        vector and bias computed once."""
        net = self._net
        self._user_tower = NumpyQueryTower(net.encoder, net.user_head)
        every_movie = tf.range(len(self._vocabulary) + 1)
        self._movie_vectors = net.movie_tower(every_movie).numpy()
        # the global mean rides on each movie's bias: one addition fewer per request
        self._movie_offsets = net.global_mean + net.movie_bias(every_movie).numpy()[:, 0]
        self._user_corrections = net.user_embedding.embeddings.numpy() if self.config.use_user_id else None

    def _predict_stars(self, query: UserQuery, movie_ids: Sequence[int]) -> np.ndarray:
        """``_HistoryRatingNet.predict_stars`` at inference for one query, in NumPy."""
        movies = self._vocabulary.indices(movie_ids)
        if not movies.all():
            unknown = np.asarray(movie_ids, dtype=np.int64)[movies == 0]
            raise ValueError(f"unknown movie ids: {sorted(set(unknown.tolist()))[:10]}")
        user = self._user_tower(encode_query(query, self._vocabulary))
        if self._user_corrections is not None:  # row 0, unknown users, is trained too (user-id dropout)
            known = 0 if query.user_id is None else int(sorted_lookup(self._user_ids, [query.user_id])[0])
            user = user + self._user_corrections[known]
        return self._movie_offsets[movies] + user[-1] + self._movie_vectors[movies] @ user[:-1]

    def _require_trained(self) -> MovieVocabulary:
        if self._vocabulary is None or self._net is None:
            raise RuntimeError(f"{self.name} is not trained: call fit() or load() first")
        return self._vocabulary


def prediction_inputs(queries: Sequence[UserQuery], movie_ids: Sequence[Sequence[int]],
                      vocabulary: MovieVocabulary) -> dict[str, np.ndarray]:
    """Encoded histories plus flattened (owner, movie) pairs; ValueError for movies not in the catalog."""
    inputs = encode_queries(queries, vocabulary)
    flat = np.concatenate([np.asarray(ids, dtype=np.int64) for ids in movie_ids]) if movie_ids else \
        np.zeros(0, np.int64)
    index = vocabulary.indices(flat)
    if (index == 0).any():
        raise ValueError(f"unknown movie ids: {sorted(set(flat[index == 0].tolist()))[:10]}")
    inputs["target_movie"] = index
    inputs["target_owner"] = np.repeat(np.arange(len(movie_ids), dtype=np.int32), [len(ids) for ids in movie_ids])
    inputs["user_id"] = np.array([-1 if q.user_id is None else q.user_id for q in queries], dtype=np.int64)
    return inputs
