"""Joint retrieval + rating model, as in the TFRS multitask tutorial, with a history query tower.

One query tower and one candidate tower feed two tasks: the full-catalog retrieval loss of
:mod:`movierec.models.retrieval` and an MSE rating head on ``[query vector, movie vector]``. The two
losses are mixed with ``rating_weight`` and ``retrieval_weight``; the report trains it three ways,
as the original notebooks did: rating-specialised (1, 0), retrieval-specialised (0, 1) and joint (1, 1).
A specialised row still answers both questions, just badly for the task it ignored; that contrast
is the point of the comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

import tensorflow as tf
import tensorflow_recommenders as tfrs

from movierec.data import schema
from movierec.models.base import UserQuery, clip_stars
from movierec.models.features import MovieVocabulary, dense_stack, history_signature
from movierec.models.ranking import prediction_inputs
from movierec.models.retrieval import HistoryRetrieval, HistoryRetrievalConfig, _HistoryTwoTower


@dataclass
class MultitaskConfig(HistoryRetrievalConfig):
    """:class:`HistoryRetrievalConfig` plus the rating head and the two loss weights."""

    rating_weight: float = 1.0
    """Weight of the MSE rating loss."""
    retrieval_weight: float = 1.0
    """Weight of the retrieval (softmax over the catalog) loss."""
    rating_units: tuple[int, ...] = (64,)
    """ReLU layers of the rating head on [query vector, movie vector]."""


_PREDICT_SIGNATURE = {**history_signature(), "target_movie": tf.TensorSpec([None], tf.int32),
                      "target_owner": tf.TensorSpec([None], tf.int32)}


class _MultitaskNet(_HistoryTwoTower):
    def __init__(self, vocabulary: MovieVocabulary, global_mean: float, config: MultitaskConfig) -> None:
        super().__init__(vocabulary, config)
        self.global_mean = global_mean
        self.rating_head = dense_stack(config.rating_units, 1, config.dropout, "rating_head")
        self.rating_task = tfrs.tasks.Ranking(loss=tf.keras.losses.MeanSquaredError(),
                                              metrics=[tf.keras.metrics.RootMeanSquaredError()])
        if not config.rating_weight:  # no training step calls the head (see compute_loss); Keras must still see it
            self.rating_head.build((None, 2 * config.embedding_dim + 2))  # [query + 1, movie vector, movie bias]
            self.rating_head.trainable = False

    def predict_stars(self, features: dict[str, tf.Tensor], queries: tf.Tensor | None = None,
                      training: bool = False) -> tf.Tensor:
        if queries is None:
            queries = self.query(features, training=training)
        movies = features["target_movie"]
        pairs = tf.concat([tf.gather(queries, features["target_owner"]),
                           self.candidate_tower(movies), self.movie_bias(movies)], axis=1)
        return self.global_mean + self.rating_head(pairs, training=training)[:, 0]

    def compute_loss(self, features: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        queries = self.query(features, training=training)
        # A task weighted 0 is not computed: its gradient would be 0, and each is a large share of a
        # step (the full-catalog softmax about half; the rating head on every target).
        loss = tf.constant(0.0)
        if self.config.rating_weight:
            stars = self.predict_stars(features, queries, training=training)
            loss += self.config.rating_weight * self.rating_task(labels=features["target_rating"], predictions=stars)
        if self.config.retrieval_weight:
            # the retrieval task sums over rows while the rating task averages: scale to a per-row mean
            rows = tf.cast(tf.shape(features["target_movie"])[0], tf.float32)
            loss += self.config.retrieval_weight * self.retrieval_loss(features, queries) / rows
        return loss


class HistoryMultitask(HistoryRetrieval):
    """ItemScorer + RatingPredictor + EmbeddingModel + HistoryAttribution + Persistable from one jointly
    trained network."""

    name = "history_multitask"
    config_class = MultitaskConfig

    def __init__(self, config: MultitaskConfig | None = None) -> None:
        super().__init__(config or MultitaskConfig())

    def predict_ratings(self, queries: Sequence[UserQuery], movie_ids: Sequence[Sequence[int]]) -> list[np.ndarray]:
        vocabulary = self._require_trained()
        if len(queries) != len(movie_ids):
            raise ValueError(f"{len(queries)} queries but {len(movie_ids)} lists of movie ids")
        inputs = prediction_inputs(queries, movie_ids, vocabulary)
        stars = self._predict({k: inputs[k] for k in _PREDICT_SIGNATURE}).numpy()
        stars = clip_stars(stars).astype(np.float32)
        return np.split(stars, np.cumsum([len(ids) for ids in movie_ids])[:-1])

    def _training_state(self, train: pd.DataFrame) -> dict:
        return {"global_mean": float(train[schema.USER_RATING].mean())}

    def _new_net(self, vocabulary: MovieVocabulary, state: dict) -> _MultitaskNet:
        return _MultitaskNet(vocabulary, float(state["global_mean"]), self.config)

    def _build_variables(self) -> None:
        super()._build_variables()
        inputs = prediction_inputs([UserQuery(history={})], [[int(self._vocabulary.movie_ids[0])]], self._vocabulary)
        self._net.predict_stars({k: inputs[k] for k in _PREDICT_SIGNATURE})

    def _prepare_serving(self) -> None:
        super()._prepare_serving()
        net = self._net
        self._predict = tf.function(lambda inputs: net.predict_stars(inputs), input_signature=[_PREDICT_SIGNATURE],
                                    autograph=False)
