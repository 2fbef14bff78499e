"""The history query towers again, in NumPy, for serving.

A bot user's query is a few thousand multiply-adds, but calling a ``tf.function`` costs about a
millisecond of Python dispatch and argument conversion whatever the work, several times the work itself
(``reports/bench.md``). So once a model is trained or loaded, its query-side weights are copied
into arrays and serving does the same arithmetic in NumPy; training stays in TensorFlow.
``tests/test_numpy_towers.py`` checks both give the same vectors on random histories, so the two
cannot drift apart unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

import movierec  # noqa: F401  (sets TF_USE_LEGACY_KERAS before tensorflow is imported)
import tensorflow as tf

from movierec.models.features import HistoryEncoder


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def _identity(x: np.ndarray) -> np.ndarray:
    return x


_ACTIVATIONS: dict[Callable, Callable[[np.ndarray], np.ndarray]] = {
    tf.keras.activations.relu: _relu, tf.keras.activations.linear: _identity}


class NumpyHistoryEncoder:
    """:class:`~movierec.models.features.HistoryEncoder` at inference, on the arrays of ``encode_queries``."""

    def __init__(self, encoder: HistoryEncoder) -> None:
        self.movie_embedding = encoder.movie_embedding.embeddings.numpy()
        self.star_embedding = encoder.star_embedding.embeddings.numpy()
        self.demographic_embeddings = ([layer.embeddings.numpy() for layer in encoder.demographic_embeddings]
                                       if encoder.use_demographics else [])

    def __call__(self, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        # Written for few NumPy calls (each costs microseconds of overhead on a short history): the movie
        # and star embeddings of the history are pooled by one matmul with weights 1 and centred stars.
        movies, stars = inputs["history_movie"], inputs["history_rating"]
        mask = (movies > 0).astype(np.float32)
        count = np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
        centred = (stars - 3.5) * (mask / 1.5)
        star_index = np.minimum(np.maximum(np.rint(stars * 2.0), 0), 10).astype(np.intp)  # half to even, as TF
        dim = self.movie_embedding.shape[1]
        rows = np.concatenate([self.movie_embedding[movies], self.star_embedding[star_index]], axis=-1)
        pooled = np.matmul(np.stack([mask, centred], axis=1), rows) / count[:, None]  # [B, 2, 2 * dim]
        parts = [pooled[:, 0, :dim], pooled[:, 1, :dim], pooled[:, 0, dim:],  # watched, liked, tastes
                 centred.sum(axis=1, keepdims=True) / count, np.log(count) / 5.0]
        demographics = inputs["demographics"]
        parts += [table[demographics[:, i]] for i, table in enumerate(self.demographic_embeddings)]
        return np.concatenate(parts, axis=-1, dtype=np.float32)


class NumpyDenseStack:
    """A ``dense_stack`` head at inference: its Dense layers in order, dropout skipped."""

    def __init__(self, stack: tf.keras.Sequential) -> None:
        self.layers = []
        for layer in stack.layers:
            if isinstance(layer, tf.keras.layers.Dropout):
                continue
            if not isinstance(layer, tf.keras.layers.Dense) or layer.activation not in _ACTIVATIONS:
                raise TypeError(f"no NumPy version of layer {layer.name} ({type(layer).__name__})")
            bias = layer.bias.numpy() if layer.use_bias else 0.0
            self.layers.append((layer.kernel.numpy(), bias, _ACTIVATIONS[layer.activation]))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        for kernel, bias, activation in self.layers:
            x = activation(x @ kernel + bias)
        return x


class NumpyQueryTower:
    """History encoder then head: the user vector of a history, as the TF tower computes it."""

    def __init__(self, encoder: HistoryEncoder, head: tf.keras.Sequential) -> None:
        self.encoder = NumpyHistoryEncoder(encoder)
        self.head = NumpyDenseStack(head)

    def __call__(self, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        return self.head(self.encoder(inputs))
