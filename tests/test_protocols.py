"""The three protocols on the planted dataset: an oracle reaches the top, random scores do not."""

import pytest

from movierec.data.loaders import load_movielens
from movierec.evaluation.protocols import new_users_protocol, tfrs_protocol, top_n_protocol
from movierec.evaluation.queries import fitted_models
from movierec.models import registry
from movierec.models.bias import BiasModel
from movierec.models.ease import EaseModel
from movierec.models.popularity import PopularityModel
from movierec.models.two_stage import TwoStageConfig, TwoStageModel
from tests.planted import CountingOracle, GlobalMean, GroupOracle, RandomScorer, planted_ratings

MODELS = {"oracle": GroupOracle, "random": RandomScorer}


@pytest.fixture(scope="module")
def planted():
    return planted_ratings()


def test_tfrs_protocol_separates_oracle_from_random(planted) -> None:
    ratings, movies = planted
    results = tfrs_protocol(ratings, movies, MODELS | {"bias": BiasModel, "mean": GlobalMean})
    oracle, random = results["oracle"], results["random"]
    # the oracle ties all 30 group movies at the top; ties count against the target, so top-30+ is certain
    assert oracle["factorized_top_50"] == 1.0
    assert oracle["factorized_top_50_masked"] == 1.0
    assert oracle["factorized_top_1"] == 0.0  # 29 tied movies are counted ahead of the target
    # random: about 50 of 150 movies
    assert random["factorized_top_50"] < 0.5
    # masking the training movies removes ~24 competitors of the oracle's target
    assert oracle["factorized_top_10_masked"] > oracle["factorized_top_10"]
    assert "rmse" not in oracle and "factorized_top_1" not in results["bias"]
    assert results["bias"]["rmse"] < results["mean"]["rmse"]
    assert all(row["train_seconds"] >= 0 for row in results.values())


class HistoryDroppingOracle(GroupOracle):
    """Like the served pipeline: its own scores already leave out the rated movies."""

    excludes_history = True


def test_tfrs_protocol_reports_only_masked_accuracy_for_history_dropping_models(planted) -> None:
    ratings, movies = planted
    row = tfrs_protocol(ratings, movies, {"dropping": HistoryDroppingOracle, "oracle": GroupOracle})
    assert "factorized_top_10" not in row["dropping"] and "factorized_top_10" in row["oracle"]
    assert row["dropping"]["factorized_top_10_masked"] == row["oracle"]["factorized_top_10_masked"]


def test_top_n_protocol_separates_oracle_from_random(planted) -> None:
    ratings, movies = planted
    results = top_n_protocol(ratings, movies, MODELS | {"bias": BiasModel})
    oracle, random = results["oracle"], results["random"]
    assert "bias" not in results  # a pure rating model has no list
    assert oracle["ndcg_at_10"] == pytest.approx(1.0)
    assert oracle["recall_at_10"] == pytest.approx(1.0)
    assert oracle["map_at_10"] == pytest.approx(1.0)
    # 30 ratings per user, 25% test -> 7 or 8 relevant movies fill 10 slots
    assert 0.7 <= oracle["precision_at_10"] <= 0.8
    assert random["ndcg_at_10"] < 0.3 and random["precision_at_10"] < 0.3
    assert oracle["users"] == ratings["user_id"].nunique()


def test_new_users_protocol_per_history_size(planted) -> None:
    ratings, movies = planted
    results = new_users_protocol(ratings, movies, MODELS | {"bias": BiasModel, "mean": GlobalMean},
                                 history_sizes=(1, 10, 30))
    oracle, random = results["oracle"], results["random"]
    for h in (1, 10):
        assert oracle[f"precision_at_10_h{h}"] == pytest.approx(1.0)
        assert oracle[f"ndcg_at_10_h{h}"] == pytest.approx(1.0)
        assert random[f"precision_at_10_h{h}"] < 0.4
    # nobody has more than 30 ratings, so H=30 skips every held-out user (and says so)
    assert oracle["users_h30"] == 0 and oracle["skipped_users_h30"] == 12
    assert "ndcg_at_10_h30" not in oracle
    assert oracle["users_h10"] == 12  # 20% of 60 users are held out
    assert results["bias"]["rmse_h10"] < results["mean"]["rmse_h10"]


def test_new_users_cases_do_not_depend_on_the_models_compared(planted) -> None:
    ratings, movies = planted
    alone = new_users_protocol(ratings, movies, {"random": RandomScorer}, history_sizes=(5,))
    together = new_users_protocol(ratings, movies, MODELS, history_sizes=(5,))
    assert alone["random"]["ndcg_at_10_h5"] == together["random"]["ndcg_at_10_h5"]


def test_a_model_without_either_role_is_refused(planted) -> None:
    ratings, movies = planted
    with pytest.raises(ValueError, match="neither an ItemScorer nor a RatingPredictor"):
        top_n_protocol(ratings, movies, {"nothing": object})


def pipeline() -> TwoStageModel:
    return TwoStageModel(TwoStageConfig(retrieval="oracle", ranking="bias", rating_weight=0.5))


@pytest.fixture
def oracle_registered(monkeypatch):
    monkeypatch.setitem(registry.MODELS, "oracle",
                        registry.ModelSpec("tests.planted:CountingOracle", "tests.planted:PlantedConfig"))


def test_a_pipeline_is_measured_on_the_models_fitted_for_its_stages_rows(planted, oracle_registered) -> None:
    ratings, movies = planted
    # the pipeline comes first: its stages are fitted for it, then their own rows reuse them
    fitted = {name: (model, timing) for name, model, timing in
              fitted_models({"pipeline": pipeline, "oracle": CountingOracle, "bias": BiasModel}, ratings, movies)}
    (two_stage, timing), (oracle, oracle_timing), (bias, bias_timing) = fitted.values()
    assert two_stage.retrieval is oracle and two_stage.ranking is bias
    assert len(oracle.fitted_on) == 1 and oracle.fitted_on[0] is ratings
    reused = oracle_timing["train_seconds"] + bias_timing["train_seconds"]
    assert timing["reused_train_seconds"] == reused and timing["train_seconds"] >= reused
    assert "reused_train_seconds" not in oracle_timing


def test_a_pipeline_trains_the_stages_that_have_no_row(planted, oracle_registered) -> None:
    ratings, movies = planted
    rows = top_n_protocol(ratings, movies, {"oracle": CountingOracle, "bias": BiasModel, "pipeline": pipeline})
    assert set(rows) == {"oracle", "pipeline"}  # bias has no top-n row: the pipeline fits its own
    assert rows["pipeline"]["reused_train_seconds"] == rows["oracle"]["train_seconds"]
    alone = new_users_protocol(ratings, movies, {"pipeline": pipeline})["pipeline"]
    together = new_users_protocol(ratings, movies, {"oracle": CountingOracle, "pipeline": pipeline})["pipeline"]
    assert "reused_train_seconds" not in alone and "reused_train_seconds" in together
    assert alone["ndcg_at_10_h10"] == together["ndcg_at_10_h10"]


@pytest.mark.realdata
def test_ease_beats_popularity_on_movielens_new_users_and_top_n(movielens_dir) -> None:
    ml = load_movielens(movielens_dir)
    models = {"ease": EaseModel, "popularity": PopularityModel}
    new_users = new_users_protocol(ml.ratings, ml.movies, models, history_sizes=(10,))
    top_n = top_n_protocol(ml.ratings, ml.movies, models)
    # relative, not hard-coded: a personal model must clearly beat the non-personal list
    assert new_users["ease"]["ndcg_at_10_h10"] > new_users["popularity"]["ndcg_at_10_h10"] + 0.05
    assert top_n["ease"]["ndcg_at_10"] > top_n["popularity"]["ndcg_at_10"] + 0.1
    assert new_users["ease"]["users_h10"] == round(0.2 * ml.ratings["user_id"].nunique())
