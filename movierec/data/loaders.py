"""One entry point for every MovieLens release: ``load_movielens(folder_or_zip) -> MovieLens``.

The ratings frame carries all features of TFDS ``movie_lens/100k-ratings`` (column names in
:mod:`movierec.data.schema`), so models written against the TFRS tutorials read it unchanged, while
the catalog and user frames serve the bot and the EDA. Loading parses (``readers``), cleans
(``cleaning``: placeholder dropped, duplicate ids merged) and joins, all vectorised per rating.

Dtypes: user_gender is pandas' nullable ``boolean`` and user_occupation_label ``Int64`` so that
releases without demographics can hold <NA>; ages are float32 with NaN; movie_title,
user_occupation_text and user_zip_code are categoricals. Rows of one movie share one movie_genres
list object (saves gigabytes on 25M ratings): treat those lists as read-only.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from movierec.data import schema
from movierec.data.cleaning import clean_release
from movierec.data.download import DATA_DIR_ENV, fetch_movielens
from movierec.data.enrichment import enrich_from_folder
from movierec.data.features import movie_rating_stats
from movierec.data.files import DataFormatError, ReleaseFiles
from movierec.data.readers import RawRelease, read_release
from movierec.settings import DataSettings

__all__ = ["DataFormatError", "MovieLens", "load_configured", "load_movielens", "resolve_data_source", "user_features"]

logger = logging.getLogger(__name__)

# TFDS's mapping of the 100k occupation strings (and 1m's texts) onto OCCUPATION_LABELS.
OCCUPATION_TO_LABEL = {
    "administrator": "clerical/admin", "artist": "artist", "doctor": "doctor/health care",
    "educator": "academic/educator", "engineer": "technician/engineer", "entertainment": "entertainment",
    "executive": "executive/managerial", "healthcare": "doctor/health care", "homemaker": "homemaker",
    "lawyer": "lawyer", "librarian": "librarian", "marketing": "sales/marketing", "none": "other/not specified",
    "other": "other/not specified", "programmer": "programmer", "retired": "retired", "salesman": "sales/marketing",
    "scientist": "scientist", "student": "student", "technician": "technician/engineer", "writer": "writer",
    # ml-1m texts; TFDS folds both student kinds into "student"
    "K-12 student": "student", "college/grad student": "student",
    **{label: label for label in schema.OCCUPATION_LABELS},
}
_USER_FEATURES = [schema.USER_GENDER, schema.RAW_USER_AGE, schema.BUCKETIZED_USER_AGE,
                  schema.USER_OCCUPATION_LABEL, schema.USER_OCCUPATION_TEXT, schema.USER_ZIP_CODE]
_RATING_COLUMNS = [schema.USER_ID, schema.MOVIE_ID, schema.MOVIE_TITLE, schema.MOVIE_GENRES, schema.USER_RATING,
                   schema.TIMESTAMP, *_USER_FEATURES]
_MOVIE_COLUMNS = [schema.MOVIE_ID, schema.TITLE, schema.DISPLAY_TITLE, schema.NAME, schema.YEAR, schema.RELEASE_DATE,
                  schema.GENRE_NAMES, schema.IMDB_URL, schema.RATING_COUNT, schema.RATING_MEAN]
_USER_COLUMNS = [schema.USER_ID, schema.AGE, schema.GENDER, schema.OCCUPATION, schema.ZIP_CODE]


@dataclass(frozen=True)
class MovieLens:
    """A cleaned MovieLens release: ratings (TFDS features), the movie catalog and the users."""

    release: str
    """"100k", "1m", "latest-small", "20m", "25m" (or "csv" for an unrecognised CSV release)."""
    ratings: pd.DataFrame
    movies: pd.DataFrame
    users: pd.DataFrame
    """Users with at least one rating; empty (same columns) for releases without demographics."""
    merged_ids: dict[int, int]
    """Duplicate movie id -> the canonical id its ratings now carry."""


def resolve_data_source(data_dir: str | Path | None) -> Path:
    """The MovieLens folder to load: ``data_dir`` (the caller's MOVIEREC_DATA_DIR) or the cached 100k download."""
    if data_dir:
        path = Path(data_dir).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"{DATA_DIR_ENV}={data_dir} does not exist; point it at a MovieLens folder "
                                    "(e.g. ml-100k) or a ml-*.zip, or unset it to download ML-100k")
        return path
    return fetch_movielens("100k")


def load_configured(settings: DataSettings) -> tuple[Path, MovieLens]:
    """The release the settings name (the ML-100k download when none), and where it was read from.

    With MOVIEREC_METADATA_DIR set, the catalog is enriched with cast and director from the Kaggle files.
    """
    source = resolve_data_source(settings.data_dir)
    movielens = load_movielens(source)
    if settings.metadata_dir is not None:
        movies, _ = enrich_from_folder(movielens.movies, settings.metadata_dir)
        movielens = dataclasses.replace(movielens, movies=movies)
    return source, movielens


def load_movielens(source: str | Path) -> MovieLens:
    """Load, validate and clean the release in a folder or ``ml-*.zip``; raises DataFormatError on bad files."""
    files = ReleaseFiles(Path(source).expanduser())
    try:
        raw = read_release(files)
    finally:
        files.close()
    _check_references(raw, files)
    cleaned = clean_release(raw.movies, raw.ratings)
    ratings = cleaned.ratings.reset_index(drop=True)
    users = _rated_users(raw.users, ratings)
    movies = _catalog(cleaned.movies, ratings)
    result = MovieLens(release=raw.release, ratings=_ratings_frame(raw.release, ratings, movies, users), movies=movies,
                       users=users, merged_ids=cleaned.merged_ids)
    logger.info("loaded MovieLens %s from %s: %d ratings, %d users, %d movies", result.release, source,
                len(result.ratings), result.ratings[schema.USER_ID].nunique(), len(result.movies))
    return result


def _check_references(raw: RawRelease, files: ReleaseFiles) -> None:
    """Every rating must name a listed movie and (with demographics) a listed user."""
    ratings_file = {"100k": "u.data", "1m": "ratings.dat"}.get(raw.release, "ratings.csv")
    header_lines = 1 if ratings_file == "ratings.csv" else 0
    checks = [(schema.MOVIE_ID, raw.movies[schema.MOVIE_ID], "movie")]
    if raw.users is not None:
        checks.append((schema.USER_ID, raw.users[schema.USER_ID], "user"))
    for column, known, what in checks:
        unknown = ~raw.ratings[column].isin(known)
        if unknown.any():
            row = int(np.flatnonzero(unknown.to_numpy())[0])
            raise DataFormatError(f"{files.label(ratings_file)} line {row + 1 + header_lines}: {what} id "
                                  f"{raw.ratings[column].iloc[row]} is not in the {what} list "
                                  f"({int(unknown.sum())} rating(s) affected)")


def _rated_users(users: pd.DataFrame | None, ratings: pd.DataFrame) -> pd.DataFrame:
    """Users who rated something; listed users without ratings (e.g. a default account) are dropped."""
    if users is None:
        return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in
                             zip(_USER_COLUMNS, ["int64", "Int64", "string", "string", "string"])})
    rated = users[schema.USER_ID].isin(ratings[schema.USER_ID].unique())
    if not rated.all():
        logger.info("dropped %d listed user(s) without ratings: %s", int((~rated).sum()),
                    users.loc[~rated, schema.USER_ID].tolist()[:10])
    return users[rated].sort_values(schema.USER_ID).reset_index(drop=True)[_USER_COLUMNS]


def _catalog(movies: pd.DataFrame, ratings: pd.DataFrame) -> pd.DataFrame:
    stats = movie_rating_stats(ratings)
    catalog = movies.sort_values(schema.MOVIE_ID).reset_index(drop=True)
    catalog[schema.RATING_COUNT] = catalog[schema.MOVIE_ID].map(stats[schema.RATING_COUNT]).fillna(0).astype("int64")
    catalog[schema.RATING_MEAN] = catalog[schema.MOVIE_ID].map(stats[schema.RATING_MEAN]).astype("float64")
    return catalog[_MOVIE_COLUMNS]


def _genre_ids(genres: list[str], movie_id: int, unknown: set[str]) -> list[int]:
    ids = []
    for genre in genres:
        if genre in schema.GENRES:
            ids.append(schema.GENRES.index(genre))
        else:
            unknown.add(f"{genre!r} (movie {movie_id})")
    return ids


def _ratings_frame(release: str, ratings: pd.DataFrame, movies: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    """Join movie and user features onto each rating by array indexing (no per-rating Python work)."""
    movie_rows = pd.Index(movies[schema.MOVIE_ID]).get_indexer(ratings[schema.MOVIE_ID])
    titles = pd.Categorical(movies[schema.TITLE])
    unknown: set[str] = set()
    genre_lists = np.empty(len(movies), dtype=object)
    genre_lists[:] = [_genre_ids(g, m, unknown) for g, m in zip(movies[schema.GENRE_NAMES], movies[schema.MOVIE_ID])]
    if unknown:
        logger.warning("genres outside the TFDS label set are left out: %s", sorted(unknown)[:10])
    frame = pd.DataFrame({
        schema.USER_ID: ratings[schema.USER_ID].to_numpy(dtype="int64"),
        schema.MOVIE_ID: ratings[schema.MOVIE_ID].to_numpy(dtype="int64"),
        schema.MOVIE_TITLE: pd.Categorical.from_codes(titles.codes[movie_rows], dtype=titles.dtype),
        schema.MOVIE_GENRES: genre_lists[movie_rows],
        schema.USER_RATING: ratings[schema.USER_RATING].to_numpy(dtype="float32"),
        schema.TIMESTAMP: ratings[schema.TIMESTAMP].to_numpy(dtype="int64"),
    })
    features = user_features(users, ages_are_buckets=release == "1m")
    # Users absent from the users frame (every user of a release without demographics) get <NA>/NaN.
    aligned = features.reindex(frame[schema.USER_ID].to_numpy())
    for column in _USER_FEATURES:
        frame[column] = aligned[column].array
    return frame[_RATING_COLUMNS]


def user_features(users: pd.DataFrame, ages_are_buckets: bool = False) -> pd.DataFrame:
    """TFDS demographic features per user (index user_id) from the raw users frame.

    ml-1m publishes only the age bucket (``ages_are_buckets``): its raw_user_age is NaN, as in TFDS.

    Values outside the documented sets (a gender other than M/F, an age outside 1..120, an unknown
    occupation) become <NA>/NaN with a warning instead of being guessed.
    """
    gender = users[schema.GENDER].astype("string").str.upper()
    valid_gender = gender.isin(["M", "F"])
    age = users[schema.AGE].astype("Float64")
    valid_age = (age.isin(schema.AGE_BUCKETS) if ages_are_buckets else age.between(1, 120)).fillna(False)
    labels = users[schema.OCCUPATION].map(OCCUPATION_TO_LABEL)
    for valid, what, values in [(valid_gender, "gender", gender), (valid_age, "age", age),
                                (labels.notna(), "occupation", users[schema.OCCUPATION])]:
        if not valid.all():
            logger.warning("%d user(s) with an unrecognised %s, kept as missing: e.g. user %s has %r",
                           int((~valid).sum()), what, users[schema.USER_ID][~valid].iloc[0], values[~valid].iloc[0])
    raw_age = age.where(valid_age).astype("float32")
    bucket_index = np.searchsorted(schema.AGE_BUCKETS, raw_age.to_numpy(dtype="float64", na_value=np.nan),
                                   side="right") - 1
    buckets = np.asarray(schema.AGE_BUCKETS, dtype="float32")[np.clip(bucket_index, 0, None)]
    label_ids = labels.map({label: i for i, label in enumerate(schema.OCCUPATION_LABELS)})
    return pd.DataFrame({
        schema.USER_GENDER: pd.array((gender == "M").where(valid_gender, pd.NA), dtype="boolean"),
        schema.RAW_USER_AGE: np.full(len(users), np.nan, dtype="float32") if ages_are_buckets
        else raw_age.to_numpy(dtype="float32", na_value=np.nan),
        schema.BUCKETIZED_USER_AGE: np.where(raw_age.isna(), np.nan, buckets).astype("float32"),
        schema.USER_OCCUPATION_LABEL: pd.array(label_ids, dtype="Int64"),
        schema.USER_OCCUPATION_TEXT: pd.Categorical(users[schema.OCCUPATION].astype(object)),
        schema.USER_ZIP_CODE: pd.Categorical(users[schema.ZIP_CODE].astype(object)),
    }, index=pd.Index(users[schema.USER_ID].to_numpy(dtype="int64"), name=schema.USER_ID))
