"""HybridScorer: z(retrieval) + the weighted z(baselines), their columns aligned on the retrieval part's movie ids."""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pytest

from movierec.evaluation.report import run_report
from movierec.models import registry
from movierec.models.base import UserQuery
from movierec.models.ease import EaseConfig, EaseModel
from movierec.models.hybrid import HybridConfig, HybridScorer
from movierec.models.two_stage import zscore
from tests.planted import RandomScorer, planted_ratings


class ReversedRandomScorer(RandomScorer):
    """Random scores over the catalog in descending id order (EASE's order is ascending)."""

    def fit(self, train, movies) -> None:
        super().fit(train, movies)
        self._movie_ids = self._movie_ids[::-1].copy()


@pytest.fixture
def registered(monkeypatch):
    for name, path in (("random", "tests.planted:RandomScorer"), ("reversed", "tests.test_models_hybrid:ReversedRandomScorer")):
        monkeypatch.setitem(registry.MODELS, name, registry.ModelSpec(path, "tests.planted:PlantedConfig"))
    monkeypatch.setitem(registry.MODELS, "ease_small", registry.ModelSpec(
        "movierec.models.ease:EaseModel", "movierec.models.ease:EaseConfig", settings={"l2": 10.0}, baseline=True))
    monkeypatch.setitem(registry.MODELS, "ials_small", registry.ModelSpec(
        "movierec.models.ials:ImplicitAlsModel", "movierec.models.ials:ImplicitAlsConfig",
        settings={"factors": 4, "l2": 1.0, "iterations": 3}, baseline=True))


QUERIES = [UserQuery(history={1: 5.0, 2: 4.0}), UserQuery(history={40: 3.0})]


def fitted(name: str, weight: float) -> HybridScorer:
    ratings, movies = planted_ratings()
    model = HybridScorer(HybridConfig(retrieval=name, baselines=("ease_small",), weights=(weight,)))
    model.fit(ratings, movies)
    return model


def test_zscore_standardises_each_row_on_its_own() -> None:
    values = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])
    spread = math.sqrt(2 / 3)
    assert np.allclose(zscore(values), [[-1 / spread, 0.0, 1 / spread], [0.0, 0.0, 0.0]])
    assert np.allclose(zscore(values[0]), zscore(values)[0])


@pytest.mark.parametrize("name", ["random", "reversed"])
def test_the_blend_is_the_weighted_sum_of_aligned_z_scores(registered, name) -> None:
    model = fitted(name, 2.0)
    retrieval = model.retrieval.score_items(QUERIES)
    ease = model.ease_small.score_items(QUERIES)
    order = np.searchsorted(model.ease_small.movie_ids, model.movie_ids)  # EASE's columns in retrieval's order
    assert np.allclose(model.score_items(QUERIES), zscore(retrieval) + 2.0 * zscore(ease[:, order]), atol=1e-5)


def test_two_baselines_each_add_their_weighted_aligned_z_scores(registered) -> None:
    ratings, movies = planted_ratings()
    model = HybridScorer(HybridConfig(retrieval="reversed", baselines=("ease_small", "ials_small"), weights=(0.5, 2.0)))
    model.fit(ratings, movies)
    expected = zscore(model.retrieval.score_items(QUERIES))
    for baseline, weight in ((model.ease_small, 0.5), (model.ials_small, 2.0)):
        order = np.searchsorted(baseline.movie_ids, model.movie_ids)
        expected += weight * zscore(baseline.score_items(QUERIES)[:, order])
    assert np.allclose(model.score_items(QUERIES), expected, atol=1e-4)


@pytest.mark.parametrize("baselines, weights, message", [
    (("ease_small", "ials_small"), (0.5,), "one weight each"),
    (("ease_small", "ease_small"), (0.5, 0.5), "distinct baselines"),
    (("retrieval",), (1.0,), "shadow"),
    (("score_items",), (1.0,), "shadow"),
])
def test_baselines_and_weights_that_do_not_pair_up_are_refused(registered, baselines, weights, message) -> None:
    with pytest.raises(ValueError, match=message):
        HybridScorer(HybridConfig(retrieval="random", baselines=baselines, weights=weights))


def test_weight_zero_keeps_the_retrieval_order(registered) -> None:
    alone = fitted("reversed", 0.0)
    order = np.argsort(-alone.score_items(QUERIES), axis=1, kind="stable")
    assert np.array_equal(order, np.argsort(-alone.retrieval.score_items(QUERIES), axis=1, kind="stable"))


@pytest.mark.parametrize("weight", [-0.5, math.nan])
def test_a_weight_that_is_not_a_non_negative_number_is_refused(registered, weight) -> None:
    with pytest.raises(ValueError, match="weights must be numbers"):
        HybridScorer(HybridConfig(retrieval="random", baselines=("ease_small",), weights=(weight,)))


def test_handed_in_parts_are_not_trained_again_and_must_match_the_config(registered) -> None:
    ratings, movies = planted_ratings()
    ease = EaseModel(EaseConfig(l2=10.0))
    ease.fit(ratings, movies)
    model = HybridScorer(HybridConfig(retrieval="random", baselines=("ease_small",)))
    model.use_fitted_stage("ease_small", ease)
    model.fit(ratings, movies)
    assert model.ease_small is ease
    with pytest.raises(ValueError, match="ease_small stage"):
        model.use_fitted_stage("ease_small", EaseModel(EaseConfig(l2=11.0)))


def test_the_report_names_the_best_model_without_the_baseline_beside_a_hybrid(registered, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(registry.MODELS, "blend", registry.ModelSpec(
        "movierec.models.hybrid:HybridScorer", "movierec.models.hybrid:HybridConfig",
        settings={"retrieval": "random", "baselines": ("ease_small",), "weights": (5.0,)}, hybrid=True))
    ratings, movies = planted_ratings()
    movielens = SimpleNamespace(release="planted", ratings=ratings, movies=movies)
    report = run_report(movielens, ["ease_small", "random", "blend"], tmp_path, quick=True)

    verdict = next(v for v in report["targets"] if v["protocol"] == "top_n" and v["metric"] == "ndcg_at_10")
    rows = report["top_n"]
    assert rows["blend"]["ndcg_at_10"] > rows["random"]["ndcg_at_10"]  # EASE's signal lifts random scores
    assert verdict["best_model"] == "blend" and verdict["best_tfrs_only"] == "random"
    assert rows["blend"]["reused_train_seconds"] > 0  # both parts came fitted from their own rows
    markdown = (tmp_path / "metrics.md").read_text()
    assert "best model, a TFRS + baseline hybrid, blend" in markdown and "best TFRS model alone random" in markdown


def test_a_handed_in_part_may_differ_only_in_how_its_fit_ran(registered) -> None:
    model = HybridScorer(HybridConfig(retrieval="retrieval", baselines=("ease_small",), quick=True))
    own = model.retrieval.config
    model.use_fitted_stage("retrieval", type(model.retrieval)(dataclasses.replace(own, threads=1, verbose=1)))
    with pytest.raises(ValueError, match="retrieval stage"):
        model.use_fitted_stage("retrieval", type(model.retrieval)(dataclasses.replace(own, epochs=own.epochs + 1)))
