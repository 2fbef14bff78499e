"""The callback_data codec: compact, round-trips, and refuses anything it did not produce."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.conversation import callbacks as cb
from movierec.data.schema import GENRES

movie_ids = st.integers(1, cb.MAX_MOVIE_ID)
actions = st.one_of(
    st.builds(cb.Rate, movie_ids, st.integers(1, 10)),
    st.builds(cb.ShowMovie, movie_ids),
    st.builds(cb.Unrate, movie_ids),
    st.builds(cb.Similar, movie_ids),
    st.builds(cb.NotInterested, movie_ids),
    st.builds(cb.Onboard, movie_ids, st.integers(0, 10), st.integers(0, cb.MAX_PAGE)),
    st.builds(cb.More, st.integers(1, 2**53), st.integers(1, cb.MAX_PICKS),
              st.lists(st.sampled_from(GENRES), max_size=cb.MAX_GENRES, unique=True)
              .map(lambda picked: tuple(g for g in GENRES if g in picked))),
    st.builds(cb.RatingsPage, st.integers(0, cb.MAX_PAGE)),
    st.builds(cb.Forget, st.integers(1, 2**53), st.integers(0, 2**34), st.booleans()),
    st.one_of(*(st.builds(kind, movie_ids) for kind in (cb.Seen, cb.Save, cb.Unsave, cb.Details))),
    st.builds(cb.WatchlistPage, st.integers(0, cb.MAX_PAGE)),
    st.builds(cb.Group, st.tuples(*[movie_ids] * cb.GROUP_SIZE)),
    st.just(cb.GroupsDone()),
    st.builds(cb.UnlikeGroup, st.integers(1, 2**53)),
    st.builds(cb.Answer, st.integers(0, cb.MAX_QUESTION_ROUND), st.one_of(
        st.builds(cb.Rate, movie_ids, st.integers(1, 10)),
        *(st.builds(kind, movie_ids) for kind in (cb.ShowMovie, cb.Unrate, cb.Similar, cb.Details)))),
)


@given(actions)
def test_every_action_round_trips_within_64_bytes(action: cb.Action) -> None:
    data = cb.encode(action)
    assert len(data.encode("utf-8")) <= cb.MAX_BYTES
    assert cb.decode(data) == action


@given(st.one_of(st.none(), st.text(max_size=80), st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
                 st.text(st.characters(codec=None, categories=["Cs", "Nd", "Po"]), max_size=20)))
def test_decode_never_raises(data: str | None) -> None:
    result = cb.decode(data)
    assert result is None or cb.encode(result) == data


@given(actions, st.data())
def test_truncated_data_is_refused_or_is_another_valid_action(action: cb.Action, data: st.DataObject) -> None:
    encoded = cb.encode(action)
    cut = data.draw(st.integers(0, len(encoded) - 1))
    decoded = cb.decode(encoded[:cut])
    assert decoded is None or cb.encode(decoded) == encoded[:cut]


def test_examples() -> None:
    assert cb.encode(cb.Rate(242, 9)) == "1|r|242|9"
    assert cb.encode(cb.More(1234, 5, ("Sci-Fi",))) == "1|t|1234|5|15"  # as before several genres
    assert cb.encode(cb.More(1234, 5, ("Comedy", "Romance"))) == "1|t|1234|5|4.14"
    assert cb.encode(cb.More(1234, 5)) == "1|t|1234|5|-"
    assert cb.decode("1|x|50") == cb.NotInterested(50)
    assert cb.encode(cb.Answer(3, cb.Rate(242, 9))) == "1|a|3|r|242|9"
    assert cb.decode("1|a|0|c|50") == cb.Answer(0, cb.ShowMovie(50))


@pytest.mark.parametrize("data", [
    "", "1", "1|", "1|r", "1|r|242", "1|r|242|0", "1|r|242|11", "1|r|0|5", "1|r|-5|5", "1|r|+5|5", "1|r|05|5",
    "1|r|242|9|", "2|r|242|9", "0|r|242|9", "1|R|242|9", "1|r| 242|9", "1|r|242|9\n", "1|q|1",
    "1|t|0|5|-", "1|t|7|0|-", "1|t|7|11|-", "1|t|7|5|21", "1|t|7|5", "1|m|5|1|-", "1|o|1|11|0", "1|f|0|5|y", "1|f|5|5|maybe",
    "1|r|٢٤٢|9", "1|r|" + "9" * 60, "1|g|1|2|3", "1|g|1|2|3|0", "1|g|1|2|3|4|5", "1|n|", "1|h|0", "1|v|0",
    "1|a|0", "1|a|0|", "1|a|01|c|5", "1|a|0|x|5", "1|a|0|a|0|c|5", "1|a|0|r|5|11", "1|a|1000000000000001|c|5",
    "1|t|1|5|14.4", "1|t|1|5|4.4", "1|t|1|5|1.2.3.4", "1|t|1|5|4.21", "1|t|1|5|4.", "1|t|1|5|04",
    "1|a|0|c|5\n", "1|c|\ud800", "\udfff",  # lone surrogates: JSON can carry them
])
def test_forged_or_stale_data_decodes_to_none(data: str) -> None:
    assert cb.decode(data) is None


def test_encoding_an_out_of_range_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        cb.encode(cb.Rate(1, 11))
    with pytest.raises(ValueError):
        cb.encode(cb.Answer(0, cb.NotInterested(1)))  # not something a "which movie?" button does
