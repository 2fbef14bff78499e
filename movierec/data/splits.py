"""Train/test splits of a ratings frame, one pure function per evaluation protocol.

Which split answers which question:
- ``random_split``: rating prediction on known users and movies (the TFRS tutorial protocol);
- ``per_user_split``: top-k recommendation for known users, every user represented in test;
- ``temporal_split``: "predict the future from the past", no test rating older than a train rating;
- ``held_out_users_split``: new users (the bot's audience), whose ratings never reach training.

Every function is deterministic for its seed, returns disjoint train and test frames that together
hold every input row exactly once, and keeps the input's index so rows can be traced back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from movierec.data import schema


@dataclass(frozen=True)
class Split:
    """The training and the test ratings; same columns and index labels as the input frame."""

    train: pd.DataFrame
    test: pd.DataFrame


def _check(ratings: pd.DataFrame, fraction: float, what: str) -> None:
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"{what} must be between 0 and 1 (exclusive), got {fraction}")
    if ratings.empty:
        raise ValueError("cannot split an empty ratings frame")


def _split(ratings: pd.DataFrame, is_test: np.ndarray) -> Split:
    return Split(train=ratings[~is_test], test=ratings[is_test])


def random_split(ratings: pd.DataFrame, test_fraction: float = 0.2, seed: int = 42) -> Split:
    """A uniformly random ``test_fraction`` of the ratings (rounded) goes to test."""
    _check(ratings, test_fraction, "test_fraction")
    order = np.random.default_rng(seed).permutation(len(ratings))
    is_test = np.zeros(len(ratings), dtype=bool)
    is_test[order[:round(len(ratings) * test_fraction)]] = True
    return _split(ratings, is_test)


def per_user_split(ratings: pd.DataFrame, test_fraction: float = 0.25, seed: int = 42) -> Split:
    """Each user puts round(n * test_fraction) of their n ratings in test, at least 1 and at most n - 1.

    Users with fewer than 2 ratings stay wholly in train: a user with nothing to learn from, or
    nothing to evaluate, adds no information to a top-k metric.
    """
    _check(ratings, test_fraction, "test_fraction")
    users = ratings[schema.USER_ID].to_numpy()
    random_key = np.random.default_rng(seed).random(len(ratings))
    frame = pd.DataFrame({"user": users, "key": random_key})
    # Position of each rating in a random order within its user: 0, 1, 2, ...
    position = frame.sort_values(["user", "key"], kind="stable").groupby("user").cumcount().reindex(frame.index)
    counts = frame.groupby("user")["user"].transform("size").to_numpy()
    wanted = np.clip(np.rint(counts * test_fraction), 1, counts - 1)
    is_test = (counts >= 2) & (position.to_numpy() < wanted)
    return _split(ratings, is_test)


def temporal_split(ratings: pd.DataFrame, test_fraction: float = 0.2) -> Split:
    """The newest ratings go to test: everything at or after one global cut time.

    The cut is the timestamp of the rating that starts the newest ``test_fraction``; ratings sharing
    that second all go to test, so test can be slightly larger than asked but never overlaps train
    in time.
    """
    _check(ratings, test_fraction, "test_fraction")
    timestamps = np.sort(ratings[schema.TIMESTAMP].to_numpy())
    n_test = max(1, round(len(ratings) * test_fraction))
    cut = timestamps[len(ratings) - n_test]
    return _split(ratings, ratings[schema.TIMESTAMP].to_numpy() >= cut)


def held_out_users_split(ratings: pd.DataFrame, user_fraction: float = 0.2, seed: int = 42) -> Split:
    """A random ``user_fraction`` of the users (at least one) go to test with all their ratings."""
    _check(ratings, user_fraction, "user_fraction")
    users = np.unique(ratings[schema.USER_ID].to_numpy())
    if len(users) < 2:
        raise ValueError("held_out_users_split needs at least two users")
    n_test = min(len(users) - 1, max(1, round(len(users) * user_fraction)))
    test_users = np.random.default_rng(seed).choice(users, size=n_test, replace=False)
    return _split(ratings, np.isin(ratings[schema.USER_ID].to_numpy(), test_users))
