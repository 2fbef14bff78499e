"""load_movielens on synthetic files of every format, malformed input, and the real ML-100k."""

from __future__ import annotations

import logging
import math
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from movierec.data import loaders, schema
from movierec.data.loaders import load_movielens, resolve_data_source
from movierec.data.files import DataFormatError
from tests.conftest import ITEMS_100K, RATINGS_100K, write_100k, write_1m, write_csv_release


def _rating(data: loaders.MovieLens, user: int, movie: int) -> pd.Series:
    rows = data.ratings[(data.ratings[schema.USER_ID] == user) & (data.ratings[schema.MOVIE_ID] == movie)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_100k_cleaning_counts_and_tfds_features(ml100k_dir: Path) -> None:
    data = load_movielens(ml100k_dir)
    assert data.release == "100k"
    # 15 ratings - 1 on the "unknown" placeholder - 1 repeat after merging Chasing Amy 5 into 3
    assert len(data.ratings) == 13
    assert data.merged_ids == {5: 3}
    assert sorted(data.movies[schema.MOVIE_ID]) == [1, 2, 3, 6, 7, 8]
    assert sorted(data.users[schema.USER_ID]) == [1, 2, 3, 4]  # user 0 has no ratings
    assert not data.ratings.duplicated([schema.USER_ID, schema.MOVIE_ID]).any()
    kept = _rating(data, 1, 3)
    assert (kept[schema.USER_RATING], kept[schema.TIMESTAMP]) == (2.0, 200)  # the later of the two
    assert _rating(data, 2, 3)[schema.USER_RATING] == 5.0  # remapped from id 5

    toy = _rating(data, 1, 1)
    assert toy[schema.MOVIE_TITLE] == "Toy Story (1995)"
    assert toy[schema.MOVIE_GENRES] == [schema.GENRES.index(g) for g in ("Animation", "Children", "Comedy")]
    assert bool(toy[schema.USER_GENDER]) is True  # TFDS convention: True = male
    assert (toy[schema.RAW_USER_AGE], toy[schema.BUCKETIZED_USER_AGE]) == (24.0, 18.0)
    assert toy[schema.USER_OCCUPATION_TEXT] == "technician"
    assert toy[schema.USER_OCCUPATION_LABEL] == schema.OCCUPATION_LABELS.index("technician/engineer")
    assert toy[schema.USER_ZIP_CODE] == "85711"
    teen = _rating(data, 3, 1)
    assert teen[schema.BUCKETIZED_USER_AGE] == 1.0  # 17 years old: the "under 18" bucket
    nurse = _rating(data, 4, 6)
    assert bool(nurse[schema.USER_GENDER]) is False
    assert nurse[schema.USER_OCCUPATION_LABEL] == schema.OCCUPATION_LABELS.index("doctor/health care")
    assert nurse[schema.BUCKETIZED_USER_AGE] == 45.0

    dtypes = data.ratings.dtypes
    assert (dtypes[schema.USER_ID], dtypes[schema.MOVIE_ID], dtypes[schema.TIMESTAMP]) == ("int64",) * 3
    assert dtypes[schema.USER_RATING] == "float32" and dtypes[schema.RAW_USER_AGE] == "float32"
    assert dtypes[schema.USER_GENDER] == "boolean" and dtypes[schema.USER_OCCUPATION_LABEL] == "Int64"


def test_100k_catalog(ml100k_dir: Path) -> None:
    movies = load_movielens(ml100k_dir).movies.set_index(schema.MOVIE_ID)
    assert movies.loc[2, schema.DISPLAY_TITLE] == "The Usual Suspects (1995)"
    assert movies.loc[2, schema.NAME] == "The Usual Suspects"
    assert movies.loc[2, schema.RELEASE_DATE] == pd.Timestamp("1995-08-14")
    assert movies.loc[7, schema.TITLE] == "Métisse (Café au Lait) (1993)"  # ISO-8859-1 decoded
    assert movies.loc[8, schema.DISPLAY_TITLE] == "The Horseman on the Roof (Le Hussard sur le toit) (1995)"
    assert movies.loc[8, schema.YEAR] == 1995 and pd.isna(movies.loc[8, schema.RELEASE_DATE])
    assert movies.loc[1, schema.GENRE_NAMES] == ["Animation", "Children", "Comedy"]
    assert movies.loc[1, schema.IMDB_URL].startswith("http://us.imdb.com/")
    assert movies.loc[3, schema.RATING_COUNT] == 3
    assert math.isclose(movies.loc[3, schema.RATING_MEAN], (2 + 5 + 3) / 3)
    assert movies[schema.YEAR].dtype == "Int64"


def test_zip_gives_the_same_release_as_the_folder(ml100k_dir: Path, tmp_path: Path) -> None:
    archive = Path(shutil.make_archive(str(tmp_path / "ml-100k"), "zip", ml100k_dir.parent, ml100k_dir.name))
    from_zip, from_folder = load_movielens(archive), load_movielens(ml100k_dir)
    pd.testing.assert_frame_equal(from_zip.ratings, from_folder.ratings)
    pd.testing.assert_frame_equal(from_zip.movies, from_folder.movies)


def test_1m_format(tmp_path: Path) -> None:
    data = load_movielens(write_1m(tmp_path / "ml-1m"))
    assert data.release == "1m" and len(data.ratings) == 6 and data.merged_ids == {}
    movies = data.movies.set_index(schema.MOVIE_ID)
    assert movies.loc[3, schema.DISPLAY_TITLE] == "La Cité des enfants perdus (1995)"
    assert movies.loc[4, schema.TITLE] == "Star Wars: Episode IV - A New Hope (1977)"
    assert movies.loc[2, schema.GENRE_NAMES] == ["Adventure", "Children", "Fantasy"]
    girl = _rating(data, 1, 1)
    assert bool(girl[schema.USER_GENDER]) is False
    assert girl[schema.BUCKETIZED_USER_AGE] == 1.0 and np.isnan(girl[schema.RAW_USER_AGE])  # 1m has buckets only
    assert girl[schema.USER_OCCUPATION_TEXT] == "K-12 student"
    assert girl[schema.USER_OCCUPATION_LABEL] == schema.OCCUPATION_LABELS.index("student")
    assert _rating(data, 2, 2)[schema.USER_OCCUPATION_LABEL] == schema.OCCUPATION_LABELS.index("self-employed")


def test_csv_format_has_half_stars_and_no_demographics(tmp_path: Path) -> None:
    data = load_movielens(write_csv_release(tmp_path / "ml-latest-small"))
    assert data.release == "latest-small"
    assert sorted(data.ratings[schema.USER_RATING].unique()) == [0.5, 2.5, 3.5, 4.0, 5.0]
    assert data.ratings[schema.USER_GENDER].isna().all() and data.ratings[schema.RAW_USER_AGE].isna().all()
    assert data.ratings[schema.USER_OCCUPATION_LABEL].isna().all()
    assert data.users.empty and list(data.users.columns) == [schema.USER_ID, schema.AGE, schema.GENDER,
                                                              schema.OCCUPATION, schema.ZIP_CODE]
    movies = data.movies.set_index(schema.MOVIE_ID)
    assert movies.loc[2, schema.DISPLAY_TITLE] == "The American President (1995)"
    assert movies.loc[4, schema.DISPLAY_TITLE] == "Amélie (Le Fabuleux destin d'Amélie Poulain) (2001)"
    assert pd.isna(movies.loc[3, schema.YEAR])  # "Babylon 5" carries no year
    assert _rating(data, 2, 3)[schema.MOVIE_GENRES] == [schema.GENRES.index("(no genres listed)")]
    assert movies[schema.IMDB_URL].isna().all()


@pytest.mark.parametrize(("lines", "expected"), [
    (["1\t1\t5\t874724710", "1\t2\t4"], "u.data line 2"),
    (["1\t1\t5\t874724710", "1\t2\tfour\t874724720"], "u.data line 2"),
    (["1\t1\t5\t874724710", "1\t2\t4\t874724720", "1\t3\t9\t874724730"], "u.data line 3: rating 9 is not"),
    (["1\t1\t5\t874724710\t7\t8"], "u.data"),
    (["1\t99\t5\t874724710"], "u.data line 1: movie id 99"),
    (["7\t1\t5\t874724710"], "u.data line 1: user id 7"),
    (["1\t1\t5\t874724710", "1\t2\t4.5\t874724720", "1\t3\t4.3\t874724730"],
     "u.data line 3: rating 4.3 is not 0.5..5 in half steps"),
    (["1\t1\t5\t874724710", "1\t2\t4\t8747.5"], "u.data line 2: expected whole-number user"),
    ([], "u.data is empty"),
])
def test_malformed_ratings_name_file_and_line(tmp_path: Path, lines: list[str], expected: str) -> None:
    folder = write_100k(tmp_path / "ml-100k", ratings=lines)
    with pytest.raises(DataFormatError, match=expected.replace(".", r"\.")):
        load_movielens(folder)


def test_malformed_1m_and_csv_lines(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"ratings\.dat line 2"):
        load_movielens(write_1m(tmp_path / "ml-1m", ratings=["1::1::5::978300760", "1::3::3"]))
    with pytest.raises(DataFormatError, match=r"ratings\.csv line 3"):
        load_movielens(write_csv_release(tmp_path / "csv", ratings=["userId,movieId,rating,timestamp",
                                                                    "1,1,4.0,964982703", "1,,3.5,964981247"]))
    with pytest.raises(DataFormatError, match=r"movies\.dat line 2: expected 3 fields"):
        load_movielens(write_1m(tmp_path / "ml-1m-b", movies=["1::Toy Story (1995)::Comedy", "2::Jumanji (1995)"]))


def test_malformed_item_line(tmp_path: Path) -> None:
    items = ITEMS_100K[:2] + ["3|Chasing Amy (1997)|01-Jan-1997|0|1"]
    with pytest.raises(DataFormatError, match=r"u\.item line 3: expected 24 fields"):
        load_movielens(write_100k(tmp_path / "ml-100k", items=items))


def test_utf8_item_file_is_read_as_utf8_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = write_100k(tmp_path / "ml-100k", item_encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        movies = load_movielens(folder).movies.set_index(schema.MOVIE_ID)
    assert movies.loc[7, schema.TITLE] == "Métisse (Café au Lait) (1993)"
    assert "UTF-8 rather than the published ISO-8859-1" in caplog.text


def test_latin1_movies_csv_is_a_clear_error(tmp_path: Path) -> None:
    movies = "movieId,title,genres\n1,Toy Story (1995),Comedy\n2,Amélie (2001),Comedy\n".encode("ISO-8859-1")
    folder = write_csv_release(tmp_path / "ml-latest-small", ratings=["userId,movieId,rating,timestamp",
                                                                      "1,1,4.0,964982703"], movies=movies)
    with pytest.raises(DataFormatError, match=r"movies\.csv line 3: bytes that are not utf-8"):
        load_movielens(folder)


def test_missing_or_unknown_sources(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFormatError, match="holds no MovieLens release"):
        load_movielens(tmp_path / "empty")
    with pytest.raises(DataFormatError, match="neither a MovieLens folder nor a zip"):
        load_movielens(tmp_path / "absent")


def test_unrecognised_demographics_become_missing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    users = ["1|24|X|technician|85711", "2|0|F|astronaut|94043", "3|17|M|student|55105", "4|45|F|healthcare|10003"]
    with caplog.at_level(logging.WARNING):
        data = load_movielens(write_100k(tmp_path / "ml-100k", users=users))
    assert pd.isna(_rating(data, 1, 1)[schema.USER_GENDER])
    odd = _rating(data, 2, 1)
    assert np.isnan(odd[schema.RAW_USER_AGE]) and np.isnan(odd[schema.BUCKETIZED_USER_AGE])
    assert pd.isna(odd[schema.USER_OCCUPATION_LABEL]) and odd[schema.USER_OCCUPATION_TEXT] == "astronaut"
    assert "unrecognised gender" in caplog.text and "unrecognised occupation" in caplog.text


def test_resolve_data_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_data_source(str(tmp_path)) == tmp_path
    with pytest.raises(FileNotFoundError, match="MOVIEREC_DATA_DIR"):
        resolve_data_source(str(tmp_path / "absent"))
    requested: list[str] = []
    monkeypatch.setattr(loaders, "fetch_movielens", lambda release: requested.append(release) or tmp_path)
    assert resolve_data_source(None) == tmp_path and requested == ["100k"]


def test_no_hidden_assumption_on_sizes(tmp_path: Path) -> None:
    """A release with ids far beyond 943/1682 loads the same way."""
    rows = ["\t".join(map(str, (u * 1000, m, s, t))) for u, m, s, t in RATINGS_100K if m != 4]
    items = [line.replace(line.split("|")[0] + "|", str(int(line.split("|")[0]) + 5000) + "|", 1) for line in ITEMS_100K]
    rows = ["\t".join((r.split("\t")[0], str(int(r.split("\t")[1]) + 5000), *r.split("\t")[2:])) for r in rows]
    users = [f"{int(line.split('|')[0]) * 1000}|" + line.split("|", 1)[1] for line in
             ["1|24|M|technician|85711", "2|53|F|other|94043", "3|17|M|student|55105", "4|45|F|healthcare|10003"]]
    data = load_movielens(write_100k(tmp_path / "big-ids", items=items, ratings=rows, users=users))
    assert data.merged_ids == {5005: 5003} and len(data.ratings) == 13
    assert set(data.users[schema.USER_ID]) == {1000, 2000, 3000, 4000}


@pytest.mark.realdata
def test_real_ml100k_counts_after_cleaning(movielens_dir: Path) -> None:
    data = load_movielens(movielens_dir)
    assert data.release == "100k"
    assert len(data.ratings) == 99_684  # 100,000 - 9 on "unknown" - 307 repeats after merging
    assert data.ratings[schema.USER_ID].nunique() == 943 and len(data.users) == 943
    assert len(data.movies) == 1_663  # 1,682 - placeholder 267 - 18 duplicates
    assert len(data.merged_ids) == 18 and data.merged_ids[268] == 246
    assert all(duplicate > canonical for duplicate, canonical in data.merged_ids.items())
    assert 267 not in set(data.movies[schema.MOVIE_ID]) and 267 not in set(data.ratings[schema.MOVIE_ID])
    assert not set(data.merged_ids) & set(data.ratings[schema.MOVIE_ID])
    assert not data.movies.duplicated([schema.DISPLAY_TITLE, schema.YEAR]).any()
    assert not data.ratings.duplicated([schema.USER_ID, schema.MOVIE_ID]).any()
    assert data.movies[schema.RATING_COUNT].sum() == len(data.ratings)
    assert data.ratings[[schema.USER_GENDER, schema.RAW_USER_AGE, schema.USER_OCCUPATION_LABEL]].notna().all().all()
    usual = data.movies.set_index(schema.MOVIE_ID).loc[12]
    assert usual[schema.DISPLAY_TITLE] == "The Usual Suspects (1995)" and usual[schema.YEAR] == 1995
    assert data.movies[schema.TITLE].str.contains("é").sum() >= 1  # ISO-8859-1 decoded, not mojibake
    assert not data.movies[schema.TITLE].str.contains("Ã").any()


@pytest.mark.realdata
def test_real_ml100k_from_a_zip_matches_the_folder(movielens_dir: Path, tmp_path: Path) -> None:
    archive = Path(shutil.make_archive(str(tmp_path / "ml-100k"), "zip", movielens_dir.parent, movielens_dir.name))
    from_zip, from_folder = load_movielens(archive), load_movielens(movielens_dir)
    assert from_zip.release == "100k" and from_zip.merged_ids == from_folder.merged_ids
    pd.testing.assert_frame_equal(from_zip.ratings, from_folder.ratings)


def test_damaged_archive_is_a_clear_error(ml100k_dir: Path, tmp_path: Path) -> None:
    archive = Path(shutil.make_archive(str(tmp_path / "ml-100k"), "zip", ml100k_dir.parent, ml100k_dir.name))
    with zipfile.ZipFile(archive) as zipped:
        member = zipped.getinfo(f"{ml100k_dir.name}/u.data")
    raw = bytearray(archive.read_bytes())
    # flip a byte in the middle of u.data's compressed bytes: the CRC (or the deflate stream) then fails
    middle = member.header_offset + 30 + len(member.filename) + member.compress_size // 2
    raw[middle] ^= 0xFF
    archive.write_bytes(bytes(raw))
    with pytest.raises(DataFormatError, match=r"u\.data is damaged inside the archive.*download the archive again"):
        load_movielens(archive)


@pytest.mark.parametrize(("folder", "release"), [("ml-20m", "20m"), ("ml-25m", "25m"),
                                                  ("ml-latest-small", "latest-small")])
def test_csv_releases_are_told_apart_by_their_folder(tmp_path: Path, folder: str, release: str) -> None:
    assert load_movielens(write_csv_release(tmp_path / folder)).release == release


def test_1m_from_a_zip_matches_the_folder(tmp_path: Path) -> None:
    folder = write_1m(tmp_path / "ml-1m")
    archive = Path(shutil.make_archive(str(tmp_path / "archive"), "zip", tmp_path, "ml-1m"))
    from_zip, from_folder = load_movielens(archive), load_movielens(folder)
    assert from_zip.release == "1m"
    pd.testing.assert_frame_equal(from_zip.ratings, from_folder.ratings)
