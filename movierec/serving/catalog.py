"""The movie catalog as served: what the bot may show, and how to find a movie by id.

A catalog snapshot is stored with every trained model version, so the bot shows exactly the movies the
model was trained on, even if the data folder changes later. It is plain JSON (never pickle).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from movierec.data import schema
from movierec.data.lookup import IdIndex
from movierec.models.popularity import bayesian_average

CATALOG_FILE = "catalog.json"

# How many ratings' worth of the global mean a movie's own mean is shrunk towards (Bayesian average).
# 20 is about the median number of ratings per movie in ML-100k: a film needs that much evidence
# before its own mean outweighs the prior.
BAYES_PRIOR_WEIGHT = 20.0
_IMDB_ID = re.compile(r"tt[0-9]{7,10}")


@dataclass(frozen=True)
class MovieInfo:
    """What a reply needs to show about one movie."""

    movie_id: int
    display_title: str
    year: int | None
    genres: tuple[str, ...]
    imdb_url: str | None
    imdb_id: str | None
    """IMDb's id (``tt0116282``) where the Kaggle enrichment found one, else None."""
    rating_count: int
    rating_mean: float


class Catalog:
    """Canonical movies with a fast id -> row lookup and the merged-duplicate id map."""

    def __init__(self, movies: pd.DataFrame, merged_ids: Mapping[int, int] | None = None) -> None:
        if movies.empty:
            raise ValueError("the catalog is empty: the data has no movies")
        self.movies = movies.sort_values(schema.MOVIE_ID).reset_index(drop=True)
        self.movie_ids = self.movies[schema.MOVIE_ID].to_numpy(dtype=np.int64)
        self._row_of = {int(movie_id): row for row, movie_id in enumerate(self.movie_ids)}
        self.merged_ids = {int(k): int(v) for k, v in (merged_ids or {}).items()}
        self._row_index = IdIndex(self.movie_ids)
        self._canonical_index = IdIndex(self.movie_ids, self.merged_ids)  # merged ids -> their canonical row
        counts = self.movies[schema.RATING_COUNT].to_numpy(dtype=np.float64)
        means = self.movies[schema.RATING_MEAN].fillna(0.0).to_numpy(dtype=np.float64)
        total = counts.sum()
        global_mean = float((counts * means).sum() / total) if total else 3.0
        self.global_mean = global_mean
        self.bayesian_mean = bayesian_average(counts, means, BAYES_PRIOR_WEIGHT, global_mean)
        self.genre_sets = [frozenset(g) for g in self.movies[schema.GENRE_NAMES]]
        present = frozenset().union(*self.genre_sets)
        self.genres = tuple(g for g in schema.GENRES if g in present)
        """The genres some movie here has, in :data:`schema.GENRES` order (MovieLens 100k has no IMAX)."""
        self._infos: list[MovieInfo | None] = [None] * len(self.movie_ids)  # built on first use: a pandas
        # row lookup costs ~0.1 ms, and every reply shows several movies

    def __len__(self) -> int:
        return len(self.movie_ids)

    def canonical_movie_id(self, movie_id: int) -> int | None:
        """The catalog id for a dataset id (a merged duplicate maps to its canonical movie), or None."""
        movie_id = self.merged_ids.get(int(movie_id), int(movie_id))
        return movie_id if movie_id in self._row_of else None

    def row(self, movie_id: int) -> int:
        """Row index of a canonical movie id; KeyError when unknown."""
        return self._row_of[int(movie_id)]

    def canonical_rows(self, movie_ids: np.ndarray) -> np.ndarray:
        """Rows of dataset ids at once (a merged duplicate -> its canonical movie's row); -1 where unknown."""
        return self._canonical_index.positions(movie_ids).astype(np.intp) - 1

    def rows(self, movie_ids: Iterable[int]) -> np.ndarray:
        """Row indices of canonical movie ids; KeyError naming the first unknown one."""
        ids = movie_ids if isinstance(movie_ids, np.ndarray) else np.fromiter(movie_ids, dtype=np.int64)
        found = self._row_index.positions(ids)
        if not found.all():
            raise KeyError(int(ids[np.argmin(found)]))
        return found.astype(np.intp) - 1

    def movie(self, movie_id: int) -> MovieInfo:
        """Details of a canonical movie id; KeyError when unknown."""
        return self.movie_at(self._row_of[int(movie_id)])

    def movie_at(self, row: int) -> MovieInfo:
        """Details of the movie in a catalog row."""
        info = self._infos[row]
        if info is None:
            info = self._infos[row] = self._movie_info(row)
        return info

    def _movie_info(self, row: int) -> MovieInfo:
        record = self.movies.iloc[row]
        year = record[schema.YEAR]
        imdb_url = record.get(schema.IMDB_URL)
        imdb_id = record.get(schema.IMDB_ID)  # only enriched catalogs have the column
        return MovieInfo(
            movie_id=int(record[schema.MOVIE_ID]),
            display_title=str(record[schema.DISPLAY_TITLE]),
            year=None if pd.isna(year) else int(year),
            genres=tuple(record[schema.GENRE_NAMES]),
            imdb_url=imdb_url if isinstance(imdb_url, str) and imdb_url else None,
            imdb_id=imdb_id if isinstance(imdb_id, str) and _IMDB_ID.fullmatch(imdb_id) else None,
            rating_count=int(record[schema.RATING_COUNT]),
            rating_mean=float(record[schema.RATING_MEAN]) if record[schema.RATING_COUNT] else 0.0,
        )

    def genre_mask(self, genres: Iterable[str] | None) -> np.ndarray:
        """Boolean mask of movies having at least one of ``genres`` (all True when None/empty)."""
        wanted = {g.casefold() for g in genres or ()}
        if not wanted:
            return np.ones(len(self), dtype=bool)
        return np.array([any(g.casefold() in wanted for g in gs) for gs in self.genre_sets], dtype=bool)

    def save(self, folder: Path) -> None:
        columns = [schema.MOVIE_ID, schema.TITLE, schema.DISPLAY_TITLE, schema.NAME, schema.YEAR,
                   schema.GENRE_NAMES, schema.IMDB_URL, schema.RATING_COUNT, schema.RATING_MEAN]
        if schema.IMDB_ID in self.movies:  # enriched data; catalogs saved before it, or without it, lack it
            columns.append(schema.IMDB_ID)
        frame = self.movies.reindex(columns=columns)
        records = json.loads(frame.to_json(orient="records"))
        payload = {"movies": records, "merged_ids": {str(k): v for k, v in self.merged_ids.items()}}
        (folder / CATALOG_FILE).write_text(json.dumps(payload), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Catalog:
        payload = json.loads((folder / CATALOG_FILE).read_text(encoding="utf-8"))
        movies = pd.DataFrame.from_records(payload["movies"])
        movies[schema.YEAR] = movies[schema.YEAR].astype("Int64")
        movies[schema.GENRE_NAMES] = movies[schema.GENRE_NAMES].map(lambda g: list(g or []))
        return cls(movies, {int(k): int(v) for k, v in payload["merged_ids"].items()})
