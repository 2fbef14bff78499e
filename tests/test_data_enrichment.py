"""Kaggle "The Movies Dataset" enrichment on tiny files written here."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import pandas as pd
import pytest

from movierec.data import schema
from movierec.data.enrichment import enrich_from_folder, enrich_movies, normalise_title
from movierec.data.files import DataFormatError
from movierec.data.loaders import load_configured
from movierec.settings import DataSettings

MOVIES = pd.DataFrame({
    schema.MOVIE_ID: [1, 12, 6, 3, 9],
    schema.TITLE: ["Toy Story (1995)", "Usual Suspects, The (1995)", "Seven (Se7en) (1995)", "Chasing Amy (1997)",
                   "Babylon 5"],
    schema.YEAR: pd.array([1995, 1995, 1995, 1997, None], dtype="Int64"),
    schema.RELEASE_DATE: pd.to_datetime(["1995-01-01", None, "1995-09-22", "1997-01-01", None]),
})


def _cast(*names: str) -> str:
    return repr([{"cast_id": i, "character": "x", "name": name, "order": i} for i, name in enumerate(names)])


def _crew(director: str, size: int) -> str:
    return repr([{"job": "Director", "name": director}] + [{"job": "Writer", "name": f"w{i}"} for i in range(size - 1)])


@pytest.fixture
def kaggle_files(tmp_path: Path) -> tuple[Path, Path]:
    metadata = tmp_path / "movies_metadata.csv"
    with metadata.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["adult", "budget", "id", "imdb_id", "original_title", "overview", "release_date", "title",
                         "vote_count"])
        writer.writerow(["False", "30000000", "862", "tt0114709", "Toy Story", "Woody, a cowboy", "1995-10-30",
                         "Toy Story", "5415"])
        writer.writerow(["False", "0", "999", "tt9999999", "Toy Story", "a fan remake", "1995-05-01", "Toy Story", "3"])
        writer.writerow(["False", "6000000", "629", "tt0114814", "The Usual Suspects", "", "1995-07-19",
                         "The Usual Suspects", "3334"])
        writer.writerow(["False", "33000000", "807", "tt0114369", "Se7en", "", "1995-09-22", "Se7en", "5915"])
        writer.writerow(["False", "250000", "2255", "tt0118842", "Chasing Amy", "", "1998-04-04", "Chasing Amy", "400"])
        writer.writerow(["- Written by Ørnås", "/poster.jpg", "1997-08-20", "0", "", "", "", "", ""])  # a broken row
    credits = tmp_path / "credits.csv"
    with credits.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["cast", "crew", "id"])
        writer.writerow([_cast("Tom Hanks", "Tim Allen", "Don Rickles", "Jim Varney", "Wallace Shawn", "John R."),
                         _crew("John Lasseter", 106), "862"])
        writer.writerow([_cast("Stephen Baldwin", "Gabriel Byrne"), _crew("Bryan Singer", 5), "629"])
        writer.writerow(["__import__('os').system('touch pwned')", _crew("David Fincher", 3), "807"])
    return metadata, credits


def test_enrichment_matches_on_title_and_year(kaggle_files: tuple[Path, Path], caplog: pytest.LogCaptureFixture,
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.INFO):
        enriched, match_rate = enrich_movies(MOVIES, *kaggle_files)
    assert match_rate == pytest.approx(3 / 5)  # Chasing Amy is 1998 in Kaggle, Babylon 5 has no year
    assert "match rate 60.0%" in caplog.text
    rows = enriched.set_index(schema.MOVIE_ID)
    assert rows.loc[1, schema.CAST] == ["Tom Hanks", "Tim Allen", "Don Rickles", "Jim Varney", "Wallace Shawn"]
    assert rows.loc[1, schema.DIRECTOR] == "John Lasseter" and rows.loc[1, schema.IMDB_ID] == "tt0114709"
    assert (rows.loc[1, schema.CAST_SIZE], rows.loc[1, schema.CREW_SIZE]) == (6, 106)
    assert rows.loc[12, schema.DIRECTOR] == "Bryan Singer"
    assert rows.loc[12, schema.RELEASE_DATE] == pd.Timestamp("1995-07-19")  # filled where MovieLens had none
    assert rows.loc[1, schema.RELEASE_DATE] == pd.Timestamp("1995-01-01")  # MovieLens' own date is kept
    # Se7en matched through its alternate title; its cast cell is code, not a literal: parsed as empty
    assert rows.loc[6, schema.DIRECTOR] == "David Fincher" and rows.loc[6, schema.CAST] == []
    assert rows.loc[6, schema.CAST_SIZE] == 0 and not (tmp_path / "pwned").exists()
    assert "could not be parsed" in caplog.text
    assert rows.loc[3, schema.CAST] == [] and rows.loc[3, schema.DIRECTOR] is None
    assert pd.isna(rows.loc[3, schema.CAST_SIZE]) and rows.loc[3, schema.IMDB_ID] is None
    assert list(MOVIES.columns) == [schema.MOVIE_ID, schema.TITLE, schema.YEAR, schema.RELEASE_DATE]  # input intact


def test_missing_files_return_the_input(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        same, rate = enrich_movies(MOVIES, None, None)
        also_same, also_rate = enrich_movies(MOVIES, tmp_path / "absent.csv", tmp_path / "absent2.csv")
    assert same is MOVIES and also_same is MOVIES and rate == also_rate == 0.0
    assert "enrichment skipped" in caplog.text


def test_normalise_title() -> None:
    assert normalise_title("Amélie & Nino: Part II!") == "amelie and nino part ii"
    assert normalise_title("The Usual Suspects") == normalise_title("the usual  suspects")


def test_a_named_folder_enriches_the_loaded_release(kaggle_files: tuple[Path, Path], ml100k_dir: Path) -> None:
    _, movielens = load_configured(DataSettings(data_dir=ml100k_dir, metadata_dir=kaggle_files[0].parent))
    directors = movielens.movies.set_index(schema.MOVIE_ID)[schema.DIRECTOR]
    assert directors.to_dict() == {1: "John Lasseter", 2: "Bryan Singer", 3: None, 6: "David Fincher",
                                   7: None, 8: None}
    _, plain = load_configured(DataSettings(data_dir=ml100k_dir))
    assert schema.DIRECTOR not in plain.movies.columns


def test_a_named_folder_without_the_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "credits.csv").write_text("cast,crew,id\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"MOVIEREC_METADATA_DIR=.* lacks movies_metadata\.csv \(from Kaggle"):
        enrich_from_folder(MOVIES, tmp_path)


@pytest.mark.parametrize(("metadata", "credits"), [
    ("id,title\n1,Toy Story\n", "cast,crew,id\n"),  # metadata without the columns Kaggle's file has
    ("id,imdb_id,title,original_title,release_date,vote_count\n862,tt0114709,Toy Story,Toy Story,1995-10-30,1\n",
     "name,job\nx,y\n"),  # credits without an id column
])
def test_files_in_another_format_are_an_error_naming_them(tmp_path: Path, metadata: str, credits: str) -> None:
    (tmp_path / "movies_metadata.csv").write_text(metadata, encoding="utf-8")
    (tmp_path / "credits.csv").write_text(credits, encoding="utf-8")
    with pytest.raises(DataFormatError, match="movies_metadata.csv or credits.csv is not in the Kaggle format"):
        enrich_from_folder(MOVIES, tmp_path)
