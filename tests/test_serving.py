"""The serving API over real (small) trained baselines and a real artifacts folder."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from movierec.artifacts import ArtifactsUnavailable, building_version, latest_version_dir
from movierec.data.loaders import load_movielens
from movierec.serving import Recommender
from movierec.serving.catalog import Catalog
from movierec.models.two_stage import TwoStageConfig
from movierec.training.served import train_served_models
from tests.conftest import genre_flags as flags, write_100k

ACTION = range(1, 11)
ROMANCE = range(11, 21)
TWIN_IDS = (21, 22)  # the same title under two ids: the loader merges them into 21


def write_two_taste_release(folder: Path) -> Path:
    """An ml-100k-format release where half the users love action and half love romance."""
    items = [f"{m}|Action Film {m} (1990)|01-Jan-1990||http://imdb/{m}|{flags('Action')}" for m in ACTION]
    items += [f"{m}|Romance Film {m} (1980)|01-Jan-1980||http://imdb/{m}|{flags('Romance')}" for m in ROMANCE]
    items += [f"{m}|Twin Movie (1999)|01-Jan-1999||http://imdb/21|{flags('Comedy')}" for m in TWIN_IDS]
    rng = np.random.default_rng(7)
    ratings, users = [], []
    for user in range(1, 61):
        users.append(f"{user}|30|{'M' if user % 3 else 'F'}|other|12345")
        loved, other = (ACTION, ROMANCE) if user % 2 else (ROMANCE, ACTION)
        stamp = 880_000_000 + user * 1000
        for movie in rng.choice(list(loved), size=7, replace=False):
            ratings.append(f"{user}\t{movie}\t{rng.choice([4, 5])}\t{stamp + movie}")
        for movie in rng.choice(list(other), size=2, replace=False):
            ratings.append(f"{user}\t{movie}\t{rng.choice([1, 2])}\t{stamp + movie}")
        if user % 3 == 0:
            ratings.append(f"{user}\t{TWIN_IDS[user % 2]}\t3\t{stamp + 50}")
    return write_100k(folder, items=items, users=users, ratings=ratings)


@pytest.fixture(scope="module")
def movielens(tmp_path_factory):
    return load_movielens(write_two_taste_release(tmp_path_factory.mktemp("release") / "ml-100k"))


@pytest.fixture(scope="module")
def artifacts(movielens, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("artifacts")
    train_served_models(movielens, root, TwoStageConfig(retrieval="ease", ranking="bias"), quick=True)
    return root


@pytest.fixture(scope="module")
def trained(artifacts) -> Recommender:
    return Recommender.load(artifacts)


def test_fallback_is_non_personal_and_well_rated_first(movielens):
    recommender = Recommender.fallback(movielens)
    picks = recommender.recommend({}, k=5)
    assert recommender.is_fallback and recommender.version == "fallback"
    assert len(picks) == 5 and not any(p.personal for p in picks)
    assert [p.score for p in picks] == sorted((p.score for p in picks), reverse=True)
    assert all("popular and well rated" in p.reason for p in picks)


def test_personal_picks_follow_the_users_taste(trained):
    action_fan = trained.recommend({1: 5.0, 2: 4.5, 3: 5.0}, k=3)
    romance_fan = trained.recommend({11: 5.0, 12: 4.5, 13: 5.0}, k=3)
    assert all(p.personal for p in action_fan + romance_fan)
    assert {p.movie_id for p in action_fan} <= set(ACTION)
    assert {p.movie_id for p in romance_fan} <= set(ROMANCE)
    assert all(0.5 <= p.predicted_rating <= 5.0 for p in action_fan)


def test_rated_excluded_and_merged_duplicates_never_come_back(trained):
    # 22 is the merged twin of 21: rating it must hide 21, and it is never listed under either id
    picks = trained.recommend({1: 5.0, 22: 4.0}, k=50, exclude=[2, 3])
    ids = [p.movie_id for p in picks]
    assert len(ids) == len(set(ids))
    assert not {1, 2, 3, 21, 22} & set(ids)
    assert trained.canonical_movie_id(22) == 21


def test_catalog_looks_up_many_ids_at_once(movielens):
    catalog = Catalog(movielens.movies, movielens.merged_ids)
    rows = catalog.canonical_rows(np.array([1, 22, 21, 99999]))
    assert rows.tolist() == [catalog.row(1), catalog.row(21), catalog.row(21), -1]  # 22 merged into 21
    assert catalog.rows([21, 1]).tolist() == [catalog.row(21), catalog.row(1)]
    with pytest.raises(KeyError, match="99999"):
        catalog.rows([1, 99999])


def test_genre_filter(trained):
    picks = trained.recommend({11: 5.0}, k=5, genres=["action"])
    assert picks and all("Action" in p.genres for p in picks)


def test_predict_ratings_and_similar(trained):
    predicted = trained.predict_ratings({1: 5.0, 2: 5.0}, [3, 15])
    assert len(predicted) == 2 and all(0.5 <= x <= 5.0 for x in predicted)
    assert predicted[0] > predicted[1]  # an action fan is predicted to like action more
    similar = trained.similar(1, k=4)
    assert 1 not in {s.movie_id for s in similar} and len(similar) == 4


def test_similar_leaves_out_excluded_movies(trained):
    similar = [s.movie_id for s in trained.similar(1, k=4)]
    without = [s.movie_id for s in trained.similar(1, k=4, exclude=[similar[0], 22, 99999])]  # unknown ids: ignored
    assert without[:3] == similar[1:] and len(without) == 4 and similar[0] not in without


def test_a_movie_is_never_its_own_reason(trained):
    # 1 is both liked (a liked group holds it) and asked about: the reason must come from the other movies
    assert trained.reason({}, 1, liked=[1]) is None
    reason = trained.reason({}, 1, liked=[1, 2])
    assert reason == trained.reason({}, 1, liked=[2]) and "Action Film 1 " not in reason
    assert "Action Film 2 " in trained.reason({2: 5.0}, 1)


def test_catalog_keeps_imdb_ids_when_the_data_has_them(movielens, tmp_path):
    plain = Catalog(movielens.movies, movielens.merged_ids)
    plain.save(tmp_path)  # no imdb_id column: an older or unenriched catalog
    assert Catalog.load(tmp_path).movie(1).imdb_id is None
    enriched = movielens.movies.assign(imdb_id=["tt0000001", "not an id", None] + [None] * (len(movielens.movies) - 3))
    Catalog(enriched, movielens.merged_ids).save(tmp_path)
    loaded = Catalog.load(tmp_path)
    first, second, third = (loaded.movie(int(m)) for m in enriched["movie_id"][:3])
    assert (first.imdb_id, second.imdb_id, third.imdb_id) == ("tt0000001", None, None)  # junk is no id


@pytest.mark.parametrize("ratings, message", [
    ({1: 6.0}, "outside"), ({1: 0.0}, "outside"), ({1: math.nan}, "outside"), ({1: math.inf}, "outside"),
    ({1: "five"}, "not a number"), ({99999: 4.0}, "unknown movie id"),
])
def test_bad_ratings_raise_clear_errors(trained, ratings, message):
    with pytest.raises(ValueError, match=message):
        trained.recommend(ratings)


@pytest.mark.parametrize("k", [0, -5, 2.5, "3", True])
def test_bad_k_raises(trained, k):
    with pytest.raises(ValueError, match="k must be"):
        trained.recommend({1: 4.0}, k=k)


def test_unknown_movie_in_similar_and_predict(trained):
    with pytest.raises(ValueError, match="unknown movie id"):
        trained.similar(4242)
    with pytest.raises(ValueError, match="unknown movie id"):
        trained.predict_ratings({}, [4242])


def test_loaded_version_matches_the_published_one(artifacts, trained):
    assert trained.version == latest_version_dir(artifacts).name
    assert not trained.is_fallback


def test_failed_build_leaves_served_version_untouched(artifacts):
    before = (artifacts / "LATEST").read_text()
    with pytest.raises(RuntimeError, match="crash"):
        with building_version(artifacts, {"models": {}}):
            raise RuntimeError("crash mid-training")
    assert (artifacts / "LATEST").read_text() == before
    assert not [p for p in artifacts.iterdir() if p.name.startswith(".building-")]


def test_incompatible_or_broken_artifacts_fall_back(tmp_path, movielens, artifacts):
    version_dir = latest_version_dir(artifacts)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "v1").mkdir()
    manifest = json.loads((version_dir / "manifest.json").read_text())
    (broken / "v1" / "manifest.json").write_text(json.dumps({**manifest, "format": 999}))
    with pytest.raises(ArtifactsUnavailable, match="format"):
        Recommender.load(broken)
    (broken / "v1" / "manifest.json").write_text(json.dumps({**manifest, "models": {
        "retrieval": {"class": "os:system", "folder": "retrieval"}}}))
    with pytest.raises(ArtifactsUnavailable):
        Recommender.load(broken)
    with pytest.raises(ArtifactsUnavailable):
        Recommender.load(tmp_path / "nothing-here")
