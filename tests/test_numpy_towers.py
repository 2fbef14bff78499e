"""Serving's NumPy towers compute what the trained TensorFlow networks compute.

Small models are trained for a few epochs (so no weight is still at its zero initialisation) and
queried with random histories of every shape serving meets: empty, one movie, long, half stars,
with and without demographics, known and unknown user ids.
"""

from __future__ import annotations

import numpy as np
import pytest

from movierec.data import schema
from movierec.models.base import UserQuery
from movierec.models.features import encode_queries
from movierec.models.numpy_towers import NumpyDenseStack
from movierec.models.ranking import HistoryRanking, HistoryRankingConfig, prediction_inputs
from movierec.models.retrieval import HistoryRetrieval, HistoryRetrievalConfig
from tests.models_synthetic import synthetic_movielens

import tensorflow as tf


def random_queries(movie_ids: np.ndarray, user_ids: np.ndarray, count: int = 24) -> list[UserQuery]:
    rng = np.random.default_rng(3)
    queries = [UserQuery(history={})]
    for i in range(count):
        size = int(rng.integers(1, 40))
        chosen = rng.choice(movie_ids, size=min(size, len(movie_ids)), replace=False)
        history = {int(m): float(rng.integers(1, 11)) / 2 for m in chosen}
        features = {}
        if i % 2:
            features = {schema.USER_GENDER: bool(i % 4 == 1), schema.BUCKETIZED_USER_AGE: float(rng.choice([1, 25, 56])),
                        schema.USER_OCCUPATION_LABEL: int(rng.integers(0, 22))}
        user_id = int(user_ids[i]) if i % 3 == 0 else None
        queries.append(UserQuery(history=history, features=features, user_id=user_id))
    return queries


@pytest.fixture(scope="module")
def data():
    return synthetic_movielens(users=40, seed=1)


@pytest.fixture(scope="module", params=[(16,), ()], ids=["relu_head", "linear_head"])
def retrieval(data, request) -> HistoryRetrieval:
    """A small trained retrieval model with a hidden ReLU layer, and one with the served linear head."""
    ratings, movies = data
    model = HistoryRetrieval(HistoryRetrievalConfig(embedding_dim=8, hidden_units=request.param, epochs=3,
                                                    max_history=10, users_per_batch=8, learning_rate=0.01, seed=2))
    model.fit(ratings, movies)
    return model


def tensorflow_scores(model: HistoryRetrieval, queries: list[UserQuery]) -> np.ndarray:
    net = model._net
    return (net.query(encode_queries(queries, model._vocabulary)) @ tf.transpose(net.catalog())).numpy()


def test_retrieval_scores_match_the_tensorflow_query_tower(data, retrieval) -> None:
    ratings, _ = data
    model = retrieval
    queries = random_queries(model.movie_ids, ratings[schema.USER_ID].unique())
    expected = tensorflow_scores(model, queries)
    np.testing.assert_allclose(model.score_items(queries), expected, rtol=1e-4, atol=1e-4)
    assert np.ptp(expected[1:], axis=0).max() > 1e-2  # the queries differ, so the check is not vacuous


def test_history_contributions_are_the_tensorflow_towers_leave_one_out_drops(data, retrieval) -> None:
    ratings, _ = data
    model = retrieval
    columns = np.array([0, 5, 17, len(model.movie_ids) - 1])
    queries = random_queries(model.movie_ids, ratings[schema.USER_ID].unique(), count=6)[1:]  # some with demographics
    queries += [UserQuery(history={int(model.movie_ids[3]): 4.5}),  # left out, the history is empty
                UserQuery(history={int(model.movie_ids[1]): 2.0, 999_999: 5.0, int(model.movie_ids[2]): 5.0})]
    largest = 0.0
    for query in queries:
        history = dict(query.history)
        without = [UserQuery(history={m: s for m, s in history.items() if m != left}, features=query.features)
                   for left in history]
        scores = tensorflow_scores(model, [query, *without])[:, columns]
        contributions = model.history_contributions(query, columns)
        np.testing.assert_allclose(contributions, scores[0] - scores[1:], rtol=1e-4, atol=1e-4)
        largest = max(largest, float(np.abs(contributions).max()))
    assert contributions[1].tolist() == [0.0] * len(columns)  # 999_999 is no movie the model knows
    assert largest > 1e-2  # the ratings matter, so the check is not vacuous


def test_rating_predictions_match_the_tensorflow_network(data) -> None:
    ratings, movies = data
    model = HistoryRanking(HistoryRankingConfig(embedding_dim=8, hidden_units=(16,), epochs=3, max_history=10,
                                                users_per_batch=8, learning_rate=0.01, seed=2))
    model.fit(ratings, movies)
    queries = random_queries(model._vocabulary.movie_ids, ratings[schema.USER_ID].unique())
    targets = [list(movies[schema.MOVIE_ID].iloc[i:i + 7]) for i in range(len(queries))]
    inputs = prediction_inputs(queries, targets, model._vocabulary)
    expected = model._net.predict_stars({name: tf.constant(array) for name, array in inputs.items()}).numpy()
    predicted = np.concatenate(model.predict_ratings(queries, targets))
    np.testing.assert_allclose(predicted, np.clip(expected, 0.5, 5.0), rtol=1e-4, atol=1e-4)
    assert expected.std() > 1e-2


def test_a_layer_without_a_numpy_version_is_refused() -> None:
    stack = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="tanh")])
    stack.build((None, 3))
    with pytest.raises(TypeError, match="no NumPy version"):
        NumpyDenseStack(stack)
