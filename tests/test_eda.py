"""The EDA script: pure statistics checked by hand, and the report written end to end."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from movierec.data import schema
from movierec.data.loaders import load_movielens
from tests.test_data_enrichment import kaggle_files  # noqa: F401  (fixture)
from scripts import eda


def test_long_tail_by_hand() -> None:
    even = eda.long_tail(pd.Series([4, 4, 4, 4]))
    assert even["gini"] == 0.0 and even["top 10% share"] == 0.25 and even["median"] == 4.0
    skewed = eda.long_tail(pd.Series([0, 0, 0, 10]))
    assert skewed["gini"] == pytest.approx(0.75) and skewed["top 10% share"] == 1.0
    assert skewed["with fewer than 5 ratings"] == 3
    assert eda.long_tail(pd.Series(range(1, 11)))["top 10% share"] == pytest.approx(10 / 55)


def test_tables_on_synthetic_release(ml100k_dir: Path) -> None:
    data = load_movielens(ml100k_dir)
    distribution = eda.rating_distribution(data.ratings)
    assert distribution["ratings"].to_dict() == {"1": 1, "2": 2, "3": 3, "4": 3, "5": 4}
    assert distribution["share"].sum() == pytest.approx(1.0)
    genres = eda.genre_table(data)
    assert genres.loc["Drama", "movies"] == 2 and genres.loc["Drama", "ratings"] == 4  # Chasing Amy x3 + Horseman
    assert genres.loc["Comedy", "mean rating"] == pytest.approx((5 + 3 + 4 + 1 + 5) / 5)
    gender = eda.demographic_table(data, schema.USER_GENDER, {1: "male", 0: "female"})
    assert gender.loc["female", "users"] == 2 and gender.loc["male", "ratings"] == 6
    assert eda.ratings_per_month(data.ratings).sum() == len(data.ratings)


def test_main_writes_report_and_plots(ml100k_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "eda"
    assert eda.main(["--data-dir", str(ml100k_dir), "--out", str(out)]) == 0
    report = (out / "README.md").read_text(encoding="utf-8")
    assert "| ratings | 13 |" in report and "| movies | 6 |" in report and "| merged duplicate ids | 1 |" in report
    for image in ("rating_distribution.png", "long_tail.png", "genres.png", "demographics.png",
                  "ratings_over_time.png"):
        assert (out / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"({image})" in report


def test_main_reports_bad_data_dir(tmp_path: Path) -> None:
    assert eda.main(["--data-dir", str(tmp_path / "absent"), "--out", str(tmp_path / "eda")]) == 1


@pytest.mark.realdata
def test_report_on_real_ml100k(movielens_dir: Path, tmp_path: Path) -> None:
    assert eda.main(["--data-dir", str(movielens_dir), "--out", str(tmp_path)]) == 0
    report = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "| ratings | 99,684 |" in report and "| users | 943 |" in report and "| movies | 1,663 |" in report


def test_feature_table_on_synthetic_release(ml100k_dir: Path) -> None:
    data = load_movielens(ml100k_dir)
    table = eda.feature_table(data)
    for feature in ("movie age at rating (years)", "ratings of the movie", "ratings by the user"):
        rows = table[table.index.str.startswith(feature)]
        assert rows["ratings"].sum() == len(data.ratings) == 13 and rows["share"].sum() == pytest.approx(1.0)
    # every synthetic user and movie has fewer than 10 ratings: one bucket each, holding the overall mean
    assert table.loc["ratings by the user: 1-50", "mean rating"] == pytest.approx(46 / 13)
    assert table.loc["ratings of the movie: 1-10", "ratings"] == 13
    # user 1's ratings at t=100 and t=200 (1970) predate every release: age 0; the rest were given in
    # 1997 to movies of 1993-1997, so no rating falls in the 10-25 or 25+ buckets
    assert table.loc["movie age at rating (years): 0-1", "ratings"] >= 2
    assert not table.index.str.contains(r"\(years\): (?:10-25|25\+)").any()


def test_main_with_kaggle_files_adds_cast_and_crew(ml100k_dir: Path, kaggle_files: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    out = tmp_path / "eda"
    assert eda.main(["--data-dir", str(ml100k_dir), "--metadata-dir", str(kaggle_files[0].parent),
                     "--out", str(out)]) == 0
    report = (out / "README.md").read_text(encoding="utf-8")
    assert "## Engineered features" in report
    assert "3 of 6 movies (50.0%) matched" in report and "| John Lasseter | 1 |" in report


def test_main_reports_a_bad_log_level(ml100k_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        eda.main(["--data-dir", str(ml100k_dir), "--log-level", "chatty", "--out", str(tmp_path)])
    assert stopped.value.code == 2 and "LOG_LEVEL must be one of" in capsys.readouterr().err
