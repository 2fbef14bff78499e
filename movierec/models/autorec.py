"""I-AutoRec (Sedhain et al., 2015): an item-based autoencoder for the stars of known users.

Each movie is the vector of the stars its training users gave it (0 where they gave none). One sigmoid
hidden layer compresses it and an identity layer rebuilds every user's entry; the loss is the squared
error on the observed entries only, plus an L2 penalty on both weight matrices. A user's predicted
stars for a movie are that user's entry of the movie's rebuilt vector.

Unlike the factor models (ALS, the TFRS ranking model) it has no user vectors at all: the decoder's
row per user is learned from the movies, which makes its errors differ from theirs, the point of a
member of the tfrs-protocol rating stack (rating_stack.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import tensorflow as tf

from movierec.models import training
from movierec.models.known_users import KnownUserModel


@dataclass(frozen=True)
class AutoRecConfig:
    """Settings of :class:`AutoRec`. On tfrs validation ratings (ML-100k, inner split 42; 43 agreed) the
    paper's 500 hidden units overfit within 50 Adam epochs (alone 0.92-0.94, penalties 100-300);
    300 units, lambda 100 and 40 epochs gave 0.910 alone and the best stack (lambda 50 / 200, 200
    units, 20 / 30 epochs: stacks 0.001-0.003 worse), in ~6 s on one core."""

    hidden_units: int = 300
    l2: float = 100.0
    """The paper's lambda: objective = sum of squared errors + lambda / 2 * (|V|^2 + |W|^2), over all movies."""
    learning_rate: float = 0.001
    """Adam's step (the paper used L-BFGS / Rprop)."""
    epochs: int = 40
    batch_size: int = 64
    """Movies per step."""
    seed: int = 42
    threads: int = 2
    verbose: int = 0


class _AutoRecNet(tf.keras.Model):
    """Movie vectors in, rebuilt movie vectors out; adds the masked squared error as its loss."""

    def __init__(self, users: int, config: AutoRecConfig, movies: int) -> None:
        super().__init__()
        # the paper's sum over movies, per movie: Keras adds the penalty once per step of batch-mean losses
        penalty = tf.keras.regularizers.L2(config.l2 / (2 * movies))
        self.encoder = tf.keras.layers.Dense(config.hidden_units, activation="sigmoid", kernel_regularizer=penalty)
        self.decoder = tf.keras.layers.Dense(users, kernel_regularizer=penalty)

    def call(self, inputs: dict[str, tf.Tensor]) -> tf.Tensor:
        stars = inputs["stars"]
        rebuilt = self.decoder(self.encoder(stars))
        observed = tf.cast(stars > 0, rebuilt.dtype)  # every MovieLens rating is at least 0.5
        self.add_loss(tf.reduce_mean(tf.reduce_sum(observed * tf.square(stars - rebuilt), axis=1)))
        return rebuilt


class AutoRec(KnownUserModel):
    """RatingPredictor for known users: I-AutoRec's rebuilt movie vectors."""

    name = "autorec"

    def __init__(self, config: AutoRecConfig | None = None) -> None:
        self.config = config or AutoRecConfig()
        c = self.config
        if min(c.hidden_units, c.epochs, c.batch_size) < 1 or not c.l2 >= 0 or not c.learning_rate > 0:
            raise ValueError(f"AutoRec needs hidden_units, epochs, batch_size >= 1, l2 >= 0 and learning_rate > 0, "
                             f"got {c}")

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        c = self.config
        users, items, stars = self._index_ratings(train, movies)
        training.limit_threads(c.threads)
        tf.keras.utils.set_random_seed(c.seed)
        vectors = np.zeros((len(self.movie_ids), len(self.user_ids)), dtype=np.float32)
        vectors[items, users] = stars
        net = _AutoRecNet(len(self.user_ids), c, len(self.movie_ids))
        net.compile(optimizer=tf.keras.optimizers.Adam(c.learning_rate))
        self.history = training.fit_examples(net, {"stars": vectors}, batch_size=c.batch_size, epochs=c.epochs,
                                             tensorboard_dir=None, verbose=c.verbose)
        self.rebuilt = net.predict({"stars": vectors}, batch_size=256, verbose=0)  # [movies, users]

    def _predict(self, user: int, movies: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        return self.rebuilt[movies, user]
