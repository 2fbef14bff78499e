"""HistoryMultitask: both roles from one network, the loss weights matter, round-trip to disk."""

from __future__ import annotations

import numpy as np
import pytest

from movierec.models.base import EmbeddingModel, ItemScorer, Persistable, RatingPredictor, UserQuery
from movierec.models.multitask import HistoryMultitask, MultitaskConfig
from tests.models_synthetic import group_history, own_group_share, synthetic_movielens

TINY = MultitaskConfig(embedding_dim=16, hidden_units=(32,), rating_units=(16,), max_history=10, users_per_batch=8,
                       epochs=25, learning_rate=0.01, seed=7)


@pytest.fixture(scope="module")
def joint() -> HistoryMultitask:
    ratings, movies = synthetic_movielens()
    model = HistoryMultitask(TINY)
    model.fit(ratings, movies)
    return model


def test_plays_both_roles(joint: HistoryMultitask) -> None:
    for protocol in (ItemScorer, RatingPredictor, EmbeddingModel, Persistable):
        assert isinstance(joint, protocol)
    assert {"loss", "root_mean_squared_error"} <= set(joint.history)


@pytest.mark.parametrize("group", [0, 1])
def test_joint_model_retrieves_and_rates_the_planted_taste(joint: HistoryMultitask, group: int) -> None:
    history = group_history(group)
    scores = joint.score_items([UserQuery(history=history)])[0]
    assert own_group_share(scores, joint.movie_ids, history, group) >= 0.8
    own, other = joint.predict_ratings([UserQuery(history=history)] * 2,
                                       [[group * 20 + 15], [(1 - group) * 20 + 15]])
    assert own[0] - other[0] > 1.0


def test_rating_specialised_weights_still_learn_ratings() -> None:
    """(1, 0) is the rating-specialised row: with no retrieval loss the rating head alone must learn."""
    ratings, movies = synthetic_movielens()
    model = HistoryMultitask(MultitaskConfig(**{**TINY.__dict__, "retrieval_weight": 0.0}))
    model.fit(ratings, movies)
    (stars,) = model.predict_ratings([UserQuery(history=group_history(0))], [[15, 35]])
    assert 0.5 <= stars.min() and stars.max() <= 5.0 and stars[0] - stars[1] > 1.0


def test_retrieval_specialised_weights_skip_the_rating_head_yet_rate_and_round_trip(tmp_path) -> None:
    """(0, 1) is the retrieval-specialised row: no step computes the rating head, it still answers."""
    ratings, movies = synthetic_movielens()
    model = HistoryMultitask(MultitaskConfig(**{**TINY.__dict__, "rating_weight": 0.0}))
    model.fit(ratings, movies)
    queries = [UserQuery(history=group_history(0))]
    assert own_group_share(model.score_items(queries)[0], model.movie_ids, queries[0].history, 0) >= 0.8
    model.save(tmp_path / "retrieval_only")
    loaded = HistoryMultitask.load(tmp_path / "retrieval_only")
    np.testing.assert_allclose(loaded.predict_ratings(queries, [[3, 33]])[0],
                               model.predict_ratings(queries, [[3, 33]])[0], rtol=1e-5, atol=1e-5)


def test_save_load_gives_identical_outputs(joint: HistoryMultitask, tmp_path) -> None:
    joint.save(tmp_path / "multitask")
    loaded = HistoryMultitask.load(tmp_path / "multitask")
    queries = [UserQuery(history=group_history(0, count=2))]
    np.testing.assert_allclose(loaded.score_items(queries), joint.score_items(queries), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(loaded.predict_ratings(queries, [[3, 33]])[0],
                               joint.predict_ratings(queries, [[3, 33]])[0], rtol=1e-5, atol=1e-5)
