"""IdRetrieval, the TFRS tutorial row: learns known users, and gives every new user the same list."""

from __future__ import annotations

import numpy as np
import pytest

from movierec.models.base import ItemScorer, Persistable, UserQuery
from movierec.models.id_retrieval import IdRetrieval, IdRetrievalConfig
from tests.models_synthetic import group_history, own_group_share, synthetic_movielens

TINY = IdRetrievalConfig(embedding_dim=8, batch_size=64, epochs=30, learning_rate=0.2, seed=11)


@pytest.fixture(scope="module")
def trained() -> IdRetrieval:
    ratings, movies = synthetic_movielens()
    model = IdRetrieval(TINY)
    model.fit(ratings, movies)
    return model


def test_known_users_get_their_group(trained: IdRetrieval) -> None:
    assert isinstance(trained, ItemScorer) and isinstance(trained, Persistable)
    users = list(range(1, 21))
    scores = trained.score_items([UserQuery(history={}, user_id=u) for u in users])
    shares = [own_group_share(s, trained.movie_ids, {}, u % 2) for s, u in zip(scores, users)]
    assert np.mean(shares) >= 0.75  # random: 0.5


def test_every_new_user_gets_the_same_scores(trained: IdRetrieval) -> None:
    """The documented flaw: unknown users share one out-of-vocabulary embedding, histories are ignored."""
    scores = trained.score_items([UserQuery(history=group_history(0)), UserQuery(history=group_history(1)),
                                  UserQuery(history={}, user_id=12345)])
    np.testing.assert_array_equal(scores[0], scores[1])
    np.testing.assert_array_equal(scores[0], scores[2])


def test_save_load_gives_identical_scores(trained: IdRetrieval, tmp_path) -> None:
    trained.save(tmp_path / "id")
    loaded = IdRetrieval.load(tmp_path / "id")
    queries = [UserQuery(history={}, user_id=3), UserQuery(history={})]
    np.testing.assert_allclose(loaded.score_items(queries), trained.score_items(queries), rtol=1e-6)
