"""RatingStack: intercept + weighted sum of registered rating models, measured on the report's fitted rows."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from movierec.evaluation.report import run_report
from movierec.models.base import UserQuery
from movierec.models.bias import BiasModel, BiasConfig
from movierec.models.rating_stack import RatingStack, RatingStackConfig
from tests.models_synthetic import synthetic_movielens

QUERIES = [UserQuery(history={1: 5.0, 2: 4.5}, user_id=1), UserQuery(history={40: 1.0}), UserQuery(history={})]
WANTED = [[1, 3, 40], [5], []]


def test_the_stack_is_the_intercept_plus_the_weighted_member_stars_clipped() -> None:
    ratings, movies = synthetic_movielens()
    stack = RatingStack(RatingStackConfig(members=("bias", "item_knn"), weights=(0.7, 0.5), intercept=-0.3))
    stack.fit(ratings, movies)
    bias, knn = stack.bias.predict_ratings(QUERIES, WANTED), stack.item_knn.predict_ratings(QUERIES, WANTED)
    for got, b, k in zip(stack.predict_ratings(QUERIES, WANTED), bias, knn):
        assert got.dtype == np.float32
        assert np.allclose(got, np.clip(-0.3 + 0.7 * b + 0.5 * k, 0.5, 5.0), atol=1e-6)
    # a new user: item kNN answers with the bias prediction, so the stack is intercept + (0.7 + 0.5) * bias
    assert np.allclose(stack.predict_ratings(QUERIES[1:], WANTED[1:])[0], np.clip(-0.3 + 1.2 * bias[1], 0.5, 5.0))


def test_a_handed_in_member_is_not_trained_again_and_must_match_its_row() -> None:
    ratings, movies = synthetic_movielens()
    bias = BiasModel()
    bias.fit(ratings, movies)
    stack = RatingStack(RatingStackConfig(members=("bias",), weights=(1.0,), intercept=0.0))
    stack.use_fitted_stage("bias", bias)
    stack.fit(ratings.iloc[:0], movies)  # would raise if the bias member were fitted again
    assert stack.bias is bias
    with pytest.raises(ValueError, match="bias stage"):
        stack.use_fitted_stage("bias", BiasModel(BiasConfig(user_regularization=1.0)))


@pytest.mark.parametrize("settings, message", [
    ({"members": ("bias", "item_knn"), "weights": (1.0,)}, "one weight each"),
    ({"members": ("bias", "bias"), "weights": (0.5, 0.5)}, "distinct members"),
    ({"members": (), "weights": ()}, "distinct members"),
    ({"members": ("bias",), "weights": (float("nan"),)}, "finite"),
    ({"members": ("bias",), "weights": (1.0,), "intercept": float("inf")}, "finite"),
    ({"members": ("no_such_model",), "weights": (1.0,)}, "unknown model"),
    ({"members": ("predict_ratings",), "weights": (1.0,)}, "shadow"),
])
def test_bad_configs_are_refused(settings, message) -> None:
    with pytest.raises(ValueError, match=message):
        RatingStack(RatingStackConfig(**settings))


def test_the_registry_row_reuses_the_fitted_rows_of_each_protocol(tmp_path) -> None:
    ratings, movies = synthetic_movielens()
    movielens = SimpleNamespace(release="synthetic", ratings=ratings, movies=movies)
    members = ["ranking_known_users", "item_knn", "biased_als", "autorec", "bias"]
    report = run_report(movielens, [*members, "rating_stack"], tmp_path, quick=True)
    for protocol, metric in (("tfrs", "rmse"), ("new_users", "rmse_h10")):
        row = report[protocol]["rating_stack"]
        assert 0 < row[metric] < 5 and row["reused_train_seconds"] > 0
    assert "rating_stack" in report["metadata"]["hybrids"]
