"""Serving's array lookups, history validation and explanations: the fast paths give what the slow ones did."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from movierec.data.lookup import IdIndex, indices_by_key, sorted_lookup
from movierec.models.base import RatingArrays, UserQuery
from movierec.serving.catalog import Catalog
from movierec.models.ease import EaseModel
from movierec.serving import Recommender
from movierec.serving.explain import OVERALL_REASON, Explainer, main_contributors
from movierec.serving.history import LIKED_STARS, validated_history
from tests.test_serving import movielens  # noqa: F401  (the module fixture: a tiny release with merged twins)

KNOWN = np.array([1, 5, 9, 300_000], dtype=np.int64)


def test_id_index_positions_with_aliases_and_out_of_range_ids() -> None:
    index = IdIndex(KNOWN, {7: 5})  # 7 is a merged duplicate of 5
    found = index.positions(np.array([1, 5, 9, 7, 300_000, 0, -1, -2**63, 300_001, 2**62]))
    assert found.tolist() == [1, 2, 3, 2, 4, 0, 0, 0, 0, 0]
    assert index.positions([]).tolist() == []


def test_id_index_without_a_table_for_very_sparse_ids() -> None:
    sparse = np.array([3, 10**12, 2**60], dtype=np.int64)  # a table up to 2**60 would not fit in memory
    index = IdIndex(sparse, {4: 10**12})
    assert index._table is None
    assert index.positions([10**12, 4, 2**60, 5, -3]).tolist() == [2, 2, 3, 0, 0]


def test_id_index_refuses_unsorted_ids() -> None:
    with pytest.raises(ValueError, match="increasing"):
        IdIndex(np.array([5, 1]))


def test_indices_by_key_lists_each_keys_entries_in_order_and_empty_keys_too() -> None:
    keys = np.array([2, 0, 2, 0, 3])
    assert [group.tolist() for group in indices_by_key(keys, 5)] == [[1, 3], [], [0, 2], [4], []]


@given(st.lists(st.integers(0, 6), max_size=30))
def test_indices_by_key_partitions_every_entry(keys: list[int]) -> None:
    groups = indices_by_key(np.array(keys, dtype=np.int64), 7)
    assert sorted(i for group in groups for i in group.tolist()) == list(range(len(keys)))
    assert all(keys[i] == key for key, group in enumerate(groups) for i in group.tolist())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-2**63, 2**63 - 1), max_size=30))
def test_id_index_agrees_with_sorted_lookup(values: list[int]) -> None:
    assert IdIndex(KNOWN).positions(values).tolist() == sorted_lookup(KNOWN, values).tolist()


def test_rating_arrays_behave_as_the_mapping_they_hold() -> None:
    history = RatingArrays(np.array([3, 1]), np.array([4.5, 2.0]))
    assert dict(history) == {3: 4.5, 1: 2.0} and len(history) == 2 and history[1] == 2.0 and 7 not in history
    query = UserQuery(history=history)
    ids, stars = query.history_arrays
    assert ids is history.movie_ids and stars.dtype == np.float32  # no copy for the towers
    with pytest.raises(ValueError, match="2 movie ids but 1"):
        RatingArrays(np.array([1, 2]), np.array([3.0]))


def test_validated_history_canonicalises_and_keeps_arrays_in_step(movielens) -> None:  # noqa: F811
    catalog = Catalog(movielens.movies, movielens.merged_ids)
    history = validated_history(catalog, {1: 5.0, 22: 4.0, 21: 3.0}, liked=[2, 1])  # 22 is merged into 21
    assert dict(history.ratings) == {2: LIKED_STARS, 1: 5.0, 21: 3.0}  # the later rating of a twin wins
    assert history.liked == {2}  # 1 was rated, so the liked group's weak positive gives way
    assert history.rows.tolist() == [catalog.row(m) for m in (2, 1, 21)]
    assert history.stars.tolist() == [LIKED_STARS, 5.0, 3.0]
    assert not validated_history(catalog, {}) and validated_history(catalog, {}).rows.size == 0


@pytest.mark.parametrize("ratings, message", [
    ({1: 5.0000001}, "outside"), ({1: -0.5}, "outside"), ({"x": 4.0}, "unknown movie id"),
    ({1: None}, "not a number"), ({2**70: 4.0}, "unknown movie id"),
])
def test_validated_history_names_the_bad_entry(movielens, ratings, message) -> None:  # noqa: F811
    with pytest.raises(ValueError, match=message):
        validated_history(Catalog(movielens.movies, movielens.merged_ids), ratings)


class PlantedEmbeddings:
    """An EmbeddingModel that cannot attribute its scores: reasons fall back to embedding similarity."""

    def __init__(self, embeddings: np.ndarray) -> None:
        self._embeddings = embeddings

    def movie_embeddings(self) -> np.ndarray:
        return self._embeddings


def test_without_attribution_reasons_name_the_liked_movie_most_alike(movielens) -> None:  # noqa: F811
    catalog = Catalog(movielens.movies, movielens.merged_ids)
    rows = {m: catalog.row(m) for m in (1, 2, 3, 11, 12)}
    embeddings = np.zeros((len(catalog), 2), np.float32)
    embeddings[[rows[1], rows[2], rows[3]]] = [1.0, 0.0]  # action films 1-3 point one way…
    embeddings[[rows[11], rows[12]]] = [-1.0, 0.0]  # …romance 11-12 the opposite way
    explainer = Explainer(catalog, PlantedEmbeddings(embeddings), np.arange(len(catalog)))
    title = catalog.movie(1).display_title
    # 3 is closest to 1 (liked); 12 is opposite to 11, rated ★1: a pull by hating 11, never named
    history = validated_history(catalog, {1: 4.5, 11: 1.0})
    assert explainer.reasons(history, np.array([rows[3], rows[12]])) == [
        f"because you rated {title} ★4.5", OVERALL_REASON]
    assert explainer.reasons(validated_history(catalog, {11: 2.0}), np.array([rows[3]])) == [OVERALL_REASON]
    seeded = validated_history(catalog, {}, liked=[1])
    assert explainer.reasons(seeded, np.array([rows[2]])) == [f"because you liked the group with {title}"]


def test_main_contributors_by_hand() -> None:
    pulls = np.array([[0.6, -1.0, 0.1],
                      [0.3, 0.2, 0.1],
                      [0.1, 0.0, 0.1],
                      [-0.2, 0.0, 0.1]], np.float32)  # 4 history movies x 3 candidates
    eligible = np.array([True, True, False, True])
    # column 0: positive pulls sum to 1.0, so shares 0.6, 0.3, (0.1, not eligible); column 1: 0.2 is all of it;
    # column 2: four shares of 0.25, the earlier positions first, 2 not eligible
    assert main_contributors(pulls, eligible, 0.2, 9.0, 2).tolist() == [[0, 1], [1, -1], [0, 1]]
    assert main_contributors(pulls, eligible, 0.5, 9.0, 2).tolist() == [[0, -1], [1, -1], [-1, -1]]
    assert main_contributors(pulls, eligible, 0.2, 9.0, 1).tolist() == [[0], [1], [0]]
    assert main_contributors(-np.abs(pulls), eligible, 0.0, 0.0, 2).tolist() == [[-1, -1]] * 3  # none pulls towards
    # a long history: 0.15 of the pull is below a 0.2 share, but 2.7 times the mean of the 18 positive pulls
    long = np.array([[0.05]] * 10 + [[0.15]] + [[0.05]] * 7, np.float32)
    assert main_contributors(long, np.ones(18, bool), 0.2, 2.0, 2).tolist() == [[10, -1]]
    assert main_contributors(long, np.ones(18, bool), 0.2, 3.0, 2).tolist() == [[-1, -1]]


def planted_ease(catalog: Catalog, weights: dict[tuple[int, int], float]) -> EaseModel:
    """EASE with hand-set weights: ``weights[(rated, pick)]`` is what rating ``rated`` adds to ``pick``'s score."""
    model = EaseModel()
    model._set_movies(catalog.movie_ids.copy())
    model._weights = np.zeros((len(catalog), len(catalog)), np.float32)
    for (rated, pick), weight in weights.items():
        model._weights[catalog.row(rated), catalog.row(pick)] = weight
    return model


def test_reasons_name_the_ratings_a_pick_owes_its_score_to(movielens) -> None:  # noqa: F811
    catalog = Catalog(movielens.movies, movielens.merged_ids)
    title = {m: catalog.movie(m).display_title for m in catalog.movie_ids.tolist()}
    ratings = {1: 5.0, 2: 4.0, 3: 4.5, 11: 1.0, 12: 4.0, 14: 3.0}
    model = planted_ease(catalog, {
        (1, 5): 3.0, (2, 5): 0.1, (3, 5): 0.1,  # 5 is 1's pick: the others add too little to be named
        (1, 6): 0.5, (3, 6): 0.6, (2, 6): 0.1,  # 6 owes most to 3, then to 1
        (11, 7): 2.0, (2, 7): 0.6,  # 7 owes most to 11, rated ★1: never named, 2 is
        **{(m, 8): 0.1 for m in ratings}, (13, 8): 0.4,  # 8: every rating adds a sixth (13 is not rated)
        (1, 9): -0.5, (2, 9): 0.2,  # 9: 2 is all that pulls towards it (1 pulls away, a disliked 11 not at all)
        (1, 10): -1.0,  # 10: nothing rated pulls towards it
    })
    recommender = Recommender(catalog, retrieval=model)
    (first,) = recommender.recommend(ratings, k=1)
    assert first.movie_id == 5 and first.reason == f"because you rated {title[1]} ★5"
    assert recommender.reason(ratings, 6) == f"because you rated {title[3]} ★4.5 and {title[1]} ★5"
    assert recommender.reason(ratings, 7) == f"because you rated {title[2]} ★4"
    assert recommender.reason(ratings, 8) == OVERALL_REASON
    assert recommender.reason(ratings, 9) == f"because you rated {title[2]} ★4"
    assert recommender.reason(ratings, 10) == OVERALL_REASON
    # a liked group's movie is named as the group, once, next to a rating
    assert recommender.reason({3: 4.5}, 6, liked=[1, 2]) == (
        f"because you rated {title[3]} ★4.5 and liked the group with {title[1]}")
    assert recommender.reason({}, 5, liked=[1, 2]) == f"because you liked the group with {title[1]}"
    # a liked group still shown at onboarding is named by its label
    group = recommender.movie_groups()[0]
    pick = next(m for m in catalog.movie_ids.tolist() if m not in group.movie_ids)
    grouped = Recommender(catalog, retrieval=planted_ease(catalog, {(group.movie_ids[1], pick): 2.0}))
    assert grouped.reason({}, pick, liked=group.movie_ids) == f"because you liked the {group.label} group"
    # 14, rated ★3, drives pick 15 beside ★4-★5 favourites: a lukewarm rating is no reason to name
    lukewarm = planted_ease(catalog, {(14, 15): 3.0, (2, 15): 0.2})
    favourites = Recommender(catalog, retrieval=lukewarm)
    assert favourites.reason(ratings, 15) == OVERALL_REASON
    # …unless ★3 is as high as this user goes: then it is their praise
    assert favourites.reason({14: 3.0, 11: 1.0}, 15) == f"because you rated {title[14]} ★3"


def test_a_history_without_one_movie_keeps_its_arrays_in_step(movielens) -> None:  # noqa: F811
    catalog = Catalog(movielens.movies, movielens.merged_ids)
    history = validated_history(catalog, {1: 5.0, 21: 3.0}, liked=[2])
    left = history.without(catalog.row(2))  # a movie explained by its own liked group must not explain itself
    assert dict(left.ratings) == {1: 5.0, 21: 3.0} and left.liked == set()
    assert left.rows.tolist() == [catalog.row(1), catalog.row(21)] and left.stars.tolist() == [5.0, 3.0]
    assert history.without(catalog.row(3)) is history  # not in the history: unchanged
