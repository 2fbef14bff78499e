"""HistoryRetrieval: learns planted tastes, serves new users from their ratings, round-trips to disk."""

from __future__ import annotations

import numpy as np
import pytest

from movierec.models.base import EmbeddingModel, ItemScorer, Persistable, UserQuery
from movierec.models.retrieval import HistoryRetrieval, HistoryRetrievalConfig
from tests.models_synthetic import group_history, own_group_share, synthetic_movielens

TINY = HistoryRetrievalConfig(embedding_dim=16, hidden_units=(32,), max_history=10, users_per_batch=8, epochs=25,
                              learning_rate=0.01, seed=3)


@pytest.fixture(scope="module")
def trained() -> HistoryRetrieval:
    ratings, movies = synthetic_movielens()
    model = HistoryRetrieval(TINY)
    model.fit(ratings, movies)
    return model


def test_implements_the_protocols(trained: HistoryRetrieval) -> None:
    assert isinstance(trained, ItemScorer) and isinstance(trained, EmbeddingModel)
    assert isinstance(trained, Persistable)
    assert trained.movie_embeddings().shape == (40, TINY.embedding_dim)
    assert set(trained.history) >= {"loss"} and len(trained.history["loss"]) == TINY.epochs


@pytest.mark.parametrize("group", [0, 1])
def test_new_user_gets_their_own_taste(trained: HistoryRetrieval, group: int) -> None:
    history = group_history(group)
    scores = trained.score_items([UserQuery(history=history)])[0]
    # random lists hit the user's group half the time
    assert own_group_share(scores, trained.movie_ids, history, group) >= 0.8


def test_different_histories_get_different_scores(trained: HistoryRetrieval) -> None:
    scores = trained.score_items([UserQuery(history=group_history(0)), UserQuery(history=group_history(1))])
    assert scores.shape == (2, 40) and scores.dtype == np.float32
    assert not np.allclose(scores[0], scores[1])


def test_disliked_movies_move_the_list_away(trained: HistoryRetrieval) -> None:
    """Stars matter, not only which movies were rated: hating group 0 should not ask for more of it."""
    scores = trained.score_items([UserQuery(history=group_history(0, stars=5.0)),
                                  UserQuery(history=group_history(0, stars=1.0))])
    group0 = slice(0, 20)
    assert scores[0, group0].mean() - scores[0, 20:].mean() > scores[1, group0].mean() - scores[1, 20:].mean()


def test_save_load_gives_identical_scores(trained: HistoryRetrieval, tmp_path) -> None:
    trained.save(tmp_path / "retrieval")
    loaded = HistoryRetrieval.load(tmp_path / "retrieval")
    queries = [UserQuery(history=group_history(1, count=3)), UserQuery(history={})]
    np.testing.assert_allclose(loaded.score_items(queries), trained.score_items(queries), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(loaded.movie_ids, trained.movie_ids)
    assert loaded.history == trained.history


def test_load_refuses_a_folder_without_a_model(tmp_path) -> None:
    with pytest.raises(ValueError, match="config"):
        HistoryRetrieval.load(tmp_path)


def test_untrained_model_says_so() -> None:
    with pytest.raises(RuntimeError, match="not trained"):
        HistoryRetrieval().score_items([UserQuery(history={1: 4.0})])
