"""The history query towers again, in NumPy, for serving.

A bot user's query is a few thousand multiply-adds, but calling a ``tf.function`` costs about a
millisecond of Python dispatch and argument conversion whatever the work, several times the work itself
(``reports/bench.md``). So once a model is trained or loaded, its query-side weights are copied
into arrays and serving does the same arithmetic in NumPy; training stays in TensorFlow.
``tests/test_numpy_towers.py`` checks both give the same vectors on random histories, so the two
cannot drift apart unnoticed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

import movierec  # noqa: F401  (sets TF_USE_LEGACY_KERAS before tensorflow is imported)
import tensorflow as tf

from movierec.models.features import EncodedQuery, HistoryEncoder


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def _identity(x: np.ndarray) -> np.ndarray:
    return x


_ACTIVATIONS: dict[Callable, Callable[[np.ndarray], np.ndarray]] = {
    tf.keras.activations.relu: _relu, tf.keras.activations.linear: _identity}


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


COUNT_TABLE = 1024
"""History lengths below this get their constant part of the first layer from a table."""


class NumpyQueryTower:
    """History encoder then head, for one user: the user vector the TF tower computes.

    Every part of :class:`~movierec.models.features.HistoryEncoder`'s output is a mean of looked-up
    rows or a scalar, and it only ever feeds the head's first Dense layer, which is linear before its
    activation. So the encoder and that layer are rearranged once, here, into the fewest NumPy calls
    (each costs microseconds of overhead, more than the arithmetic of a short history): the history's
    movie embeddings are pooled twice in one product (plain, and weighted by the centred stars), and
    one product with the matching kernel rows gives the layer's input from them; the star values'
    and demographics' contributions are their embeddings already multiplied by their kernel rows.
    Movie embeddings are not premultiplied: that would make the rows gathered per rated movie wider
    than the embeddings (2 × the layer's units against the embedding width), which costs more than
    it saves on a long history.
    """

    def __init__(self, encoder: HistoryEncoder, head: tf.keras.Sequential) -> None:
        layers = NumpyDenseStack(head).layers
        kernel, bias, self._first_activation = layers[0]
        self._rest = layers[1:]
        movies = encoder.movie_embedding.embeddings.numpy()
        dim = movies.shape[1]
        self._units = kernel.shape[1]
        # Each movie's embedding gets a constant 1 appended: pooled by the centred stars it sums them,
        # which the mean-centred-rating input needs, so that input's kernel row sits under the "liked" rows.
        self._movie_rows = np.concatenate([movies, np.ones((len(movies), 1), np.float32)], axis=1)
        no_input = np.zeros((1, self._units), np.float32)
        self._pooled_kernel = np.concatenate([kernel[:dim], no_input, kernel[dim:2 * dim], kernel[3 * dim:3 * dim + 1]])
        self._star_rows = encoder.star_embedding.embeddings.numpy() @ kernel[2 * dim:3 * dim]
        self._log_count_row = kernel[3 * dim + 1]
        self._demographic_rows = []
        offset = 3 * dim + 2
        for layer in encoder.demographic_embeddings if encoder.use_demographics else []:
            table = layer.embeddings.numpy()
            self._demographic_rows.append(table @ kernel[offset:offset + table.shape[1]])
            offset += table.shape[1]
        if offset != kernel.shape[0]:
            raise TypeError(f"the head's first layer reads {kernel.shape[0]} inputs, the encoder gives {offset}")
        self._bias = np.asarray(bias, dtype=np.float32) + np.zeros(self._units, np.float32)
        # Most queries (every bot user) have no demographics and fewer than COUNT_TABLE ratings: for them
        # bias, unknown-demographics rows and the log-count term are one precomputed row per history length.
        no_demographics = self._bias + sum((table[0] for table in self._demographic_rows), np.zeros_like(self._bias))
        self._plain_offsets = no_demographics + np.stack([self._log_count_term(n) for n in range(COUNT_TABLE)])

    def __call__(self, query: EncodedQuery) -> np.ndarray:
        """The user vector of one encoded query (see :func:`~movierec.models.features.encode_query`)."""
        movie_index, stars = query.movie_index, query.stars
        count = len(movie_index)
        weights = np.empty((2, count), np.float32)
        weights[0] = 1.0
        np.multiply(stars - np.float32(3.5), np.float32(1 / 1.5), out=weights[1])  # the centred stars
        # sums as a matrix product: BLAS beats NumPy's strided column sums several times over
        pooled = weights @ self._movie_rows[movie_index]  # [plain; star-weighted] sums, each with its count
        star_index = np.rint(stars * np.float32(2.0)).astype(np.intp)  # half to even, as TF; stars are 0.5..5
        star_counts = np.bincount(star_index, minlength=len(self._star_rows)).astype(np.float32)
        x = pooled.reshape(-1) @ self._pooled_kernel + star_counts @ self._star_rows
        x *= np.float32(1.0 / max(count, 1))
        if count < COUNT_TABLE and not query.demographics.any():
            x += self._plain_offsets[count]
        else:
            x += self._bias + self._log_count_term(count)
            for table, index in zip(self._demographic_rows, query.demographics):
                x += table[index]
        x = self._first_activation(x)
        for kernel, bias, activation in self._rest:
            x = activation(x @ kernel + bias)
        return x

    def _log_count_term(self, count: int) -> np.ndarray:
        return np.float32(math.log(max(count, 1)) / 5.0) * self._log_count_row
