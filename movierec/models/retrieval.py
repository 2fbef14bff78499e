"""History-based two-tower retrieval: a user's ratings in, a score for every catalog movie out.

The TFRS tutorials key the query tower on ``user_id``, so a person the model never saw lands in the
out-of-vocabulary bucket and gets the same list as every other newcomer. The bot's users are all
newcomers, so here the query tower reads the *rating history* instead (see
:class:`~movierec.models.features.HistoryEncoder`), and training simulates new users by splitting each
training user's ratings afresh every epoch into a history and targets (see
:class:`~movierec.models.training.HistorySampler`).

The loss is ``tfrs.tasks.Retrieval`` over the *whole catalog* rather than in-batch negatives: each
row's candidates are its positive followed by all movies, the positive's catalog copy is removed as an
accidental hit, and movies already in the history are masked out. With ~1,700 movies this is cheap,
and it avoids the popularity bias of in-batch sampling that made a first in-batch version collapse.
A learned per-movie bias is carried as one extra embedding column (the query side holds a constant 1).
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

from movierec.models import training
from movierec.models.base import UserQuery
from movierec.models.features import (CandidateTower, HistoryEncoder, MovieVocabulary, dense_stack,
                                      encode_queries, encode_query, history_signature)
from movierec.models.numpy_towers import NumpyQueryTower


@dataclass
class HistoryRetrievalConfig:
    """Hyper-parameters of :class:`HistoryRetrieval`.

    Defaults were picked by a handful of manual runs on ML-100k held-out users (split seed 0, H=10):
    a linear query head (no hidden layer) of width 128 with balanced users beat a 256-unit ReLU head.
    """

    embedding_dim: int = 128
    """Width of movie embeddings and of the query vector."""
    hidden_units: tuple[int, ...] = ()
    """ReLU layers of the query head between the pooled history and the query vector (none: linear)."""
    dropout: float = 0.2
    """Dropout after each hidden layer of the query head (unused when ``hidden_units`` is empty)."""
    l2: float = 0.0
    """L2 penalty on movie/title embeddings."""
    use_demographics: bool = True
    """Read gender, age bucket and occupation when the query carries them."""
    demographics_dropout: float = 0.5
    """Share of training histories shown without demographics, so users without them are served well."""
    max_history: int = 300
    """Longest history seen in training (lengths are log-uniform in 1..max_history); serving takes any length.
    Long enough for the top-n protocol's full histories; short ones are still sampled often."""
    max_targets_per_user: int = 32
    """Cap on targets per user per epoch (0: all). With ``balance_users`` the cap leaves the objective
    unchanged in expectation and cuts the softmax rows of heavy raters."""
    balance_users: bool = True
    """Weight each target by 1 / (its user's target count), so heavy raters do not dominate the loss."""
    mask_history_in_loss: bool = True
    """Exclude the history's movies from each row's softmax: they are never recommended back."""
    learning_rate: float = 0.002
    users_per_batch: int = 16
    """Users per training step (each brings one sampled history and all its targets)."""
    epochs: int = 40
    early_stopping_patience: int = 0
    """Stop when the training loss has not improved for this many epochs (0: run all epochs)."""
    seed: int = 42
    threads: int = 2
    tensorboard_dir: str | None = None
    verbose: int = 0


_TRAIN_SIGNATURE = {**history_signature(), **training.TARGET_SIGNATURE}


class _HistoryTwoTower(tfrs.Model):
    """The Keras side: history query tower, content+id candidate tower, full-catalog retrieval task."""

    def __init__(self, vocabulary: MovieVocabulary, config: HistoryRetrievalConfig) -> None:
        super().__init__()
        self.config = config
        self.movie_count = len(vocabulary)
        self.encoder = HistoryEncoder(self.movie_count, config.embedding_dim, config.use_demographics, config.l2)
        self.query_head = dense_stack(config.hidden_units, config.embedding_dim, config.dropout, "query_head")
        self.candidate_tower = CandidateTower(vocabulary, config.embedding_dim, config.l2)
        self.movie_bias = tf.keras.layers.Embedding(self.movie_count + 1, 1, embeddings_initializer="zeros")
        self.task = tfrs.tasks.Retrieval(remove_accidental_hits=True)
        self._all_movies = tf.range(1, self.movie_count + 1, dtype=tf.int32)

    def query(self, inputs: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        vector = self.query_head(self.encoder(inputs), training=training)
        return tf.concat([vector, tf.ones_like(vector[:, :1])], axis=1)

    def catalog(self) -> tf.Tensor:
        return tf.concat([self.candidate_tower(self._all_movies), self.movie_bias(self._all_movies)], axis=1)

    def compute_loss(self, features: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        return self.retrieval_loss(features, self.query(features, training=training))

    def retrieval_loss(self, features: dict[str, tf.Tensor], queries: tf.Tensor) -> tf.Tensor:
        """Full-catalog softmax loss of every target given its owner's query vector ([users, d + 1])."""
        owners = features["target_owner"]
        queries = tf.gather(queries, owners)
        catalog = self.catalog()
        targets = features["target_movie"]
        rows = tf.shape(queries)[0]
        candidates = tf.concat([tf.gather(catalog, targets - 1), catalog], axis=0)
        ids = tf.concat([targets, self._all_movies], axis=0)
        own_positive_only = tf.cast(tf.eye(rows), tf.bool)  # in-batch block: only the row's own target
        catalog_mask = tf.ones([rows, self.movie_count], tf.bool)
        if self.config.mask_history_in_loss:
            catalog_mask = tf.gather(history_mask(features["history_movie"], self.movie_count), owners)
        weights = None
        if self.config.balance_users:  # every user counts the same, however many targets they have
            weights = 1.0 / tf.gather(tf.math.bincount(owners, dtype=tf.float32), owners)
        return self.task(queries, candidates, candidate_ids=ids, compute_metrics=False, sample_weight=weights,
                         score_mask=tf.concat([own_positive_only, catalog_mask], axis=1))


def history_mask(history_movie: tf.Tensor, movie_count: int) -> tf.Tensor:
    """[rows, movie_count] True where the movie is *not* in that row's history."""
    rows = tf.shape(history_movie)[0]
    row_index = tf.repeat(tf.range(rows)[:, None], tf.shape(history_movie)[1], axis=1)
    indices = tf.reshape(tf.stack([row_index, history_movie], axis=-1), [-1, 2])
    counts = tf.scatter_nd(indices, tf.ones([tf.shape(indices)[0]]), [rows, movie_count + 1])
    return counts[:, 1:] == 0


class HistoryRetrieval:
    """ItemScorer + EmbeddingModel + HistoryAttribution + Persistable: scores the catalog for any rating history."""

    name = "history_retrieval"
    config_class = HistoryRetrievalConfig

    def __init__(self, config: HistoryRetrievalConfig | None = None) -> None:
        self.config = config or HistoryRetrievalConfig()
        self.history: dict[str, list[float]] = {}
        self._vocabulary: MovieVocabulary | None = None
        self._net: _HistoryTwoTower | None = None
        self._query_tower: NumpyQueryTower | None = None
        self._movie_vectors: np.ndarray | None = None  # [M, d] candidate embeddings
        self._movie_bias: np.ndarray | None = None  # [M] learned popularity of each movie
        self._state: dict = {}

    @property
    def movie_ids(self) -> np.ndarray:
        return self._require_trained().movie_ids

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        config = self.config
        training.limit_threads(config.threads)
        tf.keras.utils.set_random_seed(config.seed)
        self._vocabulary = MovieVocabulary.from_movies(movies)
        sampler = training.HistorySampler(train, self._vocabulary, max_history=config.max_history,
                                          max_targets_per_user=config.max_targets_per_user,
                                          demographics_dropout=config.demographics_dropout)
        self._state = self._training_state(train)
        self._net = self._new_net(self._vocabulary, self._state)
        self._net.compile(optimizer=tf.keras.optimizers.Adam(config.learning_rate))
        dataset = training.batches(sampler, config.seed, config.users_per_batch, _TRAIN_SIGNATURE)
        self.history = training.fit(self._net, dataset, steps_per_epoch=sampler.steps_per_epoch(config.users_per_batch),
                                    epochs=config.epochs,
                                    early_stopping_patience=config.early_stopping_patience,
                                    tensorboard_dir=config.tensorboard_dir, verbose=config.verbose)
        self._prepare_serving()

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        vocabulary = self._require_trained()
        vectors = np.stack([self._query_tower(encode_query(query, vocabulary)) for query in queries])
        # movies x queries, then transposed: for one query (every bot request) OpenBLAS runs this as a
        # matrix-vector product, ~30% faster than a one-row matrix times the transposed movie matrix
        return (self._movie_vectors @ vectors.T).T + self._movie_bias

    def movie_embeddings(self) -> np.ndarray:
        self._require_trained()
        return self._movie_vectors

    def history_contributions(self, query: UserQuery, columns: np.ndarray) -> np.ndarray:
        """Each history movie's leave-one-out share of these columns' scores, through the served tower
        (the movie bias is the same with or without it, so only the query vector's change counts)."""
        vocabulary = self._require_trained()
        ids, _ = query.history_arrays
        encoded = encode_query(query, vocabulary)
        full, without = self._query_tower.leave_one_out(encoded)
        drops = (full - without) @ self._movie_vectors[columns].T
        if len(encoded.movie_index) == len(ids):
            return drops
        contributions = np.zeros((len(ids), len(columns)), np.float32)  # movies the model lacks add nothing
        contributions[vocabulary.indices(ids) > 0] = drops
        return contributions

    def save(self, path: Path) -> None:
        vocabulary = self._require_trained()
        path = Path(path)
        training.write_config(path, self.name, self.config, {"history": self.history, **self._state})
        vocabulary.save(path)
        training.save_weights(self._net, path)

    @classmethod
    def load(cls, path: Path) -> Self:
        path = Path(path)
        values, state = training.read_config(path, cls.name)
        model = cls(training.config_from_dict(cls.config_class, values))
        model.history = state.pop("history", {})
        model._state = state
        model._vocabulary = MovieVocabulary.load(path)
        model._net = model._new_net(model._vocabulary, state)
        model._build_variables()
        training.load_weights(model._net, path)
        model._prepare_serving()
        return model

    # ---- internals ----------------------------------------------------------------------------
    def _training_state(self, train: pd.DataFrame) -> dict:
        """Facts learned from the data outside the weights (saved in config.json); none here."""
        return {}

    def _new_net(self, vocabulary: MovieVocabulary, state: dict) -> _HistoryTwoTower:
        return _HistoryTwoTower(vocabulary, self.config)

    def _build_variables(self) -> None:
        """Run the network once, so its variables exist for a checkpoint to be restored into."""
        self._net.query(encode_queries([UserQuery(history={})], self._vocabulary))
        self._net.catalog()

    def _prepare_serving(self) -> None:
        """Copy the trained query tower into NumPy (see numpy_towers) and cache the candidate embeddings."""
        self._query_tower = NumpyQueryTower(self._net.encoder, self._net.query_head)
        catalog = self._net.catalog().numpy()  # the last column is the movie bias (the query side's constant 1)
        self._movie_vectors, self._movie_bias = np.ascontiguousarray(catalog[:, :-1]), catalog[:, -1].copy()

    def _require_trained(self) -> MovieVocabulary:
        if self._vocabulary is None or self._net is None:
            raise RuntimeError(f"{self.name} is not trained: call fit() or load() first")
        return self._vocabulary
