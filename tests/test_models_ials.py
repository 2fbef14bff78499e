"""Implicit ALS: the ridge step checked by hand, fold-in lists on planted groups, bad settings, save/load."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from movierec.models.base import UserQuery
from movierec.models.ials import ImplicitAlsConfig, ImplicitAlsModel, _regress_rows
from tests.planted import MOVIES_PER_GROUP, group_of, planted_ratings


def test_one_regression_step_matches_the_normal_equations_by_hand() -> None:
    others = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])  # three movies, two factors
    # row 0 rated movie 0: (others'others + l2 I + alpha e0 e0') x = (1 + alpha) e0 -> diag(3, 2) x = (2, 0)
    # row 1 rated nothing: no evidence, factor 0
    solved = _regress_rows(others, [np.array([0]), np.array([], dtype=np.int64)], alpha=1.0, l2=1.0)
    assert np.allclose(solved, [[2 / 3, 0.0], [0.0, 0.0]])


@pytest.fixture(scope="module")
def fitted() -> ImplicitAlsModel:
    ratings, movies = planted_ratings()
    model = ImplicitAlsModel(ImplicitAlsConfig(factors=8, alpha=5.0, l2=1.0, iterations=6))
    model.fit(ratings, movies)
    return model


def test_a_folded_in_history_ranks_its_own_group_first(fitted) -> None:
    for group in range(3):
        history = {group * MOVIES_PER_GROUP + offset: 4.0 for offset in (1, 2, 3)}
        scores = fitted.score_items([UserQuery(history=history)])[0]
        unrated = [m for m in np.asarray(fitted.movie_ids)[np.argsort(-scores)] if m not in history]
        assert {group_of(int(m)) for m in unrated[:10]} == {group}


def test_unknown_movies_are_ignored_and_an_empty_history_scores_nothing(fitted) -> None:
    known = {1: 5.0, 2: 4.0}
    with_unknown = fitted.score_items([UserQuery(history=known), UserQuery(history={**known, 99_999: 5.0})])
    assert np.allclose(with_unknown[0], with_unknown[1])
    assert not np.any(fitted.score_items([UserQuery(history={})]))


@pytest.mark.parametrize("settings", [{"factors": 0}, {"iterations": 0}, {"alpha": -1.0}, {"l2": 0.0},
                                      {"alpha": float("nan")}])
def test_bad_settings_are_refused(settings) -> None:
    with pytest.raises(ValueError):
        ImplicitAlsConfig(**settings)


def test_an_empty_training_frame_is_refused() -> None:
    ratings, movies = planted_ratings()
    with pytest.raises(ValueError, match="empty"):
        ImplicitAlsModel().fit(ratings.iloc[:0], movies)


def test_save_and_load_give_the_same_scores(fitted, tmp_path) -> None:
    fitted.save(tmp_path / "ials")
    loaded = ImplicitAlsModel.load(tmp_path / "ials")
    query = [UserQuery(history={3: 5.0, 40: 2.0})]
    assert loaded.config == fitted.config
    assert np.array_equal(loaded.movie_ids, fitted.movie_ids)
    assert np.allclose(loaded.score_items(query), fitted.score_items(query))
    (tmp_path / "ials" / "config.json").write_text('{"config": {"width": 3}}')
    with pytest.raises(ValueError, match="unreadable"):
        ImplicitAlsModel.load(tmp_path / "ials")


def test_movies_only_in_the_catalog_get_a_column() -> None:
    ratings, movies = planted_ratings()
    extra = pd.concat([movies, movies.iloc[[0]].assign(movie_id=10_000)], ignore_index=True)
    model = ImplicitAlsModel(ImplicitAlsConfig(factors=4, iterations=2))
    model.fit(ratings, extra)
    assert 10_000 in model.movie_ids
    assert model.score_items([UserQuery(history={1: 5.0})]).shape == (1, len(model.movie_ids))
