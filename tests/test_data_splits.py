"""Splits: deterministic per seed, disjoint, covering, and each protocol's own promise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movierec.data import schema
from movierec.data.splits import Split, held_out_users_split, per_user_split, random_split, temporal_split

SPLITTERS = {
    "random": lambda r, seed: random_split(r, 0.2, seed),
    "per_user": lambda r, seed: per_user_split(r, 0.25, seed),
    "temporal": lambda r, seed: temporal_split(r, 0.2),
    "held_out_users": lambda r, seed: held_out_users_split(r, 0.2, seed),
}


def _ratings(n_users: int = 30, per_user: int = 12, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_users * per_user
    frame = pd.DataFrame({schema.USER_ID: np.repeat(np.arange(1, n_users + 1), per_user),
                          schema.MOVIE_ID: rng.integers(1, 500, n), schema.USER_RATING: rng.integers(1, 6, n) * 1.0,
                          schema.TIMESTAMP: rng.integers(0, 10_000, n)})
    return frame.set_axis(np.arange(n) * 3 + 7)  # a non-default index, which splits must keep


def _check_partition(ratings: pd.DataFrame, split: Split) -> None:
    assert not set(split.train.index) & set(split.test.index)
    assert sorted([*split.train.index, *split.test.index]) == sorted(ratings.index)
    pd.testing.assert_frame_equal(pd.concat([split.train, split.test]).sort_index(), ratings.sort_index())


@pytest.mark.parametrize("name", SPLITTERS)
def test_partition_and_determinism(name: str) -> None:
    ratings = _ratings()
    first, again, other = (SPLITTERS[name](ratings, seed) for seed in (1, 1, 2))
    _check_partition(ratings, first)
    assert first.test.index.equals(again.test.index)
    if name != "temporal":
        assert not first.test.index.equals(other.test.index)


@settings(max_examples=40, deadline=None)
@given(n_users=st.integers(2, 15), per_user=st.integers(1, 9), seed=st.integers(0, 10_000),
       name=st.sampled_from(sorted(SPLITTERS)))
def test_partition_property(n_users: int, per_user: int, seed: int, name: str) -> None:
    ratings = _ratings(n_users, per_user, seed)
    _check_partition(ratings, SPLITTERS[name](ratings, seed))


def test_random_split_size() -> None:
    assert len(random_split(_ratings(), 0.2).test) == 72  # 360 ratings


def test_per_user_split_is_stratified() -> None:
    ratings = pd.concat([_ratings(), pd.DataFrame({schema.USER_ID: [99], schema.MOVIE_ID: [1],
                                                   schema.USER_RATING: [3.0], schema.TIMESTAMP: [5]}, index=[1])])
    split = per_user_split(ratings, test_fraction=0.25)
    per_user_test = split.test.groupby(schema.USER_ID).size()
    assert (per_user_test.drop(99, errors="ignore") == 3).all() and len(per_user_test) == 30  # 12 * 0.25
    assert 99 in set(split.train[schema.USER_ID]) and 99 not in set(split.test[schema.USER_ID])
    two = per_user_split(pd.DataFrame({schema.USER_ID: [1, 1], schema.MOVIE_ID: [1, 2],
                                       schema.USER_RATING: [3.0, 4.0], schema.TIMESTAMP: [1, 2]}), 0.9)
    assert (len(two.train), len(two.test)) == (1, 1)  # at least one rating stays to learn from


def test_temporal_split_never_looks_back() -> None:
    ratings = _ratings()
    split = temporal_split(ratings, 0.2)
    assert split.train[schema.TIMESTAMP].max() < split.test[schema.TIMESTAMP].min()
    assert len(split.test) >= 72
    tied = pd.DataFrame({schema.USER_ID: [1, 2, 3, 4], schema.MOVIE_ID: [1, 1, 1, 1],
                         schema.USER_RATING: [1.0] * 4, schema.TIMESTAMP: [1, 5, 5, 9]})
    assert temporal_split(tied, 0.5).test[schema.USER_ID].tolist() == [2, 3, 4]  # ties stay together


def test_held_out_users_are_wholly_out_of_train() -> None:
    split = held_out_users_split(_ratings(), user_fraction=0.2)
    test_users = set(split.test[schema.USER_ID])
    assert len(test_users) == 6 and not test_users & set(split.train[schema.USER_ID])


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5])
def test_bad_fractions_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        random_split(_ratings(), bad)
    with pytest.raises(ValueError, match="between 0 and 1"):
        held_out_users_split(_ratings(), bad)


def test_empty_and_single_user_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        per_user_split(_ratings().iloc[:0])
    with pytest.raises(ValueError, match="at least two users"):
        held_out_users_split(_ratings(n_users=1))
