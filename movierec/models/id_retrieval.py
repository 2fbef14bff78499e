"""The TFRS basic-retrieval tutorial two-tower, keyed on user id: the comparison row.

User id -> 32-d embedding, movie id -> 32-d embedding, in-batch softmax (``tfrs.tasks.Retrieval``),
Adagrad 0.1, batch 8192, 3 epochs, exactly as the tutorial. It is here to show what the history-based
model fixes: a user the model never saw falls into the single out-of-vocabulary bucket, so *every* new
user gets the same scores whatever they rated (the tests assert this flaw on purpose).
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
from movierec.models import training
from movierec.models.base import UserQuery
from movierec.data.lookup import sorted_lookup
from movierec.models.features import MovieVocabulary



@dataclass
class IdRetrievalConfig:
    """Hyper-parameters of :class:`IdRetrieval` (the tutorial's values)."""

    embedding_dim: int = 32
    learning_rate: float = 0.1
    """Adagrad learning rate."""
    batch_size: int = 8192
    epochs: int = 3
    seed: int = 42
    threads: int = 2
    tensorboard_dir: str | None = None
    verbose: int = 0



class _IdTwoTower(tfrs.Model):
    def __init__(self, user_count: int, movie_count: int, config: IdRetrievalConfig) -> None:
        super().__init__()
        # index 0 is the out-of-vocabulary bucket shared by every unknown user (and movie)
        self.user_tower = tf.keras.layers.Embedding(user_count + 1, config.embedding_dim)
        self.movie_tower = tf.keras.layers.Embedding(movie_count + 1, config.embedding_dim)
        self.task = tfrs.tasks.Retrieval()

    def compute_loss(self, features: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        return self.task(self.user_tower(features["user"]), self.movie_tower(features["movie"]),
                         compute_metrics=False)


class IdRetrieval:
    """ItemScorer + EmbeddingModel + Persistable keyed on the dataset's user id."""

    name = "id_retrieval"

    def __init__(self, config: IdRetrievalConfig | None = None) -> None:
        self.config = config or IdRetrievalConfig()
        self.history: dict[str, list[float]] = {}
        self._vocabulary: MovieVocabulary | None = None
        self._user_ids: np.ndarray = np.zeros(0, np.int64)
        self._net: _IdTwoTower | None = None

    @property
    def movie_ids(self) -> np.ndarray:
        return self._require_trained().movie_ids

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        config = self.config
        training.require_columns(train, (schema.USER_ID, schema.MOVIE_ID), "the training ratings")
        training.limit_threads(config.threads)
        tf.keras.utils.set_random_seed(config.seed)
        self._vocabulary = MovieVocabulary.from_movies(movies)
        self._user_ids = np.unique(train[schema.USER_ID].to_numpy(dtype=np.int64))
        self._net = _IdTwoTower(len(self._user_ids), len(self._vocabulary), config)
        self._net.compile(optimizer=tf.keras.optimizers.Adagrad(config.learning_rate))
        examples = {"user": self._user_index(train[schema.USER_ID].to_numpy()),
                    "movie": self._vocabulary.indices(train[schema.MOVIE_ID].to_numpy())}
        self.history = training.fit_examples(self._net, examples, batch_size=config.batch_size, epochs=config.epochs,
                                             tensorboard_dir=config.tensorboard_dir, verbose=config.verbose)

    def score_items(self, queries: Sequence[UserQuery]) -> np.ndarray:
        self._require_trained()
        users = self._user_index(np.array([-1 if q.user_id is None else q.user_id for q in queries], np.int64))
        user_vectors = self._net.user_tower.embeddings.numpy()[users]
        return (user_vectors @ self.movie_embeddings().T).astype(np.float32)

    def movie_embeddings(self) -> np.ndarray:
        self._require_trained()
        return self._net.movie_tower.embeddings.numpy()[1:]

    def save(self, path: Path) -> None:
        vocabulary = self._require_trained()
        path = Path(path)
        training.write_config(path, self.name, self.config, {"history": self.history})
        vocabulary.save(path)
        training.save_user_ids(path, self._user_ids)
        training.save_weights(self._net, path)

    @classmethod
    def load(cls, path: Path) -> Self:
        path = Path(path)
        values, state = training.read_config(path, cls.name)
        model = cls(training.config_from_dict(IdRetrievalConfig, values))
        model.history = state.get("history", {})
        model._vocabulary = MovieVocabulary.load(path)
        model._user_ids = training.load_user_ids(path)
        model._net = _IdTwoTower(len(model._user_ids), len(model._vocabulary), model.config)
        model._net.user_tower(tf.zeros([1], tf.int32))  # create the variables before restoring them
        model._net.movie_tower(tf.zeros([1], tf.int32))
        training.load_weights(model._net, path)
        return model

    def _user_index(self, user_ids: np.ndarray) -> np.ndarray:
        """1..U for users seen in training, 0 (the shared out-of-vocabulary bucket) otherwise."""
        return sorted_lookup(self._user_ids, user_ids)

    def _require_trained(self) -> MovieVocabulary:
        if self._vocabulary is None or self._net is None:
            raise RuntimeError(f"{self.name} is not trained: call fit() or load() first")
        return self._vocabulary
