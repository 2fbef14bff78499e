"""DCN-v2 / DNN rating models: learn planted tastes, report mean ± std, plot the cross heatmap, round-trip."""

from __future__ import annotations

import numpy as np
import pytest

from movierec.data import schema
from movierec.models.base import Persistable, RatingPredictor, UserQuery
from movierec.models.dcn import DcnConfig, DcnModel, dcn_rmse_runs, plot_cross_heatmap
from tests.models_synthetic import synthetic_movielens

TINY = DcnConfig(embedding_dim=8, deep_units=(16,), batch_size=64, epochs=30, learning_rate=0.01, seed=2)


@pytest.fixture(scope="module")
def data():
    ratings, movies = synthetic_movielens()
    shuffled = ratings.sample(frac=1.0, random_state=0)
    return shuffled.iloc[:700], shuffled.iloc[700:], movies


@pytest.fixture(scope="module")
def trained(data) -> DcnModel:
    train, _, movies = data
    model = DcnModel(TINY)
    model.fit(train, movies)
    return model


def test_beats_the_global_mean(trained: DcnModel, data) -> None:
    train, test, _ = data
    assert isinstance(trained, RatingPredictor) and isinstance(trained, Persistable)
    truth = test[schema.USER_RATING].to_numpy()
    model_rmse = np.sqrt(np.mean((trained.predict_frame(test) - truth) ** 2))
    mean_rmse = np.sqrt(np.mean((train[schema.USER_RATING].mean() - truth) ** 2))
    assert model_rmse < 0.6 * mean_rmse


def test_predict_ratings_for_known_and_unknown_users(trained: DcnModel) -> None:
    features = {schema.USER_GENDER: True, schema.BUCKETIZED_USER_AGE: 25.0, schema.USER_OCCUPATION_LABEL: 2}
    known, unknown = trained.predict_ratings([UserQuery(history={}, user_id=2, features=features),
                                              UserQuery(history={})], [[1, 21], [1]])
    assert known[0] - known[1] > 1.0  # user 2 is in group 0 (movies 1..20)
    assert unknown.shape == (1,) and 0.5 <= unknown[0] <= 5.0


def test_rmse_runs_report_mean_and_spread(data) -> None:
    train, test, movies = data
    results = dcn_rmse_runs(train, test, movies, n_runs=2, epochs=2, deep_units=(8,), embedding_dim=4)
    assert set(results) == {"dcn_stacked", "dcn_low_rank", "dnn"}
    for row in results.values():
        assert row["rmse"] > 0 and row["rmse_std"] >= 0 and row["runs"] == 2


def test_heatmap_is_written(trained: DcnModel, tmp_path) -> None:
    names, importance = trained.cross_importance()
    assert importance.shape == (len(names), len(names)) and (importance >= 0).all()
    plot_cross_heatmap(trained, tmp_path / "heat.png")
    assert (tmp_path / "heat.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_save_load_gives_identical_predictions(trained: DcnModel, data, tmp_path) -> None:
    _, test, _ = data
    trained.save(tmp_path / "dcn")
    loaded = DcnModel.load(tmp_path / "dcn")
    np.testing.assert_allclose(loaded.predict_frame(test), trained.predict_frame(test), rtol=1e-5, atol=1e-5)


def test_enriched_catalog_adds_director_and_star_features(data, tmp_path) -> None:
    train, test, movies = data
    enriched = movies.assign(**{
        # the planted taste groups (movies 1..20 and the rest) each get their own director and lead actor
        schema.DIRECTOR: ["Ann Director" if m <= 20 else "Bob Director" for m in movies[schema.MOVIE_ID]],
        schema.CAST: [["Ann Star", "x"] if m <= 20 else ([] if m % 2 else ["Bob Star"]) for m in movies[schema.MOVIE_ID]],
    })
    model = DcnModel(TINY)
    model.fit(train, enriched)
    assert {schema.DIRECTOR, "star"} <= set(model.vocabularies)
    assert set(model.vocabularies[schema.DIRECTOR]) == {"Ann Director", "Bob Director"}
    names, importance = model.cross_importance()
    assert schema.DIRECTOR in names and importance.shape == (len(names), len(names))
    model.save(tmp_path / "dcn")
    loaded = DcnModel.load(tmp_path / "dcn")
    np.testing.assert_allclose(loaded.predict_frame(test), model.predict_frame(test), rtol=1e-5, atol=1e-5)
