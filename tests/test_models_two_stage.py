"""TwoStageModel: the served pipeline as one model, trained alone or on stages already fitted."""

import pytest

from movierec.models import registry
from movierec.models.base import UserQuery
from movierec.models.bias import BiasConfig, BiasModel
from movierec.models.two_stage import TwoStageConfig, TwoStageModel
from tests.planted import CountingOracle, planted_ratings


@pytest.fixture
def oracle_registered(monkeypatch):
    monkeypatch.setitem(registry.MODELS, "oracle",
                        registry.ModelSpec("tests.planted:CountingOracle", "tests.planted:PlantedConfig"))


def test_fit_trains_both_stages_when_none_is_handed_in(oracle_registered) -> None:
    ratings, movies = planted_ratings()
    model = TwoStageModel(TwoStageConfig(retrieval="oracle", ranking="bias", rating_weight=0.5))
    model.fit(ratings, movies)
    assert len(model.retrieval.fitted_on) == 1
    query = UserQuery(history={1: 5.0})
    assert model.score_items([query]).shape == (1, len(movies))  # the blend asks the ranking stage
    assert len(model.predict_ratings([query], [[2, 3]])[0]) == 2


def test_a_handed_in_stage_is_used_as_it_is(oracle_registered) -> None:
    ratings, movies = planted_ratings()
    retrieval = CountingOracle()
    retrieval.fit(ratings, movies)
    model = TwoStageModel(TwoStageConfig(retrieval="oracle", ranking="bias"))
    model.use_fitted_stage("retrieval", retrieval)
    model.fit(ratings, movies)
    assert model.retrieval is retrieval and len(retrieval.fitted_on) == 1  # not trained again
    assert model.stage_names == {"retrieval": "oracle", "ranking": "bias"}


def test_a_stage_with_other_settings_is_refused(oracle_registered) -> None:
    model = TwoStageModel(TwoStageConfig(retrieval="oracle", ranking="bias"))
    with pytest.raises(ValueError, match="ranking stage"):
        model.use_fitted_stage("ranking", BiasModel(BiasConfig(sweeps=1)))
    with pytest.raises(ValueError, match="ranking stage"):
        model.use_fitted_stage("ranking", CountingOracle())
