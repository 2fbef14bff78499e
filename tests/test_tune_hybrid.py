"""scripts/tune_hybrid.py: a quick run on synthetic data writes a value per (baseline row, weight) and its choice."""

from __future__ import annotations

import json

import pytest
from pathlib import Path

from movierec.data import schema
from scripts import tune_hybrid
from tests.conftest import genre_flags, write_100k
from tests.models_synthetic import synthetic_movielens


def synthetic_100k(folder: Path) -> Path:
    """The planted taste groups of models_synthetic as an ml-100k folder (whole stars)."""
    ratings, movies = synthetic_movielens()
    movie_columns = [schema.MOVIE_ID, schema.TITLE, schema.YEAR, schema.GENRE_NAMES]
    items = [f"{movie}|{title}|01-Jan-{year}||http://imdb/{movie}|{genre_flags(*genres)}"
             for movie, title, year, genres in movies[movie_columns].itertuples(index=False)]
    users = [f"{user}|25|{'MF'[user % 2]}|technician|0000{user % 7}"
             for user in sorted(ratings[schema.USER_ID].unique())]
    rating_columns = [schema.USER_ID, schema.MOVIE_ID, schema.USER_RATING, schema.TIMESTAMP]
    lines = [f"{user}\t{movie}\t{int(stars)}\t{874724710 + time}"
             for user, movie, stars, time in ratings[rating_columns].itertuples(index=False)]
    return write_100k(folder, items=items, users=users, ratings=lines)


def test_quick_run_writes_a_value_per_weight_and_the_choice(tmp_path) -> None:
    data = synthetic_100k(tmp_path / "ml-100k")
    reports = tmp_path / "reports"
    assert tune_hybrid.main(["--data-dir", str(data), "--quick", "--threads", "1", "--reports-dir", str(reports),
                             "--log-level", "WARNING"]) == 0

    stored = json.loads((reports / "tuning_hybrid.json").read_text())
    weights = tune_hybrid.WEIGHTS[:2]  # quick keeps the first two
    assert stored["metadata"]["weights"] == list(weights) and stored["metadata"]["seed"] == 42
    assert stored["protocols"]["top_n"]["options"] == {"test_fraction": 0.1}  # the denser top-n carve
    markdown = (reports / "tuning_hybrid.md").read_text()
    for protocol, metric in (("new_users", "ndcg_at_10_h10"), ("top_n", "ndcg_at_10")):
        result = stored["protocols"][protocol]
        assert result["metric"] == metric
        for baseline in tune_hybrid.BASELINE_ROWS:
            values = result["grid"][baseline]
            assert set(values) == {f"{w:g}" for w in weights} and all(0 <= v <= 1 for v in values.values())
            assert result["best"][baseline]["value"] == max(values.values())
            # weight 0 is the retrieval order alone: the same fitted model, the same lists
            assert values["0"] == result["alone"]["retrieval"]
            row = next(line for line in markdown.splitlines() if line.startswith(f"| {baseline} ("))
            assert "l2=" in row  # the label names the baseline's settings
            assert len(row.strip("|").split("|")) == 1 + len(weights) + 1  # name, a value per weight, baseline alone
        pair_key = ",".join(f"{w:g}" for w in tune_hybrid.PAIR_WEIGHTS[:1] * 2)  # quick: one weight each
        for first, second in tune_hybrid.PAIRS:
            assert set(result["grid"][f"{first} + {second}"]) == {pair_key}
            assert f"{first} + {second}: rows weight {first}" in markdown
        assert result["chosen"]["value"] == max(b["value"] for b in result["best"].values())
        assert " + ".join(result["chosen"]["baselines"]) in result["grid"]
        # the hybrids reused the parts' fitted models instead of training them again
        cells = [((b,), (w,)) for b in tune_hybrid.BASELINE_ROWS for w in weights[1:]]
        cells += [(pair, tune_hybrid.PAIR_WEIGHTS[:1] * 2) for pair in tune_hybrid.PAIRS]
        assert all(result["rows"][tune_hybrid.row_name(*cell)]["reused_train_seconds"] > 0 for cell in cells)
        assert f"## {protocol}: {metric}" in markdown
    assert "test parts were never read" in markdown and "**" in markdown
    # the registered rows are placed in the grid they were chosen from
    assert "retrieval_ease_new_users (ease_new_users, 0.2)" in markdown


@pytest.mark.parametrize("arguments, message", [
    (["--protocols", "tfrs_typo"], "unknown protocols"),
    (["--weights", "0,-0.5"], "--weights must be numbers >= 0"),
    (["--weights", "0,nan"], "--weights must be numbers >= 0"),
    (["--weights", "heavy"], "could not convert"),
])
def test_bad_arguments_exit_2_with_a_message_and_write_nothing(tmp_path, capsys, arguments, message) -> None:
    data = synthetic_100k(tmp_path / "ml-100k")
    reports = tmp_path / "reports"
    assert tune_hybrid.main(["--data-dir", str(data), "--reports-dir", str(reports), "--quick", *arguments]) == 2
    assert message in capsys.readouterr().err
    assert not reports.exists()
