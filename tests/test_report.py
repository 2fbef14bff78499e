"""Smoke test of the metrics report on the planted dataset: files, stable keys, verdicts, sentences."""

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from movierec.evaluation.report import run_report
from movierec.models import registry
from tests.planted import planted_ratings


def fake_dcn_rows(ratings: pd.DataFrame, movies: pd.DataFrame, out_dir: Path, *, quick: bool, seed: int) -> dict:
    """Stands in for the DCN module's helper: mean ± std rows for the tfrs protocol."""
    return {"dcn_stacked": {"rmse": 1.5, "rmse_std": 0.1, "train_seconds": 0.0}}


def test_run_report_writes_json_markdown_and_plots(tmp_path, monkeypatch) -> None:
    ratings, movies = planted_ratings()
    monkeypatch.setitem(registry.MODELS, "random",
                        registry.ModelSpec("tests.planted:RandomScorer", "tests.planted:PlantedConfig"))
    monkeypatch.setitem(registry.EXTRA_REPORTS, "dcn", "tests.test_report:fake_dcn_rows")
    movielens = SimpleNamespace(release="planted", ratings=ratings, movies=movies)

    report = run_report(movielens, ["popularity", "bias", "ease", "random", "dcn"], tmp_path, quick=True)

    stored = json.loads((tmp_path / "metrics.json").read_text())
    assert stored["top_n"]["ease"]["ndcg_at_10"] == report["top_n"]["ease"]["ndcg_at_10"]
    assert set(stored["tfrs"]) == {"popularity", "bias", "ease", "random", "dcn_stacked"}
    assert "rmse_h10" in stored["new_users"]["bias"] and "ndcg_at_10_h10" in stored["new_users"]["ease"]
    assert stored["metadata"]["seeds"] == {"tfrs": 42, "top_n": 42, "new_users": 42}
    assert stored["metadata"]["configs"]["ease"] == {"l2": 400.0}
    assert stored["metadata"]["baselines"] == ["bias", "ease", "popularity"]
    for protocol in ("tfrs", "top_n", "new_users"):
        assert (tmp_path / f"{protocol}_comparison.png").stat().st_size > 0

    markdown = (tmp_path / "metrics.md").read_text()
    assert "random loses to the ease baseline on ndcg_at_10" in markdown
    assert "dcn_stacked loses to the bias baseline on rmse" in markdown
    assert "1.500 ± 0.100" in markdown
    assert "*ref: MS Recommenders BiVAE*" in markdown
    verdicts = {v["metric"]: v for v in stored["targets"] if v["protocol"] == "top_n"}
    assert verdicts["ndcg_at_10"]["best_model"] == "random" and verdicts["ndcg_at_10"]["met"] is False
    assert "**missed**" in markdown


def test_a_pipeline_row_reuses_its_stages_rows_and_also_runs_alone(tmp_path, monkeypatch) -> None:
    ratings, movies = planted_ratings()
    monkeypatch.setitem(registry.MODELS, "oracle",
                        registry.ModelSpec("tests.planted:CountingOracle", "tests.planted:PlantedConfig"))
    # as two_stage_blend is registered: its stages take the report's quick settings too
    monkeypatch.setitem(registry.MODELS, "pipeline", registry.ModelSpec(
        "movierec.models.two_stage:TwoStageModel", "movierec.models.two_stage:TwoStageConfig",
        settings={"retrieval": "oracle", "ranking": "bias", "rating_weight": 0.5}, quick={"quick": True}))
    movielens = SimpleNamespace(release="planted", ratings=ratings, movies=movies)

    together = run_report(movielens, ["oracle", "bias", "pipeline"], tmp_path / "together", quick=True)
    alone = run_report(movielens, ["pipeline"], tmp_path / "alone", quick=True)

    for protocol in ("tfrs", "top_n", "new_users"):
        assert together[protocol]["pipeline"]["reused_train_seconds"] > 0
        assert "reused_train_seconds" not in alone[protocol]["pipeline"]
    assert alone["new_users"]["pipeline"]["ndcg_at_10_h10"] == together["new_users"]["pipeline"]["ndcg_at_10_h10"]
    markdown = (tmp_path / "together" / "metrics.md").read_text()
    assert "pipeline reuses models fitted for other rows of this table as its stages" in markdown
