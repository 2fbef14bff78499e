"""Biased matrix factorisation fitted by alternating least squares, for known users::

    stars = global mean + user bias + movie bias + user vector . movie vector

Each half-step solves one small ridge regression per user (then per movie) in closed form, so a fit is
deterministic given its seed and needs no learning rate. The penalty grows with each row's rating
count ("weighted-lambda", Zhou et al. 2008), which lets a wide factorisation (dim 100) fit heavy raters
without overfitting light ones. A member of the tfrs-protocol rating stack (rating_stack.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from movierec.data.lookup import indices_by_key
from movierec.models.known_users import KnownUserModel


@dataclass(frozen=True)
class BiasedAlsConfig:
    """Settings of :class:`BiasedAls`: dim and reg from a small grid on tfrs validation ratings
    (ML-100k, inner split 42: 0.918 alone; 0.921 on split 43; branch hybrid-experiments)."""

    dim: int = 100
    """Width of the user and movie vectors."""
    reg: float = 0.13
    """Ridge penalty per rating: a row with n ratings is penalised reg * n (vector and bias alike)."""
    iterations: int = 15
    """Alternations: every user row solved, then every movie row."""
    seed: int = 0
    """Seeds the movie vectors' starting values."""


def _solve_rows(groups: list[np.ndarray], partner_of: np.ndarray, partners: np.ndarray, targets: np.ndarray,
                reg: float) -> np.ndarray:
    """Row r's [vector, bias]: ridge regression of its ratings' targets on [their partner's vector, 1];
    ``groups[r]`` indexes row r's ratings, ``partner_of`` each rating's partner row."""
    solved = np.zeros((len(groups), partners.shape[1] + 1))
    for row, ratings in enumerate(groups):
        if len(ratings):
            x = np.column_stack([partners[partner_of[ratings]], np.ones(len(ratings))])
            gram = x.T @ x
            gram[np.diag_indices_from(gram)] += reg * len(ratings)
            solved[row] = np.linalg.solve(gram, x.T @ targets[ratings])
    return solved


class BiasedAls(KnownUserModel):
    """RatingPredictor for known users: biased matrix factorisation by weighted-lambda ALS."""

    name = "biased_als"

    def __init__(self, config: BiasedAlsConfig | None = None) -> None:
        self.config = config or BiasedAlsConfig()
        c = self.config
        if c.dim < 1 or c.iterations < 1 or not c.reg > 0:
            raise ValueError(f"biased ALS needs dim >= 1, iterations >= 1 and reg > 0, got {c}")

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        users, items, stars = self._index_ratings(train, movies)
        by_user, by_item = indices_by_key(users, len(self.user_ids)), indices_by_key(items, len(self.movie_ids))
        self.mean = float(stars.mean())
        centred = stars - self.mean
        self.item_vectors = np.random.default_rng(self.config.seed).normal(0.0, 0.1, (len(self.movie_ids), self.config.dim))
        self.item_bias = np.zeros(len(self.movie_ids))
        for _ in range(self.config.iterations):
            solved = _solve_rows(by_user, items, self.item_vectors, centred - self.item_bias[items], self.config.reg)
            self.user_vectors, self.user_bias = solved[:, :-1], solved[:, -1]
            solved = _solve_rows(by_item, users, self.user_vectors, centred - self.user_bias[users], self.config.reg)
            self.item_vectors, self.item_bias = solved[:, :-1], solved[:, -1]

    def _predict(self, user: int, movies: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        return (self.mean + self.user_bias[user] + self.item_bias[movies]
                + self.item_vectors[movies] @ self.user_vectors[user])
