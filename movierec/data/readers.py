"""Parsers for the three MovieLens file layouts, from a release folder or straight from its zip.

Each parser returns the release as published (:class:`RawRelease`); clean-up and the TFDS-shaped
frames are the loader's job. Ratings files are read with the pandas C parser in one pass, because
25M ratings must load in seconds, and only when that fails is the file read again to find the line.

Malformed input policy: a malformed line is an error, never silently skipped, since a dropped line
would quietly change every count and metric downstream. :class:`DataFormatError` names the file and
the line. The one tolerated deviation is encoding: a 100k/1m text file saved as UTF-8 instead of the
published ISO-8859-1 is read as UTF-8 with a warning (decoding it as Latin-1 would garble titles).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from movierec.data import schema
from movierec.data.cleaning import parse_release_dates
from movierec.data.files import LATIN_1, DataFormatError, ReleaseFiles

__all__ = ["DataFormatError", "RawRelease", "ReleaseFiles", "detect_release", "read_release"]

logger = logging.getLogger(__name__)

# u.genre order, used when a 100k folder lacks u.genre. TFDS spellings ("Children", "Unknown").
ML100K_GENRES = ("Unknown", "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
                 "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
                 "War", "Western")
# How older releases spell genres that TFDS renamed.
GENRE_SPELLINGS = {"Children's": "Children", "unknown": "Unknown"}
# ml-1m users.dat stores the occupation as a code: its index here (ml-1m README, in the TFDS spelling).
ML1M_OCCUPATIONS = ("other/not specified", "academic/educator", "artist", "clerical/admin",
                    "college/grad student", "customer service", "doctor/health care", "executive/managerial",
                    "farmer", "homemaker", "K-12 student", "lawyer", "programmer", "retired", "sales/marketing",
                    "scientist", "self-employed", "technician/engineer", "tradesman/craftsman", "unemployed",
                    "writer")
_RATING_COLUMNS = [schema.USER_ID, schema.MOVIE_ID, schema.USER_RATING, schema.TIMESTAMP]
_RATING_DTYPES = {schema.USER_ID: "int64", schema.MOVIE_ID: "int64", schema.USER_RATING: "float32",
                  schema.TIMESTAMP: "int64"}


@dataclass(frozen=True)
class RawRelease:
    """A release as published, before clean-up."""

    release: str
    ratings: pd.DataFrame
    """user_id, movie_id, user_rating (float32), timestamp; index = row position in the file."""
    movies: pd.DataFrame
    """movie_id, title, release_date (datetime64), genres (list[str], TFDS spelling), imdb_url."""
    users: pd.DataFrame | None
    """user_id, age, gender, occupation, zip_code as written in the file; None without demographics."""


def detect_release(files: ReleaseFiles) -> str:
    """"100k", "1m", or the CSV release name ("latest-small", "20m", "25m"; "csv" when unrecognised)."""
    if {"u.data", "u.item", "u.user"} <= files.names:
        return "100k"
    if {"ratings.dat", "movies.dat", "users.dat"} <= files.names:
        return "1m"
    if {"ratings.csv", "movies.csv"} <= files.names:
        name = files.folder_name.removeprefix("ml-")
        return name if name in ("latest-small", "latest", "20m", "25m", "32m") else "csv"
    raise DataFormatError(f"{files.source} holds no MovieLens release: expected u.data/u.item/u.user (100k), "
                          "ratings.dat/movies.dat/users.dat (1m) or ratings.csv/movies.csv (latest-small, 20m, 25m)")


def read_release(files: ReleaseFiles) -> RawRelease:
    """Parse whichever release ``files`` holds."""
    release = detect_release(files)
    if release == "100k":
        return RawRelease(release, _read_ratings(files, "u.data", sep="\t", header=False),
                          _read_100k_movies(files), _read_100k_users(files))
    if release == "1m":
        return RawRelease(release, _read_ratings(files, "ratings.dat", sep="::", header=False),
                          _read_1m_movies(files), _read_1m_users(files))
    return RawRelease(release, _read_ratings(files, "ratings.csv", sep=",", header=True),
                      _read_csv_movies(files), None)


_CSV_RATINGS_HEADER = "userId,movieId,rating,timestamp"


def _read_ratings(files: ReleaseFiles, name: str, sep: str, header: bool) -> pd.DataFrame:
    """user, movie, rating, timestamp in one vectorised pass of the C parser."""
    label = files.label(name)
    if header:
        with files.open(name) as stream:
            first = stream.readline().decode("utf-8", errors="replace").strip()
        if first != _CSV_RATINGS_HEADER:
            raise DataFormatError(f"{label} line 1: expected the header {_CSV_RATINGS_HEADER}, got {first!r}")
    # The C parser takes one-character separators only; "a::b" split on ":" leaves empty odd columns.
    double = sep == "::"
    width = 7 if double else 4
    value_columns = [0, 2, 4, 6] if double else [0, 1, 2, 3]
    options = dict(sep=sep[0], header=None, skiprows=1 if header else 0, engine="c")
    dtypes = {i: "int64" if i in value_columns and i != value_columns[2] else "float64" for i in range(width)}
    try:
        with files.open(name) as stream:
            frame = pd.read_csv(stream, dtype=dtypes, **options)
    except (ValueError, pd.errors.ParserError) as error:
        raise DataFormatError(_locate_bad_rating_line(files, name, options, header, width, error)) from error
    if frame.shape[1] != width or (double and frame[[1, 3, 5]].notna().any().any()):
        raise DataFormatError(f"{label} line {1 + header}: expected user, movie, rating and timestamp "
                              f"separated by {sep!r}")
    frame = frame[value_columns].set_axis(_RATING_COLUMNS, axis=1).astype(_RATING_DTYPES)
    stars = frame[schema.USER_RATING]
    # MovieLens rates in whole or half stars; anything else is a damaged file, not a finer scale.
    bad = ~stars.between(0.5, 5.0) | (stars * 2 % 1 != 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataFormatError(f"{label} line {row + 1 + header}: rating {float(stars.iloc[row]):.6g} is not "
                              f"0.5..5 in half steps")
    return frame


def _locate_bad_rating_line(files: ReleaseFiles, name: str, options: dict, header: bool, width: int,
                            error: Exception) -> str:
    """Read the file again as text (slow, only after a failure) to say which line is wrong."""
    label = files.label(name)
    if isinstance(error, pd.errors.EmptyDataError):
        return f"{label} is empty"
    if isinstance(error, pd.errors.ParserError):
        return f"{label}: malformed line ({str(error).strip()})"
    with files.open(name) as stream:
        text = pd.read_csv(stream, dtype=str, keep_default_na=False, skip_blank_lines=False, **options)
    if text.shape[1] != width:
        return f"{label} line {1 + header}: expected {width} fields separated by {options['sep']!r}, got {text.shape[1]}"
    values = text.iloc[:, ::2] if width == 7 else text
    numeric = values.apply(lambda column: pd.to_numeric(column, errors="coerce"))
    ids_and_time = numeric.iloc[:, [0, 1, 3]]
    bad = numeric.isna().any(axis=1) | (ids_and_time % 1 != 0).any(axis=1)
    bad_rows = np.flatnonzero(bad.to_numpy())
    if len(bad_rows) == 0:
        return f"{label}: unreadable ratings ({error})"
    row = int(bad_rows[0])
    return (f"{label} line {row + 1 + header}: expected whole-number user, movie and timestamp and a "
            f"numeric rating, "
            f"got {' '.join(values.iloc[row])!r}")


def _split_lines(text: str, sep: str, fields: int, label: str) -> list[tuple[int, list[str]]]:
    """(line number, fields) for each non-blank line of a small file, each with exactly ``fields`` fields."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(sep)
        if len(parts) != fields:
            raise DataFormatError(f"{label} line {number}: expected {fields} fields separated by {sep!r}, "
                                  f"got {len(parts)}: {line!r}")
        rows.append((number, parts))
    return rows


def _integer(value: str, label: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise DataFormatError(f"{label}: {what} {value!r} is not a whole number") from None


def _read_100k_movies(files: ReleaseFiles) -> pd.DataFrame:
    genre_names = list(ML100K_GENRES)
    if "u.genre" in files.names:
        genre_rows = _split_lines(files.read_text("u.genre", LATIN_1), "|", 2, files.label("u.genre"))
        genre_names = [GENRE_SPELLINGS.get(name, name) for _, (name, _code) in genre_rows]
    label = files.label("u.item")
    rows = _split_lines(files.read_text("u.item", LATIN_1), "|", 5 + len(genre_names), label)
    records = []
    for number, row in rows:
        flags = row[5:]
        if any(flag not in ("0", "1") for flag in flags):
            raise DataFormatError(f"{label} line {number}: genre flags must be 0 or 1, got {flags}")
        records.append((_integer(row[0], f"{label} line {number}", "movie id"), row[1].strip(), row[2],
                        [g for g, flag in zip(genre_names, flags) if flag == "1"], row[4].strip() or None))
    return _movies_frame(records)


def _read_1m_movies(files: ReleaseFiles) -> pd.DataFrame:
    label = files.label("movies.dat")
    records = [(_integer(movie_id, f"{label} line {n}", "movie id"), title.strip(), None,
                [GENRE_SPELLINGS.get(g, g) for g in genres.split("|") if g], None)
               for n, (movie_id, title, genres) in _split_lines(files.read_text("movies.dat", LATIN_1), "::", 3, label)]
    return _movies_frame(records)


def _read_csv_movies(files: ReleaseFiles) -> pd.DataFrame:
    label = files.label("movies.csv")
    text = files.read_text("movies.csv", "utf-8")
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, engine="c")
    except pd.errors.ParserError as error:
        raise DataFormatError(f"{label}: malformed line ({error})") from error
    if list(table.columns) != ["movieId", "title", "genres"]:
        raise DataFormatError(f"{label} line 1: expected the header movieId,title,genres, got {list(table.columns)}")
    records = [(_integer(movie_id, f"{label} line {n + 2}", "movie id"), title.strip(), None,
                [g for g in genres.split("|") if g], None)
               for n, (movie_id, title, genres) in enumerate(table.itertuples(index=False))]
    return _movies_frame(records)


def _movies_frame(records: list[tuple]) -> pd.DataFrame:
    movies = pd.DataFrame(records, columns=[schema.MOVIE_ID, schema.TITLE, "raw_release_date", schema.GENRE_NAMES,
                                            schema.IMDB_URL])
    movies[schema.MOVIE_ID] = movies[schema.MOVIE_ID].astype("int64")
    duplicated = movies[schema.MOVIE_ID].duplicated()
    if duplicated.any():
        raise DataFormatError(f"movie id {int(movies[schema.MOVIE_ID][duplicated].iloc[0])} is listed twice")
    movies.insert(2, schema.RELEASE_DATE, parse_release_dates(movies.pop("raw_release_date")))
    return movies


def _read_100k_users(files: ReleaseFiles) -> pd.DataFrame:
    label = files.label("u.user")
    rows = _split_lines(files.read_text("u.user", LATIN_1), "|", 5, label)
    return _users_frame([(_integer(user_id, f"{label} line {n}", "user id"), _integer(age, f"{label} line {n}", "age"),
                          gender, occupation, zip_code)
                         for n, (user_id, age, gender, occupation, zip_code) in rows])


def _read_1m_users(files: ReleaseFiles) -> pd.DataFrame:
    label = files.label("users.dat")
    records = []
    for n, (user_id, gender, age, code, zip_code) in _split_lines(files.read_text("users.dat", LATIN_1), "::", 5,
                                                                  label):
        index = _integer(code, f"{label} line {n}", "occupation code")
        if not 0 <= index < len(ML1M_OCCUPATIONS):
            raise DataFormatError(f"{label} line {n}: occupation code {index} is not one of 0..20")
        records.append((_integer(user_id, f"{label} line {n}", "user id"), _integer(age, f"{label} line {n}", "age"),
                        gender, ML1M_OCCUPATIONS[index], zip_code))
    return _users_frame(records)


def _users_frame(records: list[tuple]) -> pd.DataFrame:
    users = pd.DataFrame(records, columns=[schema.USER_ID, schema.AGE, schema.GENDER, schema.OCCUPATION,
                                           schema.ZIP_CODE])
    duplicated = users[schema.USER_ID].duplicated()
    if duplicated.any():
        raise DataFormatError(f"user id {int(users[schema.USER_ID][duplicated].iloc[0])} is listed twice")
    return users.astype({schema.USER_ID: "int64", schema.AGE: "Int64", schema.GENDER: "string",
                         schema.OCCUPATION: "string", schema.ZIP_CODE: "string"})
