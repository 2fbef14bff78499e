"""The rating models keyed on user id (item kNN, biased ALS, AutoRec): what they share.

Each beats the bias model on held-out ratings of the planted taste groups, and answers a user or a
movie it never saw in training with exactly the bias model's prediction.
"""

from __future__ import annotations

import numpy as np
import pytest

from movierec.data.splits import random_split
from movierec.evaluation.metrics import rmse
from movierec.evaluation.protocols import known_user_queries
from movierec.models.als import BiasedAls, BiasedAlsConfig
from movierec.models.autorec import AutoRec, AutoRecConfig
from movierec.models.base import UserQuery
from movierec.models.bias import BiasModel
from movierec.models.item_knn import ItemKnn, ItemKnnConfig
from tests.models_synthetic import synthetic_movielens

MEMBERS = {
    "item_knn": lambda: ItemKnn(ItemKnnConfig(k=10)),
    "biased_als": lambda: BiasedAls(BiasedAlsConfig(dim=4, reg=0.05)),
    "autorec": lambda: AutoRec(AutoRecConfig(hidden_units=16, l2=1.0, learning_rate=0.01, epochs=60, batch_size=8,
                                             threads=1)),
}


@pytest.fixture(scope="module")
def split():
    ratings, movies = synthetic_movielens()
    return random_split(ratings, seed=0), movies


@pytest.fixture(scope="module")
def fitted(split):
    held_out, movies = split
    models = {name: build() for name, build in MEMBERS.items()}
    for model in models.values():
        model.fit(held_out.train, movies)
    bias = BiasModel()
    bias.fit(held_out.train, movies)
    return models, bias


def held_out_rmse(model, split) -> float:
    queries, targets = known_user_queries(split)
    predicted = model.predict_ratings(queries, [list(targets[q.user_id]) for q in queries])
    actual = [list(targets[q.user_id].values()) for q in queries]
    return rmse(np.concatenate(predicted), np.concatenate(actual))


@pytest.mark.parametrize("name", MEMBERS)
def test_each_member_beats_the_bias_model_on_held_out_ratings_of_known_users(split, fitted, name) -> None:
    models, bias = fitted
    assert held_out_rmse(models[name], split[0]) < held_out_rmse(bias, split[0]) - 0.1


@pytest.mark.parametrize("name", MEMBERS)
def test_unknown_users_and_movies_get_the_bias_prediction(fitted, name) -> None:
    models, bias = fitted
    history = {1: 5.0, 2: 4.5, 40: 1.0}
    queries = [UserQuery(history=history), UserQuery(history=history, user_id=9999), UserQuery(history={})]
    wanted = [[1, 3, 40], [5, 77777], []]
    expected = bias.predict_ratings(queries, wanted)
    for got, want in zip(models[name].predict_ratings(queries, wanted), expected):
        assert got.dtype == np.float32 and np.array_equal(got, want)
    known = UserQuery(history=history, user_id=1)
    mixed = models[name].predict_ratings([known], [[77777, 3]])[0]
    assert mixed[0] == bias.predict_ratings([known], [[77777]])[0][0]  # a movie nobody rated in training
    assert 0.5 <= mixed[1] <= 5.0


@pytest.mark.parametrize("build", [lambda: ItemKnn(ItemKnnConfig(k=0)), lambda: ItemKnn(ItemKnnConfig(shrinkage=-1)),
                                   lambda: BiasedAls(BiasedAlsConfig(dim=0)), lambda: BiasedAls(BiasedAlsConfig(reg=0)),
                                   lambda: AutoRec(AutoRecConfig(l2=float("nan"))),
                                   lambda: AutoRec(AutoRecConfig(hidden_units=0))])
def test_bad_settings_are_refused(build) -> None:
    with pytest.raises(ValueError):
        build()


@pytest.mark.parametrize("name", MEMBERS)
def test_an_empty_training_frame_is_refused(split, name) -> None:
    held_out, movies = split
    with pytest.raises(ValueError, match="empty"):
        MEMBERS[name]().fit(held_out.train.iloc[:0], movies)
