"""scripts/tune_rating_stack.py: least-squares stack weights on validation ratings, and its arguments."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scripts import tune_rating_stack
from tests.test_tune_hybrid import synthetic_100k


def test_least_squares_recovers_an_exact_linear_stack() -> None:
    predictions = np.random.default_rng(0).uniform(1, 5, (50, 2))
    actual = 0.5 + 0.6 * predictions[:, 0] + 0.3 * predictions[:, 1]  # within the star scale: no clipping
    intercept, weights = tune_rating_stack.least_squares(predictions, actual)
    assert intercept == pytest.approx(0.5) and weights == pytest.approx([0.6, 0.3])
    assert tune_rating_stack.cross_fitted_rmse(predictions, actual, seed=1) == pytest.approx(0.0, abs=1e-6)


def test_quick_run_writes_members_stacks_and_the_chosen_weights(tmp_path) -> None:
    data = synthetic_100k(tmp_path / "ml-100k")
    reports = tmp_path / "reports"
    members = ["item_knn", "biased_als", "bias"]
    assert tune_rating_stack.main(["--data-dir", str(data), "--quick", "--threads", "1", "--members", ",".join(members),
                                   "--reports-dir", str(reports), "--log-level", "WARNING"]) == 0

    stored = json.loads((reports / "tuning_rating_stack.json").read_text())
    assert stored["members"] == members and len(stored["chosen"]["weights"]) == len(members)
    for split in ("42", "43"):
        row = stored["splits"][split]
        assert set(row["alone"]) == set(row["train_seconds"]) == set(members)
        # the chosen weights were fitted on these ratings too: never worse than the bias member alone
        assert row["chosen_rmse"] <= row["alone"]["bias"] + 1e-9
        assert row["transferred_rmse"] is not None and row["cross_fitted_rmse"] > 0
    markdown = (reports / "tuning_rating_stack.md").read_text()
    assert "| all (chosen) |" in markdown and "test part was never read" in markdown


@pytest.mark.parametrize("arguments, message", [
    (["--members", "bias,no_such_model"], "unknown model"),
    (["--members", "bias,bias"], "distinct entries"),
    (["--members", "ease"], "predicts no stars"),
    (["--splits", "42,forty"], "invalid literal"),
])
def test_bad_arguments_exit_2_with_a_message_and_write_nothing(tmp_path, capsys, arguments, message) -> None:
    data = synthetic_100k(tmp_path / "ml-100k")
    reports = tmp_path / "reports"
    assert tune_rating_stack.main(["--data-dir", str(data), "--reports-dir", str(reports), "--quick", *arguments]) == 2
    assert message in capsys.readouterr().err
    assert not reports.exists()
