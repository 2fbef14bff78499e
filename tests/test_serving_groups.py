"""Taste groups for onboarding: built from the model's embeddings (or genres), not hand-picked."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from movierec.serving import Catalog, Recommender
from movierec.serving.groups import TITLES_PER_GROUP, movie_groups


def planted_catalog(n: int = 60, genres: Callable[[int], list[str]] = lambda i: ["Comedy"] if i % 2 else ["Horror"]
                    ) -> Catalog:
    """Movies 1..n; by default odd ids are Comedy, even ids Horror; rating counts fall with the id."""
    return Catalog(pd.DataFrame({
        "movie_id": range(1, n + 1), "title": [f"M{i}" for i in range(1, n + 1)],
        "display_title": [f"Movie {i} (1990)" for i in range(1, n + 1)],
        "name": [f"Movie {i}" for i in range(1, n + 1)],
        "year": [1990] * n, "genres": [genres(i) for i in range(1, n + 1)],
        "imdb_url": [None] * n, "rating_count": [1000 - i for i in range(1, n + 1)], "rating_mean": [3.5] * n,
    }))


def test_embedding_clusters_are_recovered_across_the_genres() -> None:
    catalog = planted_catalog()
    # Three planted taste clusters that cut across the genres: ids 1-20, 21-40, 41-60.
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8)
    unit = np.array([centres[(i - 1) // 20] + 0.05 * rng.standard_normal(8) for i in range(1, 61)])
    groups = movie_groups(catalog, unit, 3)
    assert sorted({(m - 1) // 20 for m in g.movie_ids}.pop() for g in groups) == [0, 1, 2]
    assert all(len({(m - 1) // 20 for m in g.movie_ids}) == 1 for g in groups)
    assert all(len(g.movie_ids) == TITLES_PER_GROUP for g in groups)
    assert movie_groups(catalog, unit, 3) == groups  # the same groups in every process


def test_the_label_describes_the_titles_shown_not_the_whole_cluster() -> None:
    # Three taste clusters (ids 1-20, 21-40, 41-60). In each, the four movies planted at the centre,
    # among its better-known half, have the cluster's own genre; the sixteen others are all Horror,
    # so Horror is what each cluster as a whole has most.
    own_genre = {0: "Comedy", 1: "Romance", 2: "Western"}
    central = {m for first in (1, 21, 41) for m in range(first + 2, first + 6)}
    catalog = planted_catalog(genres=lambda i: [own_genre[(i - 1) // 20]] if i in central else ["Horror"])
    rng = np.random.default_rng(1)
    centres = np.eye(3, 8)
    unit = np.array([centres[(i - 1) // 20] + (0.0 if i in central else 0.3) * rng.standard_normal(8)
                     for i in range(1, 61)])
    groups = movie_groups(catalog, unit, 3)
    assert {frozenset(g.movie_ids) for g in groups} == {frozenset(range(f + 2, f + 6)) for f in (1, 21, 41)}
    assert sorted(g.label for g in groups) == ["Comedy", "Romance", "Western"]
    for group in groups:  # every genre of a label is on at least half of the shown titles
        genres = [set(catalog.movie(m).genres) for m in group.movie_ids]
        assert all(sum(genre in g for g in genres) * 2 >= len(genres) for genre in group.label.split(" & "))


def test_a_taste_under_a_new_label_comes_before_a_second_group_under_one_already_shown() -> None:
    # Four clusters of 20: the two tightest both Comedy, then a looser Horror one, then a loose Western one.
    genre = ["Comedy", "Comedy", "Horror", "Western"]
    spread = [0.02, 0.03, 0.15, 0.3]
    catalog = planted_catalog(80, genres=lambda i: [genre[(i - 1) // 20]])
    rng = np.random.default_rng(2)
    unit = np.array([np.eye(4, 8)[(i - 1) // 20] + spread[(i - 1) // 20] * rng.standard_normal(8)
                     for i in range(1, 81)])
    assert [g.label for g in movie_groups(catalog, unit, 2)] == ["Comedy", "Horror"]
    assert [g.label for g in movie_groups(catalog, unit, 4)] == ["Comedy", "Horror", "Western", "Comedy"]


def test_without_a_model_groups_follow_the_genres() -> None:
    groups = Recommender(planted_catalog()).movie_groups(2)
    assert sorted(g.label for g in groups) == ["Comedy", "Horror"]
    for group in groups:
        parity = {m % 2 for m in group.movie_ids}
        assert parity == ({1} if group.label == "Comedy" else {0})
        assert list(group.movie_ids) == sorted(group.movie_ids)  # best known first
    seen = [m for g in groups for m in g.movie_ids]
    assert len(seen) == len(set(seen))
