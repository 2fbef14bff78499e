"""Pure clean-up of a freshly parsed MovieLens release: titles, dates, duplicates and placeholders.

ML-100k lists 18 movies twice under two ids (same title, same release date) and carries a
placeholder movie titled ``unknown``. Left alone they split one movie's ratings over two ids, so a
recommender could suggest "Chasing Amy" twice, and they put a title-less item in the catalog. The
loader calls these functions; they never read files and never change their inputs.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import pandas as pd

from movierec.data import schema

logger = logging.getLogger(__name__)

# Articles MovieLens moves to the end of a title ("Usual Suspects, The"), English and foreign.
_ARTICLES = ("The", "A", "An", "L'", "Le", "La", "Les", "Il", "Lo", "Gli", "Das", "Der", "Die", "Den", "Det",
             "De", "Het", "Een", "El", "Los", "Las", "O", "Os", "Un", "Une", "Uno", "Una", "Ein", "Eine")
_TRAILING_ARTICLE = re.compile(r"^(?P<body>.+), (?P<article>" + "|".join(map(re.escape, _ARTICLES)) + r")$")
_TRAILING_GROUP = re.compile(r"\s*\(([^()]*)\)\s*$")
# A year, or a year range such as "2006–2007" used by the CSV releases for series.
_YEAR_GROUP = re.compile(r"^(\d{4})(?:\s*[-–]\s*(?:\d{4})?)?$")
_RELEASE_DATE_FORMAT = "%d-%b-%Y"  # ML-100k: "01-Jan-1995"
_PLACEHOLDER_TITLE = "unknown"


@dataclass(frozen=True)
class ParsedTitle:
    """What a raw MovieLens title says once its parts are separated."""

    display_title: str
    """Leading article restored, alternate titles and year kept: "The Usual Suspects (1995)"."""
    name: str
    """The display title without the year group: "The Usual Suspects"."""
    year: int | None
    """The year in the title's last "(1995)"-style group, None when the title has none."""


def move_article_to_front(text: str) -> str:
    """"Usual Suspects, The" -> "The Usual Suspects"; "Étudiante, L'" -> "L'Étudiante"."""
    match = _TRAILING_ARTICLE.match(text.strip())
    if match is None:
        return text.strip()
    article = match["article"]
    separator = "" if article.endswith("'") else " "
    return f"{article}{separator}{match['body']}"


def parse_title(raw: str) -> ParsedTitle:
    """Split "Horseman on the Roof, The (Hussard sur le toit, Le) (1995)" into display title, name, year.

    Each trailing parenthesised group is an alternate title, a year or a marker such as "(V)"; the
    article is moved back in the main title and in every alternate title.
    """
    body = raw.strip()
    groups: list[str] = []
    while (match := _TRAILING_GROUP.search(body)) is not None and match.start() > 0:
        groups.insert(0, match.group(1).strip())
        body = body[:match.start()]
    year_matches = [(i, match) for i, group in enumerate(groups) if (match := _YEAR_GROUP.match(group))]
    year_index, year = (year_matches[-1][0], int(year_matches[-1][1].group(1))) if year_matches else (None, None)
    parts = [move_article_to_front(body)] + [f"({move_article_to_front(group)})" for group in groups]
    name_parts = [part for i, part in enumerate(parts) if year_index is None or i != year_index + 1]
    return ParsedTitle(display_title=" ".join(parts), name=" ".join(name_parts), year=year)


def parse_release_dates(raw: pd.Series) -> pd.Series:
    """ML-100k release dates ("01-Jan-1995") as datetime64; blanks and unreadable dates become NaT."""
    text = raw.astype("string").str.strip()
    dates = pd.to_datetime(text, format=_RELEASE_DATE_FORMAT, errors="coerce")
    unreadable = text.notna() & (text != "") & dates.isna()
    if unreadable.any():
        logger.warning("%d release date(s) could not be read and are left empty, e.g. %r",
                       int(unreadable.sum()), text[unreadable].iloc[0])
    return dates


def add_title_columns(movies: pd.DataFrame) -> pd.DataFrame:
    """Add display_title, name and year; the year comes from the title, else from the release date."""
    parsed = [parse_title(title) for title in movies[schema.TITLE]]
    result = movies.copy()
    result[schema.DISPLAY_TITLE] = [p.display_title for p in parsed]
    result[schema.NAME] = [p.name for p in parsed]
    title_year = pd.array([p.year for p in parsed], dtype="Int64")
    release_year = pd.array(result[schema.RELEASE_DATE].dt.year, dtype="Int64")
    result[schema.YEAR] = pd.Series(title_year, index=result.index).fillna(
        pd.Series(release_year, index=result.index))
    return result


def placeholder_movie_ids(movies: pd.DataFrame) -> list[int]:
    """Ids of catalog rows that are not movies: the title is literally "unknown" (ML-100k id 267)."""
    is_placeholder = movies[schema.TITLE].str.strip().str.lower() == _PLACEHOLDER_TITLE
    return sorted(int(movie_id) for movie_id in movies.loc[is_placeholder, schema.MOVIE_ID])


def find_duplicate_movies(movies: pd.DataFrame) -> dict[int, int]:
    """Duplicate id -> canonical (lowest) id for movies listed twice: same raw title AND same release date.

    Only releases with release dates (100k) can be checked this way. The CSV releases reuse a title for
    genuinely different films ("War of the Worlds (2005)" is two films), so without a second field
    that agrees we do not guess and merge nothing.
    """
    dated = movies[movies[schema.RELEASE_DATE].notna()]
    key = [dated[schema.TITLE].str.strip(), dated[schema.RELEASE_DATE]]
    canonical = dated.groupby(key, sort=False)[schema.MOVIE_ID].transform("min")
    duplicates = dated[schema.MOVIE_ID] != canonical
    return {int(d): int(c) for d, c in zip(dated.loc[duplicates, schema.MOVIE_ID], canonical[duplicates])}


def keep_latest_rating(ratings: pd.DataFrame) -> pd.DataFrame:
    """One rating per (user, movie): the later by timestamp (on a tie, the later line). Row order kept."""
    if ratings.empty:
        return ratings
    pair = ratings[schema.USER_ID].to_numpy(dtype="int64") * (int(ratings[schema.MOVIE_ID].max()) + 1) \
        + ratings[schema.MOVIE_ID].to_numpy(dtype="int64")
    if not pd.Index(pair).has_duplicates:
        return ratings  # the usual case, checked on one int64 key so 25M ratings stay fast
    latest_last = ratings.sort_values(schema.TIMESTAMP, kind="stable")
    kept = latest_last.drop_duplicates([schema.USER_ID, schema.MOVIE_ID], keep="last")
    return ratings.loc[ratings.index.isin(kept.index)]


@dataclass(frozen=True)
class CleanedRelease:
    """The catalog and ratings after clean-up, plus what was changed so callers can report it."""

    movies: pd.DataFrame
    ratings: pd.DataFrame
    merged_ids: dict[int, int]
    dropped_movie_ids: list[int]
    dropped_duplicate_ratings: int


def clean_release(movies: pd.DataFrame, ratings: pd.DataFrame) -> CleanedRelease:
    """Drop placeholder movies, merge duplicate ids, keep one rating per (user, movie), add title columns.

    ``movies`` needs movie_id, title and release_date (datetime64); ``ratings`` needs user_id, movie_id
    and timestamp. ``ratings`` must have a unique index (it is used to keep row order).
    """
    dropped = placeholder_movie_ids(movies)
    movies = movies[~movies[schema.MOVIE_ID].isin(dropped)]
    placeholder_ratings = ratings[schema.MOVIE_ID].isin(dropped)
    if dropped:
        logger.info("dropped placeholder movie id(s) %s and their %d rating(s)", dropped, int(placeholder_ratings.sum()))
    ratings = ratings[~placeholder_ratings]

    merged_ids = find_duplicate_movies(movies)
    if merged_ids:
        logger.info("merged %d duplicate movie id(s) into their lower twin: %s", len(merged_ids), merged_ids)
        movies = movies[~movies[schema.MOVIE_ID].isin(list(merged_ids))]
        ratings = ratings.assign(**{schema.MOVIE_ID: ratings[schema.MOVIE_ID].replace(merged_ids)})
    before = len(ratings)
    ratings = keep_latest_rating(ratings)
    if before != len(ratings):
        logger.info("kept the later of %d repeated (user, movie) rating(s)", before - len(ratings))
    return CleanedRelease(movies=add_title_columns(movies.reset_index(drop=True)), ratings=ratings,
                          merged_ids=merged_ids, dropped_movie_ids=dropped,
                          dropped_duplicate_ratings=before - len(ratings))
