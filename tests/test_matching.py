"""bot.matching: title normalisation and fuzzy lookup, on a tiny catalogue and on the real ML-100k titles."""

import functools
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import title_index
from bot.matching import CONFIDENT_SCORE, EXACT_SCORE, TitleMatcher, normalise_title, title_keys
from bot.title_index import TitleIndex
from movierec.data import schema

DATA_DIR_ENV = "MOVIEREC_DATA_DIR"


def catalogue(rows: list[tuple[int, str, str, int | None, int]]) -> pd.DataFrame:
    """A movies frame with only the columns the matcher may use: (id, raw title, name, year, rating count)."""
    frame = pd.DataFrame(rows, columns=[schema.MOVIE_ID, schema.TITLE, schema.NAME, schema.YEAR, schema.RATING_COUNT])
    frame[schema.DISPLAY_TITLE] = [f"{name} ({year})" if year is not None else name for _, _, name, year, _ in rows]
    frame[schema.YEAR] = frame[schema.YEAR].astype("Int64")
    return frame


TINY = catalogue([
    (1, "Usual Suspects, The (1995)", "The Usual Suspects", 1995, 267),
    (2, "Godfather, The (1972)", "The Godfather", 1972, 413),
    (3, "Godfather: Part II, The (1974)", "The Godfather: Part II", 1974, 209),
    (4, "Seven (Se7en) (1995)", "Seven (Se7en)", 1995, 236),
    (5, "Face/Off (1997)", "Face/Off", 1997, 194),
    (6, "M*A*S*H (1970)", "M*A*S*H", 1970, 206),
    (7, "Fargo (1996)", "Fargo", 1996, 508),
    (8, "Fargo (1952)", "Fargo", 1952, 3),
    (9, "Hamlet (1996)", "Hamlet", 1996, 90),
    (10, "Hamlet (1990)", "Hamlet", 1990, 20),
    (11, "Cité des enfants perdus, La (1995)", "Cité des enfants perdus, La", 1995, 40),
    (12, "Star Trek IV: The Voyage Home (1986)", "Star Trek IV: The Voyage Home", 1986, 171),
    (13, "L.A. Confidential (1997)", "L.A. Confidential", 1997, 297),
    (14, "Untitled", "Untitled", None, 1),
])


@pytest.fixture(scope="module")
def tiny() -> TitleMatcher:
    return TitleMatcher(TINY)


def best_id(matcher: TitleMatcher, query: str) -> int | None:
    found = matcher.match(query)
    return found[0].movie_id if found else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Godfather", "godfather"),
        ("Godfather, The", "godfather"),
        ("Godfather: Part II, The", "godfather 2"),
        ("godfather part two", "godfather 2"),
        ("L.A. Confidential", "la confidential"),
        ("E.T. the Extra-Terrestrial", "et the extra terrestrial"),
        ("M*A*S*H", "mash"),
        ("Face/Off", "face off"),
        ("Batman & Robin", "batman and robin"),
        ("Cité des Enfants", "cite des enfants"),
        ("Star Trek IV", "star trek 4"),
        ("Twelve Angry Men", "12 angry men"),
        ("Schindler's List", "schindlers list"),
        ("The", "the"),
        ("?!", ""),
    ],
)
def test_normalise_title(text: str, expected: str) -> None:
    assert normalise_title(text) == expected


def test_title_keys_index_aliases_joined_spellings_and_numbered_heads() -> None:
    full, heads = title_keys("Seven (Se7en) (1995)", "Seven (Se7en)")
    assert {"7", "se7en"} <= full
    full, _ = title_keys("Face/Off (1997)", "Face/Off")
    assert {"face off", "faceoff"} <= full
    full, heads = title_keys("Star Trek IV: The Voyage Home (1986)", "Star Trek IV: The Voyage Home")
    assert heads == {"star trek 4"} and "star trek 4 the voyage home" in full
    full, _ = title_keys("Land Before Time III (1995) (V)", "Land Before Time III (1995) (V)")
    assert "5" not in full  # "(V)" is a release note, not an alternate title


@pytest.mark.parametrize(
    ("query", "movie_id"),
    [
        ("the usual suspects", 1),
        ("Usual Suspects, The", 1),
        ("usual suspects", 1),
        ("godfather", 2),
        ("godfather 2", 3),
        ("godfather part ii", 3),
        ("Godfather part two", 3),
        ("seven", 4),
        ("se7en", 4),
        ("faceoff", 5),
        ("face off", 5),
        ("mash", 6),
        ("fargo", 7),  # tie on the title: the much-rated film wins
        ("fargo 1952", 8),  # the year decides
        ("fargo (1952)", 8),
        ("la cite des enfants perdus", 11),
        ("star trek 4", 12),
        ("L.A. confidential", 13),
        ("usaul suspects", 1),
        ("godfathr", 2),
        ("fargp", 7),  # one slip in a short word: offered first, though not trusted (below)
        ("ufsual suspects", 1),
    ],
)
def test_match_on_tiny_catalogue(tiny: TitleMatcher, query: str, movie_id: int) -> None:
    assert best_id(tiny, query) == movie_id


def test_scores_sorted_and_exact_only_for_literal_titles(tiny: TitleMatcher) -> None:
    found = tiny.match("godfather", limit=5)
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
    assert found[0].score == EXACT_SCORE and found[1].score < EXACT_SCORE
    assert tiny.match("usaul suspects")[0].score < EXACT_SCORE
    assert tiny.match("star trek 4")[0].score < EXACT_SCORE  # only the head of the title was typed
    hamlets = tiny.match("hamlet")
    assert [m.movie_id for m in hamlets[:2]] == [9, 10] and hamlets[1].score == EXACT_SCORE


def test_typo_credit_needs_the_same_numbers(tiny: TitleMatcher) -> None:
    assert tiny.match("usaul suspects")[0].score == 93.0  # one slip, same (no) numbers
    # "godfather 3" is not a slip of "godfather 2": numbers name different films, so neither is trusted.
    assert all(m.score < CONFIDENT_SCORE for m in tiny.match("godfather 3"))


def test_a_slip_in_a_very_short_query_is_only_a_hint(tiny: TitleMatcher) -> None:
    best = tiny.match("fargp")[0]
    assert best.movie_id == 7 and best.score < CONFIDENT_SCORE
    assert tiny.match("mash")[0].score == EXACT_SCORE  # typed exactly, a short title is still taken


def test_is_title_start(tiny: TitleMatcher) -> None:
    assert tiny.is_title_start("The Usual") and tiny.is_title_start("star trek 4")
    assert not tiny.is_title_start("usual suspects") and not tiny.is_title_start("") and not tiny.is_title_start("sus")


def test_wrong_year_lowers_but_does_not_hide(tiny: TitleMatcher) -> None:
    found = tiny.match("seven 1990")
    assert found and found[0].movie_id == 4 and found[0].score < EXACT_SCORE


def test_a_year_no_movie_has_stays_a_number_of_the_title(tiny: TitleMatcher) -> None:
    # no film of 2000 here, so "2000" is a title number Fargo lacks: only a hint, never a confident match
    found = tiny.match("fargo 2000")
    assert found and found[0].movie_id == 7 and found[0].score < CONFIDENT_SCORE
    assert not tiny.is_exact("fargo 2000") and tiny.is_exact("fargo 1996")


@pytest.mark.parametrize("query", ["", "   ", "?!?", "the", "of the", "zzzzqqqq", "x" * 10_000])
def test_garbage_gives_nothing(tiny: TitleMatcher, query: str) -> None:
    assert tiny.match(query) == []


def test_limit_and_is_exact(tiny: TitleMatcher) -> None:
    assert len(tiny.match("godfather", limit=1)) == 1
    assert tiny.match("godfather", limit=0) == []
    assert tiny.is_exact("Godfather, The (1972)") and tiny.is_exact("se7en")
    assert not tiny.is_exact("star trek 4") and not tiny.is_exact("godfathr")


def test_series_lists_titles_starting_with_the_query(tiny: TitleMatcher) -> None:
    assert [m.movie_id for m in tiny.series("godfather")] == [2, 3]
    assert [m.movie_id for m in tiny.series("fargo")] == [7, 8]
    assert tiny.series("god") == [] and tiny.series("") == []


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_match_never_raises(query: str) -> None:
    found = TitleMatcher(TINY).match(query)
    assert all(0 <= m.score <= EXACT_SCORE for m in found)
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def crowded_catalogue(size: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Titles made of few words, like big catalogues' commonest ones: every word start has hundreds of titles."""
    rng = np.random.default_rng(seed)
    words = "red night love man star dark blue lost city king time road ghost queen fire dream".split()
    rows = []
    for movie_id in range(1, size + 1):
        name = " ".join(rng.choice(words, int(rng.integers(1, 4)))).title()
        year = int(rng.integers(1950, 2020))
        rows.append((movie_id, f"{name} ({year})", name, year, int(rng.integers(0, 500))))
    return catalogue(rows)


def crowded_queries(movies: pd.DataFrame) -> list[str]:
    rng = np.random.default_rng(1)
    queries = ["red", "nigth", "love man", "man love", "star dark blu", "dream (1990)", "ghost queen 1975", "k", "ro"]
    for name, year in zip(movies[schema.NAME].head(60), movies[schema.YEAR].head(60), strict=True):
        cut = int(rng.integers(1, len(name)))
        queries += [name.lower(), name[:cut] + name[cut + 1:], f"{name} ({year})", f"{name} {year + 1}"]
    return queries


def test_bounded_search_matches_scoring_every_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scoring only the keys whose bound can reach the best few must not change any answer."""
    movies = crowded_catalogue()
    matcher = TitleMatcher(movies)
    queries = crowded_queries(movies)
    bounded = [matcher.match(query, limit=limit) for query in queries for limit in (1, 5, 8)]
    monkeypatch.setattr(title_index, "_SCORE_ALL_UP_TO", 10**9)
    assert bounded == [matcher.match(query, limit=limit) for query in queries for limit in (1, 5, 8)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeé 12xyz-&", max_size=24), st.lists(st.text(alphabet="abcdeé 12xyz-&", max_size=30),
                                                                   min_size=1, max_size=8))
def test_match_bounds_never_below_scores(query: str, stored: list[str]) -> None:
    keys = [normalise_title(text) or "x" for text in stored]
    key = normalise_title(query)
    if not key:
        return
    index = TitleIndex(keys, list(range(len(keys))), [False] * len(keys), np.full(len(keys), np.nan))
    ids = np.arange(len(keys))
    assert (index.upper_bounds(key, ids) >= index.scores(key, ids) - 1e-3).all()


# --- the real MovieLens 100k titles -------------------------------------------------------------


@functools.cache
def real_movies() -> pd.DataFrame:
    """The ML-100k catalogue through the project's loader; the test is skipped without the data."""
    data_dir = os.environ.get(DATA_DIR_ENV)
    if not data_dir or not Path(data_dir).is_dir():
        pytest.skip(f"{DATA_DIR_ENV} is unset or not a folder: the real MovieLens 100k titles are needed")
    from movierec.data.loaders import load_movielens

    return load_movielens(data_dir).movies


@pytest.fixture(scope="module")
def real() -> TitleMatcher:
    return TitleMatcher(real_movies())


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("query", "display_title"),
    [
        ("godfather 2", "The Godfather: Part II (1974)"),
        ("godfather part ii", "The Godfather: Part II (1974)"),
        ("godfather part two", "The Godfather: Part II (1974)"),
        ("The Godfather", "The Godfather (1972)"),
        ("Godfather, The", "The Godfather (1972)"),
        ("star trek 4", "Star Trek IV: The Voyage Home (1986)"),
        ("forest gump", "Forrest Gump (1994)"),
        ("fargo 1996", "Fargo (1996)"),
        ("fargo (1996)", "Fargo (1996)"),
        ("blues brothers 2000", "Blues Brothers 2000 (1998)"),  # a title, not The Blues Brothers of 2000
        ("seven", "Seven (Se7en) (1995)"),
        ("se7en", "Seven (Se7en) (1995)"),
        ("face off", "Face/Off (1997)"),
        ("faceoff", "Face/Off (1997)"),
        ("mash", "M*A*S*H (1970)"),
        ("la confidential", "L.A. Confidential (1997)"),
        ("et", "E.T. the Extra-Terrestrial (1982)"),
        ("usual suspects", "The Usual Suspects (1995)"),
        ("Usual Suspects, The", "The Usual Suspects (1995)"),
        ("good the bad and the ugly", "The Good, The Bad and The Ugly (1966)"),
        ("8 1/2", "8 1/2 (1963)"),
        ("alien 3", "Alien 3 (1992)"),
        ("twelve angry men", "12 Angry Men (1957)"),
        ("2001 a space odyssey", "2001: A Space Odyssey (1968)"),
        ("apollo 13", "Apollo 13 (1995)"),
        ("die hard 2", "Die Hard 2 (1990)"),
        ("batman & robin", "Batman & Robin (1997)"),
        ("batman and robin", "Batman & Robin (1997)"),
        ("shawshank", "The Shawshank Redemption (1994)"),
    ],
)
def test_real_titles(real: TitleMatcher, query: str, display_title: str) -> None:
    assert real.match(query)[0].display_title == display_title


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("query", "display_title"),
    [
        ("toy story 2", "Toy Story (1995)"),  # another number: another film
        ("back to the future part 2", "Back to the Future (1985)"),
        ("robocop 4", "Robocop 3 (1993)"),
        ("robocop", "Robocop 3 (1993)"),  # a number the query lacks counts too
        ("rocky", "The Rock (1996)"),  # a slip away from another word
        ("more", "The Island of Dr. Moreau (1996)"),  # inside a longer title
        ("yes", "The House of Yes (1997)"),
    ],
)
def test_real_hints_are_offered_below_the_confident_score(real: TitleMatcher, query: str,
                                                           display_title: str) -> None:
    best = real.match(query)[0]
    assert best.display_title == display_title and best.score < CONFIDENT_SCORE


@pytest.mark.realdata
def test_real_titles_within_a_query_numbers_and_numberless_sequels(real: TitleMatcher) -> None:
    assert [m.display_title for m in real.titles_within("Star Wars: Episode IV - A New Hope")] == ["Star Wars (1977)"]
    assert real.titles_within("Fargo") == [] and real.titles_within("") == []
    assert real.title_numbers(230) == {4} and real.title_numbers(28) == {13}  # Star Trek IV, Apollo 13
    assert real.title_numbers(100) == frozenset() and real.title_numbers(10**9) == frozenset()
    sequels = [m.display_title for m in real.unnumbered_series("star trek 2")]
    assert "Star Trek: The Wrath of Khan (1982)" in sequels and not any(" I" in title for title in sequels)
    assert real.unnumbered_series("star trek") == [] and real.unnumbered_series("2") == []


@pytest.mark.realdata
def test_real_garbage_and_series(real: TitleMatcher) -> None:
    assert real.match("") == [] and real.match("?!") == [] and real.match("the") == []
    assert {m.display_title for m in real.series("batman")} == {
        "Batman (1989)", "Batman Returns (1992)", "Batman Forever (1995)", "Batman & Robin (1997)",
    }
    assert len(real.series("star trek")) >= 6
