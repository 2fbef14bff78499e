"""Synthetic MovieLens data in the ML-25M CSV format (ratings.csv, movies.csv), for scale tests.

    python -m scripts.synth_movielens OUT_DIR                     # ML-25M size: 62,423 movies, 162,541 users
    python -m scripts.synth_movielens OUT_DIR --ratings 1000000   # 1M ratings, users scaled alike, all 62k movies
    python -m scripts.synth_movielens OUT_DIR --scale 0.01        # every count x0.01

Shaped like the real release where it matters for cost: a Zipf-like long tail of movie popularity
(a few blockbusters, most movies with a handful of ratings) and of user activity (at least 20
ratings each, as in ML-25M), and some taste: each user and movie belongs to one of TASTES groups,
and most of a user's ratings (rated higher) fall in their group, so a model has something to learn
beyond popularity. Half-star ratings around 3.5 with user and movie biases, timestamps
1995-2019, one rating per (user, movie), rows sorted by user then movie. Generated with vectorised
NumPy one block of users at a time and appended to the CSV, so memory stays flat at any size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ML25M_MOVIES, ML25M_USERS, ML25M_RATINGS = 62_423, 162_541, 25_000_095
MIN_PER_USER = 20
TASTES, IN_TASTE = 20, 0.6
GENRES = ("Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western")
_WORDS = ("night day star love war dark city blood king queen dead man woman girl boy river house road "
          "ghost dream fire ice storm heart stone island moon sun time last first lost secret silent wild "
          "golden black white red blue iron steel shadow light summer winter hunter killer angel devil "
          "empire kingdom journey return legend story letter song dance game heist escape mission code "
          "paradise garden ocean mountain desert forest train ship planet machine zero one paris london "
          "tokyo texas brooklyn midnight morning broken hidden perfect little big brave crazy lucky").split()


def zipf_weights(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Popularity of n items, shuffled so that id order says nothing about popularity."""
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return rng.permutation(weights / weights.sum())


def user_counts(users: int, ratings: int, movies: int, rng: np.random.Generator) -> np.ndarray:
    """Ratings per user: MIN_PER_USER plus a heavy (Pareto) tail, summing to ``ratings``."""
    extra = rng.pareto(1.2, users) + 1e-9
    extra = np.minimum(extra / extra.sum() * (ratings - MIN_PER_USER * users), min(5_000, movies // 4))
    counts = MIN_PER_USER + np.floor(extra).astype(np.int64)
    short = ratings - counts.sum()  # rounding and the cap: spread the rest over random users
    np.add.at(counts, rng.integers(0, users, max(short, 0)), 1)
    return counts


def synth_movies(movies: int, rng: np.random.Generator) -> pd.DataFrame:
    """Titles like "Silent River (1987)", "Last Night, The (2004)", "Golden Heist 3 (2011)"; some repeat (remakes)."""
    words = np.array(_WORDS)
    lengths = rng.choice([1, 2, 3, 4], movies, p=[0.15, 0.5, 0.25, 0.1])
    picks = words[rng.integers(0, len(words), (movies, 4))]
    names = [" ".join(w.capitalize() for w in row[:n]) for row, n in zip(picks, lengths, strict=True)]
    sequel = rng.random(movies) < 0.05
    article = rng.random(movies) < 0.12
    years = rng.integers(1920, 2020, movies)
    titles = [f"{name}{f' {rng.integers(2, 5)}' if s else ''}{', The' if a else ''} ({y})"
              for name, s, a, y in zip(names, sequel, article, years, strict=True)]
    genre_sets = ["|".join(sorted(set(np.array(GENRES)[rng.integers(0, len(GENRES), rng.integers(1, 4))])))
                  for _ in range(movies)]
    return pd.DataFrame({"movieId": np.arange(1, movies + 1), "title": titles, "genres": genre_sets})


class TasteSampler:
    """Draws movies by popularity: from the user's taste group with probability IN_TASTE, else from all."""

    def __init__(self, popularity: np.ndarray, movie_taste: np.ndarray) -> None:
        self.order = np.argsort(movie_taste, kind="stable")
        self.cumulative = np.cumsum(popularity[self.order])
        ends = np.searchsorted(movie_taste[self.order], np.arange(TASTES), side="right")
        starts = np.concatenate([[0], ends[:-1]])
        self.mass_before = np.where(starts > 0, self.cumulative[np.maximum(starts - 1, 0)], 0.0)
        self.mass = self.cumulative[np.maximum(ends - 1, 0)] - self.mass_before

    def draw(self, tastes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """1-based movie ids, one per entry of ``tastes`` (the drawing user's group)."""
        in_taste = rng.random(tastes.size) < IN_TASTE
        target = np.where(in_taste, self.mass_before[tastes] + rng.random(tastes.size) * self.mass[tastes],
                          rng.random(tastes.size) * self.cumulative[-1])
        rows = np.minimum(np.searchsorted(self.cumulative, target), len(self.order) - 1)
        return self.order[rows] + 1


def _unique_pairs(first_user: int, wanted: np.ndarray, sampler: TasteSampler, user_taste: np.ndarray,
                  rng: np.random.Generator, rounds: int = 6) -> np.ndarray:
    """Sorted ``user << 20 | movie`` codes, one per (user, movie): heavy users draw popular movies
    more than once, so the shortfall is drawn again a few times (a user can only lose a handful)."""
    pairs = np.empty(0, dtype=np.int64)
    missing = wanted
    for _ in range(rounds):
        users = np.repeat(np.arange(first_user + 1, first_user + len(wanted) + 1, dtype=np.int64), missing)
        movies = sampler.draw(user_taste[users - 1], rng)
        pairs = np.union1d(pairs, users << 20 | movies)
        missing = np.maximum(wanted - np.bincount((pairs >> 20) - first_user - 1, minlength=len(wanted)), 0)
        if not missing.any():
            break
    return pairs


def write_ratings(path: Path, counts: np.ndarray, popularity: np.ndarray, rng: np.random.Generator,
                  block_ratings: int = 2_000_000) -> int:
    """Append ratings block by block of users; returns the number written (after de-duplication)."""
    movie_taste = rng.integers(0, TASTES, len(popularity))
    user_taste = rng.integers(0, TASTES, len(counts))
    sampler = TasteSampler(popularity, movie_taste)
    movie_bias = rng.normal(0.0, 0.5, len(popularity)).astype(np.float32)
    written, first_user = 0, 0
    ends = np.searchsorted(np.cumsum(counts), np.arange(block_ratings, counts.sum() + block_ratings, block_ratings))
    with path.open("w", encoding="utf-8") as out:
        out.write("userId,movieId,rating,timestamp\n")
        for end in np.unique(np.minimum(ends + 1, len(counts))):
            block = counts[first_user:end]
            pairs = _unique_pairs(first_user, block, sampler, user_taste, rng)
            users, movies = (pairs >> 20).astype(np.int64), (pairs & 0xFFFFF).astype(np.int64)
            user_bias = rng.normal(0.0, 0.4, end - first_user).astype(np.float32)
            liked = 0.6 * (user_taste[users - 1] == movie_taste[movies - 1])
            noise = rng.normal(0, 0.8, users.size)
            raw = 3.3 + liked + user_bias[users - first_user - 1] + movie_bias[movies - 1] + noise
            stars = np.clip(np.round(raw * 2) / 2, 0.5, 5.0)
            start = rng.integers(820_000_000, 1_560_000_000, end - first_user)  # 1995..2019
            stamps = start[users - first_user - 1] + rng.integers(0, 30_000_000, users.size)
            pd.DataFrame({"userId": users, "movieId": movies, "rating": stars, "timestamp": stamps}).to_csv(
                out, header=False, index=False, float_format="%.1f")
            written += users.size
            first_user = end
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every default count (default 1: ML-25M)")
    parser.add_argument("--ratings", type=int, default=None, help="ratings (default 25M x scale)")
    parser.add_argument("--users", type=int, default=None, help="users (default: in proportion to the ratings)")
    parser.add_argument("--movies", type=int, default=None, help="movies (default 62,423 x scale)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    ratings = args.ratings or int(ML25M_RATINGS * args.scale)
    users = args.users or max(1, round(ML25M_USERS * ratings / ML25M_RATINGS))
    movies = args.movies or max(100, int(ML25M_MOVIES * args.scale))
    if ratings < users * MIN_PER_USER or movies < 4 * MIN_PER_USER:
        parser.error(f"{ratings} ratings cannot give {users} users {MIN_PER_USER} each over {movies} movies")
    rng = np.random.default_rng(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    synth_movies(movies, rng).to_csv(args.out / "movies.csv", index=False)
    written = write_ratings(args.out / "ratings.csv", user_counts(users, ratings, movies, rng),
                            zipf_weights(movies, 1.0, rng), rng)
    print(f"wrote {written} ratings by {users} users of {movies} movies to {args.out} "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
