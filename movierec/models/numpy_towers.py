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

import numba
import numpy as np

import tensorflow as tf

from movierec.models.features import NO_DEMOGRAPHICS, EncodedQuery, HistoryEncoder


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


@numba.njit(cache=True, nogil=True, fastmath=True, inline="always")
def _centred(star: np.float32) -> np.float32:
    """A rating centred as :class:`~movierec.models.features.HistoryEncoder` centres it: (stars - 3.5) / 1.5."""
    return (star - np.float32(3.5)) * np.float32(1.0 / 1.5)


@numba.njit(cache=True, nogil=True, fastmath=True, inline="always")
def _star_value(star: np.float32, last_value: int) -> int:
    """The row of a rating's star-value embedding: half stars to even, as TF; clipped, because compiled
    code reads out of bounds unchecked (stars are 0.5..5)."""
    return min(max(int(np.rint(star * np.float32(2.0))), 0), last_value)


@numba.njit(cache=True, nogil=True, fastmath=True)
def _first_layer_input(movie_rows: np.ndarray, pooled_kernel: np.ndarray, star_rows: np.ndarray,
                       movie_index: np.ndarray, stars: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """The first layer's pre-activation: the history's movie rows summed plainly and weighted by the
    centred stars, times ``pooled_kernel``, plus each star value's premultiplied row, all divided by
    the history's length; plus ``offset`` (bias and the terms that do not depend on the movies).

    One compiled pass over the ratings: as NumPy calls this was a dozen dispatches of about a
    microsecond each, more than the arithmetic for any history a person types in."""
    width = movie_rows.shape[1]
    plain = np.zeros(width, np.float32)
    weighted = np.zeros(width, np.float32)
    star_counts = np.zeros(star_rows.shape[0], np.float32)
    last_value = star_rows.shape[0] - 1
    for i in range(movie_index.shape[0]):
        row = movie_rows[movie_index[i]]
        centred = _centred(stars[i])
        for d in range(width):
            plain[d] += row[d]
        for d in range(width):
            weighted[d] += centred * row[d]
        star_counts[_star_value(stars[i], last_value)] += 1.0
    units = offset.shape[0]
    out = np.zeros(units, np.float32)  # explicit loops below: array expressions would allocate per row
    for value in range(star_counts.shape[0]):
        if star_counts[value]:
            count, row = star_counts[value], star_rows[value]
            for j in range(units):
                out[j] += count * row[j]
    for d in range(width):
        a, b = plain[d], weighted[d]
        row_a, row_b = pooled_kernel[d], pooled_kernel[width + d]
        for j in range(units):
            out[j] += a * row_a[j] + b * row_b[j]
    scale = np.float32(1.0) / np.float32(max(movie_index.shape[0], 1))
    for j in range(units):
        out[j] = out[j] * scale + offset[j]
    return out


@numba.njit(cache=True, nogil=True, fastmath=True)
def _leave_one_out_inputs(plain_terms: np.ndarray, weighted_terms: np.ndarray, star_rows: np.ndarray,
                          movie_index: np.ndarray, stars: np.ndarray, offset: np.ndarray,
                          offset_without_one: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first layer's pre-activation for the whole history, and [n, units] for the history without
    each rating in turn. ``plain_terms``/``weighted_terms`` are the movie rows already multiplied by
    their kernel rows, so each rating's term is a sum of three rows; leaving one out subtracts it from
    the total and divides by n - 1 instead of n. One compiled pass, as :func:`_first_layer_input`."""
    count, units = movie_index.shape[0], offset.shape[0]
    last_value = star_rows.shape[0] - 1
    terms = np.empty((count, units), np.float32)
    total = np.zeros(units, np.float32)
    for i in range(count):
        plain, weighted = plain_terms[movie_index[i]], weighted_terms[movie_index[i]]
        centred = _centred(stars[i])
        star_row = star_rows[_star_value(stars[i], last_value)]
        for j in range(units):
            terms[i, j] = plain[j] + centred * weighted[j] + star_row[j]
            total[j] += terms[i, j]
    full = np.empty(units, np.float32)
    scale = np.float32(1.0) / np.float32(max(count, 1))
    for j in range(units):
        full[j] = total[j] * scale + offset[j]
    without = np.empty((count, units), np.float32)
    scale = np.float32(1.0) / np.float32(max(count - 1, 1))
    for i in range(count):
        for j in range(units):
            without[i, j] = (total[j] - terms[i, j]) * scale + offset_without_one[j]
    return full, without


COUNT_TABLE = 1024
"""History lengths below this get their constant part of the first layer from a table."""


class NumpyQueryTower:
    """History encoder then head, for one user: the user vector the TF tower computes.

    Every part of :class:`~movierec.models.features.HistoryEncoder`'s output is a mean of looked-up
    rows or a scalar, and it only ever feeds the head's first Dense layer, which is linear before its
    activation. So the encoder and that layer are rearranged once, here: the history's movie
    embeddings are pooled twice (plain, and weighted by the centred stars) and multiplied by the
    matching kernel rows; the star values' and demographics' contributions are their embeddings
    already multiplied by their kernel rows; bias and history-length terms come from a table. The
    pooling is one compiled pass (:func:`_first_layer_input`): as NumPy calls it cost more in
    dispatch than in arithmetic. The user vector does not read premultiplied movie embeddings: that
    would make the rows read per rated movie wider than the embeddings (2 × the layer's units against
    the embedding width), which costs more than it saves on a long history. :meth:`leave_one_out`
    does, as it needs each rating's own term.
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
        # For leave_one_out, which needs every rating's own term: the movie rows times their kernel rows,
        # once here instead of per request (2 x 128 floats a movie: 1.7 MB for 1,700 movies).
        width = self._movie_rows.shape[1]
        self._plain_terms = self._movie_rows @ self._pooled_kernel[:width]
        self._weighted_terms = self._movie_rows @ self._pooled_kernel[width:]
        warm_up = EncodedQuery(np.zeros(1, np.int32), np.full(1, 4.0, np.float32), NO_DEMOGRAPHICS)
        self(warm_up)  # both kernels compiled now (or read from numba's cache), not in the first user's request
        self.leave_one_out(warm_up)

    def __call__(self, query: EncodedQuery) -> np.ndarray:
        """The user vector of one encoded query (see :func:`~movierec.models.features.encode_query`)."""
        x = _first_layer_input(self._movie_rows, self._pooled_kernel, self._star_rows, query.movie_index,
                               query.stars, self._offset(len(query.movie_index), query.demographics))
        return self._head(x)

    def leave_one_out(self, query: EncodedQuery) -> tuple[np.ndarray, np.ndarray]:
        """The user vector, and [n, d] the vectors of the same query with each of its n ratings left out
        in turn: what explanations compare to find the ratings a pick owes most to.

        The first layer's input is the mean of one term per rating plus an offset, so each history
        without one rating is the full sum minus that rating's term (:func:`_leave_one_out_inputs`),
        and the rest of the head runs once on the whole batch."""
        count = len(query.movie_index)
        full, without = _leave_one_out_inputs(
            self._plain_terms, self._weighted_terms, self._star_rows, query.movie_index, query.stars,
            self._offset(count, query.demographics), self._offset(max(count - 1, 0), query.demographics))
        return self._head(full), self._head(without)

    def _offset(self, count: int, demographics: np.ndarray) -> np.ndarray:
        """The first layer's terms that do not depend on which movies were rated."""
        if count < COUNT_TABLE and not demographics.any():
            return self._plain_offsets[count]
        offset = self._bias + self._log_count_term(count)
        for table, index in zip(self._demographic_rows, demographics):
            offset = offset + table[index]
        return offset

    def _head(self, x: np.ndarray) -> np.ndarray:
        """The head from the first layer's pre-activation on (one vector or a batch of rows)."""
        x = self._first_activation(x)
        for kernel, bias, activation in self._rest:
            x = activation(x @ kernel + bias)
        return x

    def _log_count_term(self, count: int) -> np.ndarray:
        return np.float32(math.log(max(count, 1)) / 5.0) * self._log_count_row
