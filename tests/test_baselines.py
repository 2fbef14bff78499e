"""Popularity, bias and EASE baselines: fitting, new-user fold-in, and pickle-free save/load."""

import numpy as np
import pandas as pd
import pytest

from movierec.data import schema
from movierec.evaluation.metrics import rmse
from movierec.models.base import HistoryAttribution, ItemScorer, Persistable, RatingPredictor, UserQuery
from movierec.models.bias import BiasConfig, BiasModel
from movierec.models.ease import EaseConfig, EaseModel
from movierec.models.popularity import PopularityModel, bayesian_average
from tests.planted import MOVIES_PER_GROUP, planted_ratings


@pytest.fixture(scope="module")
def planted():
    return planted_ratings()


def test_roles() -> None:
    assert isinstance(EaseModel(), ItemScorer) and isinstance(PopularityModel(), ItemScorer)
    assert isinstance(BiasModel(), RatingPredictor) and not isinstance(BiasModel(), ItemScorer)
    assert all(isinstance(m, Persistable) for m in (EaseModel(), PopularityModel(), BiasModel()))


def test_popularity_counts_and_bayesian_average() -> None:
    ratings = pd.DataFrame({schema.USER_ID: [1, 2, 3, 1], schema.MOVIE_ID: [10, 10, 10, 20],
                            schema.USER_RATING: [4.0, 4.0, 4.0, 5.0]})
    movies = pd.DataFrame({schema.MOVIE_ID: [10, 20, 30]})
    model = PopularityModel()
    model.fit(ratings, movies)
    assert model.movie_ids.tolist() == [10, 20, 30]
    assert model.score_items([UserQuery(history={}), UserQuery(history={10: 4.0})]).tolist() == [[3, 1, 0]] * 2
    # global mean 17/4 = 4.25; prior 10: movie 10 (3 x 4.0 + 42.5) / 13 = 4.1923; movie 20 (5 + 42.5) / 11 = 4.3182
    # movie 30 has no ratings and sits at the global mean
    assert model.well_rated_scores() == pytest.approx([54.5 / 13, 47.5 / 11, 4.25])
    assert bayesian_average(np.array([0.0]), np.array([np.nan]), 10.0, 3.0).tolist() == [3.0]


def test_ease_fold_in_recommends_the_history_group(planted) -> None:
    ratings, movies = planted
    model = EaseModel(EaseConfig(l2=10.0))
    model.fit(ratings, movies)
    # a brand-new user who rated three movies of group 2 (movies 61..90)
    scores = model.score_items([UserQuery(history={61: 5.0, 62: 4.0, 63: 3.0})])[0]
    best = model.movie_ids[np.argsort(-scores)[:10]]
    assert all((m - 1) // MOVIES_PER_GROUP == 2 for m in best)
    # movies outside the catalog in a history are ignored rather than failing
    assert model.score_items([UserQuery(history={99999: 4.0})]).shape == (1, len(movies))


def test_ease_contributions_are_the_exact_leave_one_out_score_drops(planted) -> None:
    ratings, movies = planted
    model = EaseModel(EaseConfig(l2=10.0))
    model.fit(ratings, movies)
    assert isinstance(model, HistoryAttribution)
    history = {61: 5.0, 99999: 4.0, 2: 1.0, 63: 3.0}  # 99999: not in the catalog, so it adds nothing
    columns = np.array([0, 63, 64, 100])
    full = model.score_items([UserQuery(history=history)])[0, columns]
    drops = [full - model.score_items([UserQuery(history={m: s for m, s in history.items() if m != left})])[0, columns]
             for left in history]
    contributions = model.history_contributions(UserQuery(history=history), columns)
    np.testing.assert_allclose(contributions, drops, atol=1e-6)
    assert contributions[1].tolist() == [0.0] * 4 and np.abs(contributions).max() > 0.01


def test_ease_rejects_a_bad_penalty(planted) -> None:
    ratings, movies = planted
    with pytest.raises(ValueError, match="positive l2"):
        EaseModel(EaseConfig(l2=0.0)).fit(ratings, movies)


def test_bias_beats_the_global_mean_and_folds_in_new_users(planted) -> None:
    ratings, movies = planted
    train = ratings[ratings[schema.USER_ID] > 12]       # users 1..12 (group 0) are new
    new = ratings[ratings[schema.USER_ID] <= 12]
    model = BiasModel()
    model.fit(train, movies)
    errors_bias, errors_mean = [], []
    for _, user in new.groupby(schema.USER_ID):
        history = dict(zip(user[schema.MOVIE_ID].head(10), user[schema.USER_RATING].head(10)))
        rest = user.iloc[10:]
        predicted = model.predict_ratings([UserQuery(history=history)], [rest[schema.MOVIE_ID].tolist()])[0]
        errors_bias.append(rmse(predicted, rest[schema.USER_RATING]))
        errors_mean.append(rmse(np.full(len(rest), train[schema.USER_RATING].mean()), rest[schema.USER_RATING]))
    # group-0 movies were never rated in training, so only the folded-in user bias can help here
    assert np.mean(errors_bias) < 0.8 * np.mean(errors_mean)
    assert model.user_bias({}) == 0.0
    high = model.user_bias({100: 5.0, 101: 5.0})
    low = model.user_bias({100: 1.0, 101: 1.0})
    assert high > 0 > low
    predicted = model.predict_ratings([UserQuery(history={100: 5.0})], [[100, 99999]])[0]
    assert predicted.dtype == np.float32 and np.all((predicted >= 0.5) & (predicted <= 5.0))


def test_bias_baselines_are_each_users_predictions_from_their_own_rows(planted) -> None:
    ratings, movies = planted
    model = BiasModel()
    model.fit(ratings, movies)
    rows = ratings[ratings[schema.USER_ID].isin([3, 40])]
    expected = np.concatenate([model.predict_ratings([UserQuery(history=dict(zip(u[schema.MOVIE_ID], u[schema.USER_RATING])))],
                                                     [u[schema.MOVIE_ID].tolist()])[0]
                               for _, u in rows.groupby(schema.USER_ID, sort=False)])
    assert np.allclose(np.clip(model.baselines(rows), 0.5, 5.0), expected, atol=1e-5)


def test_bias_rejects_negative_regularisation(planted) -> None:
    ratings, movies = planted
    with pytest.raises(ValueError, match="regularization >= 0"):
        BiasModel(BiasConfig(user_regularization=-1.0)).fit(ratings, movies)


@pytest.mark.parametrize("model_class", [EaseModel, PopularityModel, BiasModel])
def test_save_load_round_trip(model_class, planted, tmp_path) -> None:
    ratings, movies = planted
    model = model_class()
    model.fit(ratings, movies)
    model.save(tmp_path / "model")
    loaded = model_class.load(tmp_path / "model")
    assert loaded.config == model.config
    queries = [UserQuery(history={61: 5.0, 62: 2.0}), UserQuery(history={1: 1.0})]
    if isinstance(model, ItemScorer):
        np.testing.assert_array_equal(loaded.movie_ids, model.movie_ids)
        np.testing.assert_allclose(loaded.score_items(queries), model.score_items(queries))
    else:
        wanted = [[63, 64], [2, 3]]
        for a, b in zip(loaded.predict_ratings(queries, wanted), model.predict_ratings(queries, wanted)):
            np.testing.assert_allclose(a, b)


def test_load_of_a_bad_folder_says_what_is_wrong(tmp_path) -> None:
    with pytest.raises(ValueError, match="not a saved model folder"):
        EaseModel.load(tmp_path)
    (tmp_path / "config.json").write_text('{"config": {"no_such_field": 1}}')
    np.savez(tmp_path / "arrays.npz", movie_ids=np.arange(3), weights=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="unreadable EaseConfig"):
        EaseModel.load(tmp_path)
    (tmp_path / "config.json").write_text('{"config": {}, "global_mean": "high"}')
    np.savez(tmp_path / "arrays.npz", movie_ids=np.arange(3), item_bias=np.zeros(3))
    with pytest.raises(ValueError, match="unreadable BiasConfig.*global_mean|unreadable BiasConfig.*high"):
        BiasModel.load(tmp_path)
