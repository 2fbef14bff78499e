"""Optional enrichment of the catalog with cast and crew from Kaggle's "The Movies Dataset".

MovieLens has titles and genres only; cast and director make "because you liked ..." explanations
and content features possible. The Kaggle files (``movies_metadata.csv`` and ``credits.csv``) are
public but large and licensed separately, so the user supplies them; without them the catalog is
returned unchanged and the rest of the system works as before.

Matching is by normalised title and year: MovieLens "Usual Suspects, The (1995)" and Kaggle
"The Usual Suspects" released 1995-07-19 both become ("the usual suspects", 1995). Alternate titles
in parentheses ("Seven (Se7en)") are tried too. credits.csv stores its lists as Python literals, which
are parsed with ``ast.literal_eval`` (never ``eval``).
"""

from __future__ import annotations

import ast
import logging
import re
import unicodedata
from pathlib import Path

import pandas as pd

from movierec.data import schema
from movierec.data.cleaning import move_article_to_front, parse_title
from movierec.data.files import DataFormatError

logger = logging.getLogger(__name__)

TOP_CAST = 5
_ENRICHED_COLUMNS = [schema.CAST, schema.DIRECTOR, schema.CAST_SIZE, schema.CREW_SIZE, schema.IMDB_ID]
_GROUPS = re.compile(r"\(([^()]*)\)")


def normalise_title(title: str) -> str:
    """Lower case, accents and punctuation removed, "&" read as "and": a key both datasets agree on."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    ascii_text = ascii_text.replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


def _movielens_keys(raw_title: str, year: int | None) -> list[tuple[str, int]]:
    """(normalised title, year) candidates for a MovieLens movie: main title first, then alternates."""
    if year is None or pd.isna(year):
        return []
    name = parse_title(raw_title).name
    main = _GROUPS.sub(" ", name)
    candidates = [main] + [move_article_to_front(group.removeprefix("a.k.a. ")) for group in _GROUPS.findall(name)]
    keys = [(normalise_title(candidate), int(year)) for candidate in candidates]
    return [key for key in dict.fromkeys(keys) if key[0]]


def _read_metadata(path: Path) -> pd.DataFrame:
    """Kaggle rows with a usable numeric id, title and year; the best-voted row wins per (title, year)."""
    metadata = pd.read_csv(path, usecols=["id", "imdb_id", "title", "original_title", "release_date", "vote_count"],
                           dtype=str, keep_default_na=False, engine="c")
    metadata["tmdb_id"] = pd.to_numeric(metadata["id"], errors="coerce")
    metadata["date"] = pd.to_datetime(metadata["release_date"], format="%Y-%m-%d", errors="coerce")
    unusable = metadata["tmdb_id"].isna() | metadata["date"].isna()
    if unusable.any():
        logger.info("%s: %d row(s) without a numeric id or release date are ignored", path, int(unusable.sum()))
    metadata = metadata[~unusable].assign(votes=pd.to_numeric(metadata["vote_count"], errors="coerce").fillna(0))
    rows = []
    for column in ("title", "original_title"):
        rows.append(pd.DataFrame({"key": metadata[column].map(normalise_title), "year": metadata["date"].dt.year,
                                  "tmdb_id": metadata["tmdb_id"].astype("int64"), "imdb_id": metadata["imdb_id"],
                                  "date": metadata["date"], "votes": metadata["votes"], "priority": column == "title"}))
    keyed = pd.concat(rows).sort_values(["priority", "votes"], ascending=False, kind="stable")
    return keyed[keyed["key"] != ""].drop_duplicates(["key", "year"]).set_index(["key", "year"])


def _parse_literal(text: str, what: str, problems: list[str]) -> list[dict]:
    """A credits.csv cell as a list of dicts; an unparsable cell becomes [] and is reported."""
    try:
        value = ast.literal_eval(text) if text else []
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        problems.append(what)
        return []
    return value if isinstance(value, list) else []


def _credits(path: Path, tmdb_ids: set[int]) -> pd.DataFrame:
    """cast, director, cast_size, crew_size per TMDB id, parsed only for the ids we matched."""
    credits = pd.read_csv(path, dtype=str, keep_default_na=False, engine="c")
    credits["tmdb_id"] = pd.to_numeric(credits["id"], errors="coerce")
    credits = credits[credits["tmdb_id"].isin(tmdb_ids)].drop_duplicates("tmdb_id")
    problems: list[str] = []
    records = []
    for tmdb_id, cast_text, crew_text in zip(credits["tmdb_id"], credits["cast"], credits["crew"]):
        cast = _parse_literal(cast_text, f"cast of {int(tmdb_id)}", problems)
        crew = _parse_literal(crew_text, f"crew of {int(tmdb_id)}", problems)
        billed = sorted((m for m in cast if isinstance(m, dict) and "name" in m), key=lambda m: m.get("order", 0))
        directors = [m["name"] for m in crew if isinstance(m, dict) and m.get("job") == "Director" and "name" in m]
        records.append((int(tmdb_id), [m["name"] for m in billed[:TOP_CAST]], directors[0] if directors else None,
                        len(cast), len(crew)))
    if problems:
        logger.warning("%s: %d cell(s) could not be parsed and count as empty, e.g. %s", path, len(problems),
                       problems[0])
    return pd.DataFrame(records, columns=["tmdb_id", *_ENRICHED_COLUMNS[:4]]).set_index("tmdb_id")


def enrich_movies(movies: pd.DataFrame, metadata_path: Path | None,
                  credits_path: Path | None) -> tuple[pd.DataFrame, float]:
    """The catalog plus cast, director, cast_size, crew_size, imdb_id (and missing release dates filled).

    Returns the enriched frame and the share of movies matched (0..1). Without both files, returns
    ``movies`` itself and 0.0 after logging a notice: enrichment is optional.
    """
    if metadata_path is None or credits_path is None or not Path(metadata_path).is_file() \
            or not Path(credits_path).is_file():
        logger.info("movie enrichment skipped: Kaggle movies_metadata.csv and credits.csv not supplied or not found")
        return movies, 0.0
    metadata = _read_metadata(Path(metadata_path))
    matched: dict[int, pd.Series] = {}
    for movie_id, title, year in zip(movies[schema.MOVIE_ID], movies[schema.TITLE], movies[schema.YEAR]):
        key = next((key for key in _movielens_keys(title, year) if key in metadata.index), None)
        if key is not None:
            matched[int(movie_id)] = metadata.loc[key]
    found = pd.DataFrame.from_dict(matched, orient="index", columns=["tmdb_id", "imdb_id", "date"])
    credits = _credits(Path(credits_path), set(found["tmdb_id"].astype("int64")))
    details = found.join(credits, on="tmdb_id")

    enriched = movies.copy()
    by_id = enriched[schema.MOVIE_ID]
    cast_by_id = details[schema.CAST].to_dict()
    enriched[schema.CAST] = [cast if isinstance(cast := cast_by_id.get(m), list) else [] for m in by_id]
    enriched[schema.DIRECTOR] = by_id.map(details[schema.DIRECTOR]).astype(object).where(lambda s: s.notna(), None)
    enriched[schema.CAST_SIZE] = by_id.map(details[schema.CAST_SIZE]).astype("Int64")
    enriched[schema.CREW_SIZE] = by_id.map(details[schema.CREW_SIZE]).astype("Int64")
    enriched[schema.IMDB_ID] = by_id.map(details["imdb_id"].replace("", None)).astype(object).where(
        lambda s: s.notna(), None)
    enriched[schema.RELEASE_DATE] = enriched[schema.RELEASE_DATE].fillna(by_id.map(details["date"]))
    match_rate = len(matched) / len(movies) if len(movies) else 0.0
    logger.info("enriched %d of %d movies from the Kaggle files (match rate %.1f%%)", len(matched), len(movies),
                100 * match_rate)
    return enriched, match_rate


METADATA_FILE = "movies_metadata.csv"
CREDITS_FILE = "credits.csv"


def enrich_from_folder(movies: pd.DataFrame, folder: Path) -> tuple[pd.DataFrame, float]:
    """:func:`enrich_movies` with the two Kaggle files of ``folder`` (MOVIEREC_METADATA_DIR).

    The user asked for enrichment by naming the folder, so a missing or unreadable file is an error
    that names it, not a silent skip.
    """
    folder = Path(folder)
    missing = [name for name in (METADATA_FILE, CREDITS_FILE) if not (folder / name).is_file()]
    if missing:
        raise DataFormatError(f"MOVIEREC_METADATA_DIR={folder} lacks {' and '.join(missing)} "
                              "(from Kaggle's \"The Movies Dataset\"); unset it to skip enrichment")
    try:
        return enrich_movies(movies, folder / METADATA_FILE, folder / CREDITS_FILE)
    except (ValueError, KeyError, UnicodeDecodeError) as error:
        raise DataFormatError(f"{folder}: {METADATA_FILE} or {CREDITS_FILE} is not in the Kaggle format "
                              f"({type(error).__name__}: {error})") from error
