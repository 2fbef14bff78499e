"""scripts/tune.py: the search picks the best setting it tried and never sees the protocol's test part."""

import json
from dataclasses import dataclass

import pandas as pd
import pytest

from movierec.data import schema
from movierec.data.splits import held_out_users_split
from scripts import tune
from tests.planted import planted_ratings


def test_coordinate_search_uses_only_training_data_and_keeps_the_best(monkeypatch) -> None:
    ratings, movies = planted_ratings()
    split = held_out_users_split(ratings, seed=42)
    seen_users: set[int] = set()
    protocol = tune.TUNING["new_users"]

    def spying_protocol(frame: pd.DataFrame, *args, **kwargs):
        seen_users.update(frame[schema.USER_ID].tolist())
        return protocol.evaluate(frame, *args, **kwargs)

    spied = tune.ProtocolTuning(protocol.split, spying_protocol, protocol.scorer_metric, protocol.predictor_metric,
                                protocol.options)
    result = tune.coordinate_search("ease", spied, split.train, movies, quick=False, seed=42)

    assert seen_users and seen_users.isdisjoint(split.test[schema.USER_ID])
    assert result["objective"] == "ndcg_at_10_h10" and not result["lower_is_better"]
    values = [trial["value"] for trial in result["trials"]]
    assert len(values) == len(tune.BASELINE_GRIDS["ease"]["l2"])
    assert result["chosen"]["value"] == max(values)
    assert result["chosen"]["settings"]["l2"] in tune.BASELINE_GRIDS["ease"]["l2"]


def test_rating_models_are_tuned_for_rmse_and_skipped_where_not_judged() -> None:
    ratings, movies = planted_ratings()
    train = tune.TUNING["tfrs"].split(ratings, seed=42).train
    result = tune.coordinate_search("bias", tune.TUNING["tfrs"], train, movies, quick=True, seed=42)
    assert result["objective"] == "rmse" and result["lower_is_better"]
    assert result["chosen"]["value"] == min(trial["value"] for trial in result["trials"])
    assert tune.coordinate_search("bias", tune.TUNING["top_n"], train, movies, quick=True, seed=42) is None
    assert tune.coordinate_search("popularity", tune.TUNING["top_n"], train, movies, quick=True, seed=42) is None


@dataclass(frozen=True)
class SomeConfig:
    learning_rate: float = 0.3
    embedding_dim: int = 32
    epochs: int = 4
    dropout: float = 0.1


def test_search_space_steps_around_tfrs_defaults() -> None:
    space = tune.search_space("some_tfrs_model", SomeConfig())
    assert space["learning_rate"] == pytest.approx((0.1, 0.3, 0.9))  # a third, the default, three times
    assert space["embedding_dim"] == (16, 32, 64) and space["epochs"] == (2, 4, 8)
    assert "dropout" not in space


@pytest.mark.realdata
def test_tune_main_writes_its_choice(movielens_dir, tmp_path) -> None:
    assert tune.main(["--data-dir", str(movielens_dir), "--models", "ease", "--quick",
                      "--reports-dir", str(tmp_path), "--log-level", "WARNING"]) == 0
    stored = json.loads((tmp_path / "tuning.json").read_text())
    assert stored["metadata"]["protocol"] == "new_users"
    # quick tries the first two grid values besides the default
    assert stored["models"]["ease"]["chosen"]["settings"]["l2"] in {*tune.BASELINE_GRIDS["ease"]["l2"][:2], 400.0}
    markdown = (tmp_path / "tuning.md").read_text()
    assert "| ease | ndcg_at_10_h10 |" in markdown
    assert "history_sizes=(10,)" in markdown  # the report says how the validation data was carved
