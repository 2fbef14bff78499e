"""In-process serving benchmarks: recommend, rating prediction, similar movies and title matching.

Each figure is timed next to its floor, the least work any implementation must do:
- recommend / similar: one NumPy dot product over the same movie embeddings plus ``argpartition``;
- rating prediction: the same dot product over the 100 candidates' embeddings only;
- title matching: a single rapidfuzz ``process.extractOne`` over the raw titles.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import process

from bot.matching import TitleMatcher
from bot.understanding import MessageUnderstanding
from movierec.data import schema
from movierec.serving import Recommender
from scripts.bench_stats import target, time_with_floor, with_floor


HISTORY_SIZES = (0, 5, 20, 200)
K = 10
CANDIDATES = 100


def user_histories(ratings: pd.DataFrame, sizes: tuple[int, ...] = HISTORY_SIZES, seed: int = 0
                   ) -> dict[int, dict[int, float]]:
    """For each size, the first ``size`` ratings of a real user who rated at least that many movies."""
    counts = ratings[schema.USER_ID].value_counts()
    rng = np.random.default_rng(seed)
    histories = {}
    for size in sizes:
        eligible = counts[counts >= max(size, 1)].index.to_numpy()
        user = int(rng.choice(eligible))
        rows = ratings[ratings[schema.USER_ID] == user].sort_values(schema.TIMESTAMP).head(size)
        histories[size] = dict(zip(rows[schema.MOVIE_ID].astype(int), rows[schema.USER_RATING].astype(float),
                                   strict=True))
    return histories


def _embeddings(recommender: Recommender) -> np.ndarray:
    """The served movie embeddings; a random matrix of the catalog's size for a model without any."""
    model = recommender.retrieval
    if model is not None and hasattr(model, "movie_embeddings"):
        return np.ascontiguousarray(model.movie_embeddings(), dtype=np.float32)
    return np.random.default_rng(0).standard_normal((len(recommender.catalog), 64)).astype(np.float32)


def bench_recommender(recommender: Recommender, ratings: pd.DataFrame, repeats: int) -> dict[str, Any]:
    """recommend() for 0/5/20/200 ratings, predict_ratings() for 100 movies, similar(); each with its floor."""
    embeddings = _embeddings(recommender)
    rng = np.random.default_rng(1)
    query = rng.standard_normal(embeddings.shape[1]).astype(np.float32)

    def floor_top_k(_: int) -> None:
        scores = embeddings @ query
        np.argpartition(-scores, K)[:K]

    results: dict[str, Any] = {"model_version": recommender.version, "movies": len(recommender.catalog),
                               "embedding_dim": int(embeddings.shape[1]), "k": K, "recommend": {}}
    histories = user_histories(ratings)
    for size, history in histories.items():
        figure = with_floor(*time_with_floor(lambda _: recommender.recommend(history, k=K), floor_top_k, repeats))
        figure["targets"] = {"p99_ms": target(figure["p99_ms"], 20.0, "ms"),
                             "ratio_to_floor": target(figure["ratio_to_floor"], 10.0, "x")}
        results["recommend"][f"ratings_{size}"] = figure

    movie_ids = recommender.catalog[schema.MOVIE_ID].to_numpy()
    candidates = [int(m) for m in rng.choice(movie_ids, CANDIDATES, replace=False)]
    rows = rng.choice(len(embeddings), CANDIDATES, replace=False)
    history = histories[20]
    results["predict_ratings_100"] = with_floor(*time_with_floor(
        lambda _: recommender.predict_ratings(history, candidates), lambda _: embeddings[rows] @ query, repeats))
    anchors = [int(m) for m in rng.choice(movie_ids, 50)]
    results["similar"] = with_floor(*time_with_floor(
        lambda i: recommender.similar(anchors[i % len(anchors)], k=K), floor_top_k, repeats))
    return results


def title_messages(movies: pd.DataFrame, count: int, seed: int = 0) -> list[str]:
    """Rating messages as people type them: exact, lower-case, with a typo, with the year, without stars."""
    rng = np.random.default_rng(seed)
    names = movies[schema.NAME].astype(str).to_numpy()
    years = movies[schema.YEAR].to_numpy()
    messages = []
    for n, row in enumerate(rng.choice(len(movies), count)):
        name, stars = str(names[row]), int(rng.integers(1, 6))
        style = n % 5
        if style == 1:
            name = name.lower()
        elif style == 2 and len(name) > 4:  # two neighbouring letters swapped
            i = int(rng.integers(1, len(name) - 2))
            name = name[:i] + name[i + 1] + name[i] + name[i + 2:]
        elif style == 3 and not pd.isna(years[row]):
            name = f"{name} ({int(years[row])})"
        messages.append(name if style == 4 else f"{name} {stars}")
    return messages


def bench_title_matching(movies: pd.DataFrame, repeats: int, p99_target_ms: float,
                         matcher: TitleMatcher | None = None) -> dict[str, Any]:
    """One message understood (parsed and matched) versus one extractOne over the raw titles."""
    matcher = matcher or TitleMatcher(movies)
    understanding = MessageUnderstanding(matcher)
    messages = title_messages(movies, repeats)
    raw_titles = movies[schema.TITLE].astype(str).tolist()
    figure = with_floor(*time_with_floor(lambda i: understanding.understand(messages[i]),
                                         lambda i: process.extractOne(messages[i], raw_titles), repeats))
    figure["titles"] = len(raw_titles)
    figure["targets"] = {"p99_ms": target(figure["p99_ms"], p99_target_ms, "ms")}
    return figure
