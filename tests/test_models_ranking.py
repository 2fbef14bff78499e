"""HistoryRanking: predicts planted stars for new and known users, clipped, and round-trips to disk."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest

from movierec.data import schema
from movierec.models import registry
from movierec.models.base import Persistable, RatingPredictor, UserQuery
from movierec.models.ranking import HistoryRanking, HistoryRankingConfig
from tests.models_synthetic import group_history, synthetic_movielens

TINY = HistoryRankingConfig(embedding_dim=8, hidden_units=(16,), max_history=10, users_per_batch=8, epochs=25,
                            learning_rate=0.01, seed=5)


@pytest.fixture(scope="module")
def trained() -> HistoryRanking:
    ratings, movies = synthetic_movielens()
    model = HistoryRanking(TINY)
    model.fit(ratings, movies)
    return model


def test_implements_the_protocols(trained: HistoryRanking) -> None:
    assert isinstance(trained, RatingPredictor) and isinstance(trained, Persistable)
    assert len(trained.history["root_mean_squared_error"]) == TINY.epochs
    # the epoch's mean batch loss (not tfrs' last-batch loss) falls as the model learns
    mean_loss = trained.history["mean_loss"]
    assert len(mean_loss) == TINY.epochs and mean_loss[-1] < mean_loss[0]


@pytest.mark.parametrize("group", [0, 1])
def test_new_user_gets_higher_stars_for_their_own_taste(trained: HistoryRanking, group: int) -> None:
    own = [group * 20 + 10 + i for i in range(1, 11)]
    other = [(1 - group) * 20 + 10 + i for i in range(1, 11)]
    predicted_own, predicted_other = trained.predict_ratings([UserQuery(history=group_history(group))] * 2,
                                                             [own, other])
    assert predicted_own.mean() - predicted_other.mean() > 1.0  # planted gap: ~4.5 vs ~1.5 stars


def test_beats_the_global_mean_on_unseen_users() -> None:
    ratings, movies = synthetic_movielens(users=60, seed=0)
    fresh, _ = synthetic_movielens(users=20, seed=9)
    model = HistoryRanking(TINY)
    model.fit(ratings, movies)
    queries, targets, truth = [], [], []
    for _, group in fresh.groupby(schema.USER_ID):
        shown, hidden = group.iloc[:5], group.iloc[5:]
        queries.append(UserQuery(history=dict(zip(shown[schema.MOVIE_ID], shown[schema.USER_RATING]))))
        targets.append(hidden[schema.MOVIE_ID].tolist())
        truth.append(hidden[schema.USER_RATING].to_numpy())
    predicted = np.concatenate(model.predict_ratings(queries, targets))
    truth_all = np.concatenate(truth)
    model_rmse = np.sqrt(np.mean((predicted - truth_all) ** 2))
    mean_rmse = np.sqrt(np.mean((ratings[schema.USER_RATING].mean() - truth_all) ** 2))
    assert model_rmse < 0.7 * mean_rmse


def test_predictions_are_clipped_to_the_star_range(trained: HistoryRanking) -> None:
    extreme = {m: 5.0 for m in range(1, 21)} | {m: 0.5 for m in range(21, 41)}
    (stars,) = trained.predict_ratings([UserQuery(history=extreme)], [list(range(1, 41))])
    assert stars.dtype == np.float32 and stars.min() >= 0.5 and stars.max() <= 5.0


def test_known_user_id_is_used_but_not_required(trained: HistoryRanking) -> None:
    history = group_history(0)
    with_id, without_id = trained.predict_ratings([UserQuery(history=history, user_id=2), UserQuery(history=history)],
                                                  [[30, 31], [30, 31]])
    assert np.all(np.isfinite(with_id)) and not np.allclose(with_id, without_id)


def test_unknown_movie_is_a_clear_error(trained: HistoryRanking) -> None:
    with pytest.raises(ValueError, match="unknown movie ids"):
        trained.predict_ratings([UserQuery(history={1: 4.0})], [[999]])


def test_save_load_gives_identical_predictions(trained: HistoryRanking, tmp_path) -> None:
    trained.save(tmp_path / "ranking")
    loaded = HistoryRanking.load(tmp_path / "ranking")
    queries = [UserQuery(history=group_history(1, count=3)), UserQuery(history={2: 3.0}, user_id=4)]
    movie_ids = [[1, 2, 39], [5]]
    for a, b in zip(loaded.predict_ratings(queries, movie_ids), trained.predict_ratings(queries, movie_ids)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_known_users_row_differs_from_the_served_row_only_in_user_id_dropout() -> None:
    served, known = (asdict(registry.spec(name).build_config()) for name in ("ranking", "ranking_known_users"))
    assert served["user_id_dropout"] > 0 and known["user_id_dropout"] == 0
    assert {key for key in served if served[key] != known[key]} == {"user_id_dropout"}
