"""scripts/train.py end to end in a subprocess: publish, skip when present, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from movierec.serving import Recommender
from tests.conftest import write_100k

REPO = Path(__file__).resolve().parents[1]


def run_train(*args: str, env_extra: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MOVIEREC_DATA_DIR", "MOVIEREC_ARTIFACTS_DIR")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "scripts.train", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_publishes_then_skips_when_models_exist(tmp_path):
    data = write_100k(tmp_path / "ml-100k")
    artifacts = tmp_path / "artifacts"
    args = ("--data-dir", str(data), "--artifacts-dir", str(artifacts), "--quick",
            "--retrieval", "ease", "--ranking", "bias")
    first = run_train(*args, "--if-missing")
    assert first.returncode == 0, first.stderr
    assert "published version" in first.stdout
    recommender = Recommender.load(artifacts)
    assert not recommender.is_fallback and recommender.recommend({1: 5.0}, k=2)
    second = run_train(*args, "--if-missing")
    assert second.returncode == 0 and "skipping training" in second.stdout
    assert len([p for p in artifacts.iterdir() if p.is_dir()]) == 1


def test_reads_settings_from_dotenv(tmp_path):
    data = write_100k(tmp_path / "ml-100k")
    (tmp_path / ".env").write_text(f"MOVIEREC_DATA_DIR={data}\nMOVIEREC_ARTIFACTS_DIR={tmp_path / 'from-env'}\n")
    env = {"PYTHONPATH": str(REPO)}
    result = run_train("--quick", "--retrieval", "ease", "--ranking", "bias", env_extra=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-env" / "LATEST").is_file()


@pytest.mark.parametrize("data_dir, message", [("/nonexistent/ml-100k", "does not exist"), (None, "no MovieLens release")])
def test_bad_data_dir_is_a_clear_error(tmp_path, data_dir, message):
    if data_dir is None:
        (tmp_path / "empty").mkdir()
        data_dir = str(tmp_path / "empty")
    result = run_train("--data-dir", data_dir, "--artifacts-dir", str(tmp_path / "a"), "--quick")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").iterdir())


def test_unknown_model_name_is_refused(tmp_path):
    data = write_100k(tmp_path / "ml-100k")
    result = run_train("--data-dir", str(data), "--artifacts-dir", str(tmp_path / "a"), "--quick",
                       "--retrieval", "nonsense")
    assert result.returncode == 2
    assert "unknown model 'nonsense'" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("role, name, missing", [("--ranking", "item_knn", "save, load"),
                                                 ("--retrieval", "bias", "score_items"),
                                                 ("--retrieval", "retrieval_ease_ials", "save, load")])
def test_a_row_that_cannot_be_served_is_refused_before_any_training(tmp_path, role, name, missing):
    data = write_100k(tmp_path / "ml-100k")
    result = run_train("--data-dir", str(data), "--artifacts-dir", str(tmp_path / "a"), "--quick", role, name)
    assert result.returncode == 2
    assert f"{name!r} cannot be the served {role[2:]} model" in result.stderr and missing in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "a").exists()


def test_report_with_training_writes_loss_curves_and_tensorboard_logs(tmp_path):
    data = write_100k(tmp_path / "ml-100k")
    reports, logs = tmp_path / "reports", tmp_path / "tb"
    result = run_train("--data-dir", str(data), "--artifacts-dir", str(tmp_path / "a"), "--quick", "--report",
                       "--models", "popularity", "--reports-dir", str(reports), "--tensorboard", str(logs))
    assert result.returncode == 0, result.stderr
    assert (reports / "loss_curves.png").stat().st_size > 0
    assert "loss_curves.png" in (reports / "metrics.md").read_text()
    # the served TFRS models (history retrieval and ranking) logged their epochs for TensorBoard
    for role in ("retrieval", "ranking"):
        assert list((logs / role).rglob("events.out.tfevents.*")), role
