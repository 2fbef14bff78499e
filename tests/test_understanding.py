"""bot.understanding: every documented example on the real ML-100k titles, a tiny catalogue, and properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching import TitleMatch, TitleMatcher
from bot.parsing import MAX_PIECES
from bot.understanding import (
    Ambiguous,
    InvalidRating,
    MessageUnderstanding,
    NotFound,
    Rated,
    TitleOnly,
    TooMany,
    Understood,
)
from tests.test_matching import TINY, catalogue, real_movies


@pytest.fixture(scope="module")
def tiny() -> MessageUnderstanding:
    return MessageUnderstanding(TitleMatcher(TINY))


@pytest.fixture(scope="module")
def real() -> MessageUnderstanding:
    return MessageUnderstanding(TitleMatcher(real_movies()))


def only(results: list[Understood]) -> Understood:
    assert len(results) == 1, results
    return results[0]


# --- tiny catalogue --------------------------------------------------------------------------------


def test_rated_and_title_only(tiny: MessageUnderstanding) -> None:
    assert only(tiny.understand("Godfather, The 4.5")) == Rated(2, "The Godfather (1972)", 4.5, "Godfather, The 4.5")
    assert only(tiny.understand("se7en")) == TitleOnly(4, "Seven (Se7en) (1995)", "se7en")


def test_same_title_twice_is_ambiguous_and_the_year_settles_it(tiny: MessageUnderstanding) -> None:
    result = only(tiny.understand("Hamlet 4"))
    assert isinstance(result, Ambiguous) and result.stars == 4.0
    assert {c.movie_id for c in result.candidates} == {9, 10}
    assert only(tiny.understand("Hamlet (1990) 4")) == Rated(10, "Hamlet (1990)", 4.0, "Hamlet (1990) 4")


def test_sequel_number_or_rating_is_asked(tiny: MessageUnderstanding) -> None:
    # "godfather 2" is the exact title of Part II: shown with rating buttons, never rated 2 stars.
    assert only(tiny.understand("godfather 2")) == TitleOnly(3, "The Godfather: Part II (1974)", "godfather 2")
    assert only(tiny.understand("godfather part ii 2")) == Rated(3, "The Godfather: Part II (1974)", 2.0,
                                                                  "godfather part ii 2")


def test_not_found_and_invalid(tiny: MessageUnderstanding) -> None:
    result = only(tiny.understand("zzzz qqqq 4"))
    assert isinstance(result, NotFound) and result.raw == "zzzz qqqq 4"
    result = only(tiny.understand("fargo 7"))
    assert isinstance(result, InvalidRating) and result.value_text == "7" and "0.5" in result.reason
    result = only(tiny.understand("zzzz: 9"))
    assert isinstance(result, InvalidRating)  # an explicit value is judged even when the title is unknown


def test_near_ties_are_ambiguous() -> None:
    understanding = MessageUnderstanding(TitleMatcher(catalogue([
        (1, "Heat Wave (1990)", "Heat Wave", 1990, 10),
        (2, "Heat Rave (1991)", "Heat Rave", 1991, 10),
    ])))
    result = only(understanding.understand("heat ave 3.5"))
    assert isinstance(result, Ambiguous) and result.stars == 3.5 and len(result.candidates) == 2


def test_too_many_pieces(tiny: MessageUnderstanding) -> None:
    results = tiny.understand(", ".join(["se7en 4"] * (MAX_PIECES + 3)))
    assert len(results) == MAX_PIECES + 1
    assert all(isinstance(r, Rated) for r in results[:-1]) and results[-1] == TooMany(MAX_PIECES)


@pytest.mark.parametrize(("text", "expected"), [
    ("hello", False), ("thanks!", False), ("", False), ("Fargo 5", True), ("se7en", True), ("Fargo ⭐⭐", True),
])
def test_is_rating_like(tiny: MessageUnderstanding, text: str, expected: bool) -> None:
    assert tiny.is_rating_like(text) is expected


# --- the real ML-100k titles: every example of the brief --------------------------------------------


RATED = [
    ("Fargo 5", "Fargo (1996)", 5.0),
    ("the godfather - 4/5", "The Godfather (1972)", 4.0),
    ("Heat: 4.5", "Heat (1995)", 4.5),
    ("Casablanca ⭐⭐⭐⭐⭐", "Casablanca (1942)", 5.0),
    ("Casablanca ★★★★", "Casablanca (1942)", 4.0),
    ("rate Toy Story 4 stars", "Toy Story (1995)", 4.0),
    ("Toy Story 4 stars", "Toy Story (1995)", 4.0),
    ("Heat 3.5/5", "Heat (1995)", 3.5),
    ("Fargo 10/10", "Fargo (1996)", 5.0),
    ("Fargo 4,5", "Fargo (1996)", 4.5),
    ("Fargo five", "Fargo (1996)", 5.0),
    ("2001: A Space Odyssey 5", "2001: A Space Odyssey (1968)", 5.0),
    ("12 Angry Men 4", "12 Angry Men (1957)", 4.0),
    ("Apollo 13 4", "Apollo 13 (1995)", 4.0),
    ("Die Hard 2 3", "Die Hard 2 (1990)", 3.0),
    ("Alien 3 2", "Alien 3 (1992)", 2.0),
    ("8 1/2 5", "8 1/2 (1963)", 5.0),
    ("Seven 4", "Seven (Se7en) (1995)", 4.0),
    ("Se7en 5", "Seven (Se7en) (1995)", 5.0),
    ("Usual Suspects, The 5", "The Usual Suspects (1995)", 5.0),
    ("Good, the Bad and the Ugly, The 4", "The Good, The Bad and The Ugly (1966)", 4.0),
    ("godfather part two 5", "The Godfather: Part II (1974)", 5.0),
    ("forest gump 4", "Forrest Gump (1994)", 4.0),
    ("fargo (1996) 4", "Fargo (1996)", 4.0),
    ("Face/Off 4", "Face/Off (1997)", 4.0),
    ("M*A*S*H 3", "M*A*S*H (1970)", 3.0),
    ("L.A. Confidential 5", "L.A. Confidential (1997)", 5.0),
    ("E.T. the Extra-Terrestrial 4", "E.T. the Extra-Terrestrial (1982)", 4.0),
    ("Batman & Robin 1", "Batman & Robin (1997)", 1.0),
    ("Sex, Lies, and Videotape - 4/5", "Sex, Lies, and Videotape (1989)", 4.0),
    ("jumnaji 4", "Jumanji (1995)", 4.0),
    ("godleneye: 3", "GoldenEye (1995)", 3.0),
    # ratings written in other common ways
    ("Fargo 4*", "Fargo (1996)", 4.0),
    ("Fargo (5)", "Fargo (1996)", 5.0),
    ("Fargo [4]", "Fargo (1996)", 4.0),
    ("Fargo 3 stars out of 5", "Fargo (1996)", 3.0),
    ("Fargo 3 1/2", "Fargo (1996)", 3.5),
    ("Fargo ***", "Fargo (1996)", 3.0),
    ("Fargo 🌟🌟🌟", "Fargo (1996)", 3.0),
    ("M*A*S*H ***", "M*A*S*H (1970)", 3.0),
    ("Apollo 13 (4)", "Apollo 13 (1995)", 4.0),
    # a number that could be a year but is part of the title: never the film without it
    ("Blues Brothers 2000 4", "Blues Brothers 2000 (1998)", 4.0),
    ("blues brothers 2000 3", "Blues Brothers 2000 (1998)", 3.0),
    ("Blues Brothers 2000: 4", "Blues Brothers 2000 (1998)", 4.0),
    ("The Blues Brothers 1980 4", "The Blues Brothers (1980)", 4.0),
    ("Fargo 1996 5", "Fargo (1996)", 5.0),
    # a full title and a number no film of its series could be the sequel of: stars for that title
    ("Ghost 4", "Ghost (1990)", 4.0),
    ("Ghost 3", "Ghost (1990)", 3.0),
    ("The Shadow 3", "The Shadow (1994)", 3.0),
    ("Naked 3", "Naked (1993)", 3.0),
    ("The War 3", "The War (1994)", 3.0),
]


@pytest.mark.realdata
@pytest.mark.parametrize(("text", "display_title", "stars"), RATED)
def test_real_rated(real: MessageUnderstanding, text: str, display_title: str, stars: float) -> None:
    result = only(real.understand(text))
    assert isinstance(result, Rated), result
    assert (result.display_title, result.stars, result.raw) == (display_title, stars, text)


@pytest.mark.realdata
@pytest.mark.parametrize(("text", "display_title"), [
    ("Alien 3", "Alien 3 (1992)"),
    ("Apollo 13", "Apollo 13 (1995)"),
    ("Die Hard 2", "Die Hard 2 (1990)"),
    ("godfather 2", "The Godfather: Part II (1974)"),
    ("8 1/2", "8 1/2 (1963)"),
    ("Seven", "Seven (Se7en) (1995)"),
    ("12 Angry Men", "12 Angry Men (1957)"),
    ("2001: A Space Odyssey", "2001: A Space Odyssey (1968)"),
    ("Blues Brothers 2000", "Blues Brothers 2000 (1998)"),
])
def test_real_title_only(real: MessageUnderstanding, text: str, display_title: str) -> None:
    result = only(real.understand(text))
    assert isinstance(result, TitleOnly) and result.display_title == display_title, result


@pytest.mark.realdata
@pytest.mark.parametrize(("text", "must_offer", "stars", "numbered"), [
    # the n-th film or n stars: the film whose title holds n means the sequel, the others n stars
    ("star trek 4", {"Star Trek IV: The Voyage Home (1986)", "Star Trek: First Contact (1996)"}, 4.0,
     {"Star Trek IV: The Voyage Home (1986)"}),
    ("batman 3", {"Batman (1989)", "Batman Forever (1995)"}, 3.0, set()),
    ("Batman 2", {"Batman (1989)", "Batman Returns (1992)"}, 2.0, set()),
    ("Fear 4", {"Fear (1996)", "The Fear (1995)"}, 4.0, set()),  # two films of that very title
    ("die hard 3", {"Die Hard (1988)", "Die Hard: With a Vengeance (1995)"}, 3.0, set()),
    ("star trek", {"Star Trek IV: The Voyage Home (1986)", "Star Trek: The Wrath of Khan (1982)"}, None, set()),
])
def test_real_ambiguous(real: MessageUnderstanding, text: str, must_offer: set[str], stars: float | None,
                        numbered: set[str]) -> None:
    result = only(real.understand(text))
    assert isinstance(result, Ambiguous), result
    titles = {c.movie_id: c.display_title for c in result.candidates}
    assert must_offer <= set(titles.values())
    assert result.stars == stars and {titles[m] for m in result.numbered} == numbered
    assert {c.display_title: result.stars_for(c.movie_id) for c in result.candidates
            if c.display_title in numbered} == dict.fromkeys(numbered)


@pytest.mark.realdata
@pytest.mark.parametrize(("text", "query", "stars", "offered"), [
    # another number than the title's, or a slip of a very short word: asked about, never rated
    ("back to the future part 2 4", "back to the future part 2", 4.0, "Back to the Future (1985)"),
    ("toy story 2 5", "toy story 2", 5.0, "Toy Story (1995)"),
    ("robocop 4", "robocop", 4.0, "Robocop 3 (1993)"),
    ("robocop 2 3", "robocop 2", 3.0, "Robocop 3 (1993)"),
    ("rocky 3", "rocky", 3.0, "The Rock (1996)"),
    # a sequel number no title has: the series' films without a number are offered, with the stars
    ("star trek 2 5", "star trek 2", 5.0, "Star Trek: The Wrath of Khan (1982)"),
    ("star trek ii 5", "star trek ii", 5.0, "Star Trek: The Wrath of Khan (1982)"),
    ("Star Trek 2 The Wrath of Khan 5", "Star Trek 2 The Wrath of Khan", 5.0, "Star Trek: The Wrath of Khan (1982)"),
    # a longer name than the catalogue's: the title it starts with is offered
    ("Star Wars: Episode IV - A New Hope 5", "Star Wars: Episode IV - A New Hope", 5.0, "Star Wars (1977)"),
])
def test_real_near_misses_are_offered_with_their_stars(real: MessageUnderstanding, text: str, query: str,
                                                        stars: float, offered: str) -> None:
    result = only(real.understand(text))
    assert isinstance(result, NotFound), result
    assert (result.query, result.stars) == (query, stars)
    assert offered in [s.display_title for s in result.suggestions]


@pytest.mark.realdata
def test_real_ratings_typed_without_separators(real: MessageUnderstanding) -> None:
    results = real.understand("Fargo 5 Heat 4")
    assert [(r.display_title, r.stars) for r in results if isinstance(r, Rated)] == [
        ("Fargo (1996)", 5.0), ("Heat (1995)", 4.0)]
    results = real.understand("Die Hard 2 3 Apollo 13 4 Alien 3 2")
    assert [(r.display_title, r.stars) for r in results if isinstance(r, Rated)] == [
        ("Die Hard 2 (1990)", 3.0), ("Apollo 13 (1995)", 4.0), ("Alien 3 (1992)", 2.0)]
    # only when every part is a confident rating: otherwise the piece is reported as not found, and its
    # suggestions carry no stars, since the text still holds another movie's rating
    result = only(real.understand("Fargo 5 qwxzzy 4"))
    assert isinstance(result, NotFound) and result.stars is None
    results = real.understand("Fargo 5 Heat 4 " * 15)  # such ratings count towards the limit too
    assert len(results) == MAX_PIECES + 1 and results[-1] == TooMany(MAX_PIECES)


@pytest.mark.realdata
@pytest.mark.parametrize(("text", "expected"), [
    ("Fargo 5 and Heat 4", [("Fargo (1996)", 5.0, "Fargo 5"), ("Heat (1995)", 4.0, "Heat 4")]),
    ("Fargo 5 & Heat 4", [("Fargo (1996)", 5.0, "Fargo 5"), ("Heat (1995)", 4.0, "Heat 4")]),
    ("Fargo 5 + Heat 4", [("Fargo (1996)", 5.0, "Fargo 5"), ("Heat (1995)", 4.0, "Heat 4")]),
    ("Fargo 5. Heat 4.", [("Fargo (1996)", 5.0, "Fargo 5"), ("Heat (1995)", 4.0, "Heat 4.")]),
    ("heat=4/5 casablanca=5/5", [("Heat (1995)", 4.0, "heat=4/5"), ("Casablanca (1942)", 5.0, "casablanca=5/5")]),
    ("Fargo 5 stars and Heat 4 stars", [("Fargo (1996)", 5.0, "Fargo 5 stars"), ("Heat (1995)", 4.0, "Heat 4 stars")]),
    ("Fargo 5, Heat 4 and Casablanca 3", [("Fargo (1996)", 5.0, "Fargo 5"), ("Heat (1995)", 4.0, "Heat 4"),
                                          ("Casablanca (1942)", 3.0, "Casablanca 3")]),
    ("Sense and Sensibility 5", [("Sense and Sensibility (1995)", 5.0, "Sense and Sensibility 5")]),
])
def test_real_ratings_joined_by_and_or_a_full_stop(real: MessageUnderstanding, text: str,
                                                   expected: list[tuple[str, float, str]]) -> None:
    results = real.understand(text)
    assert all(isinstance(r, Rated) for r in results), results
    assert [(r.display_title, r.stars, r.raw) for r in results if isinstance(r, Rated)] == expected


@pytest.mark.realdata
def test_real_a_joined_title_not_found_keeps_the_rating_before_it(real: MessageUnderstanding) -> None:
    rated, missing = real.understand("Fargo 5 and Heta 4")
    assert isinstance(rated, Rated) and (rated.display_title, rated.stars) == ("Fargo (1996)", 5.0)
    assert isinstance(missing, NotFound) and (missing.query, missing.stars) == ("Heta", 4.0)


@pytest.mark.realdata
def test_real_unreadable_rating_after_a_title_is_reported(real: MessageUnderstanding) -> None:
    result = only(real.understand("Fargo A+"))
    assert isinstance(result, TitleOnly) and (result.display_title, result.unread) == ("Fargo (1996)", "A+")
    assert only(real.understand("Fargo")) == TitleOnly(100, "Fargo (1996)", "Fargo")


@pytest.mark.realdata
@pytest.mark.parametrize(("text", "display_title"), [
    ("star trek 4", "Star Trek IV: The Voyage Home (1986)"),  # no rating can follow a command's title
    ("alien 3", "Alien 3 (1992)"),
    ("Sex, Lies, and Videotape", "Sex, Lies, and Videotape (1989)"),
    ("Fargo 5", "Fargo (1996)"),  # not a title: then read as a rating message
    ("Blues Brothers 2000", "Blues Brothers 2000 (1998)"),
])
def test_real_title_of_a_command(real: MessageUnderstanding, text: str, display_title: str) -> None:
    result = real.understand_title(text)
    assert isinstance(result, TitleOnly | Rated) and result.display_title == display_title, result
    assert isinstance(real.understand_title("star trek"), Ambiguous)


@pytest.mark.realdata
@pytest.mark.parametrize(("text", "expected"), [
    ("thanks", True), ("Thanks!", True), ("more", True), ("yes", True), ("cool", True), ("ok", True),
    ("ok thanks", True), ("hi there", True), ("hello", True), ("no", True),
    ("Good Morning", True), ("good evening!", True),  # greetings, even where a title (Good Morning, 1971)
    ("Good Morning 4", False), ("Fargo", False), ("thanks for everything", False), ("", False),
])
def test_real_small_talk(real: MessageUnderstanding, text: str, expected: bool) -> None:
    assert real.is_small_talk(text) is expected


@pytest.mark.realdata
@pytest.mark.parametrize(("text", "value_text"), [
    ("Fargo 0", "0"), ("Fargo 6", "6"), ("Fargo -1", "-1"), ("Fargo 4.7", "4.7"), ("Fargo 4.25", "4.25"),
    ("Fargo nan", "nan"), ("Fargo inf", "inf"), ("Fargo 1e309", "1e309"), ("Heat ★★★★★★", "★★★★★★"),
    ("Heat 11/10", "11/10"),
])
def test_real_invalid_ratings(real: MessageUnderstanding, text: str, value_text: str) -> None:
    result = only(real.understand(text))
    assert isinstance(result, InvalidRating), result
    assert result.value_text == value_text and result.reason and result.query in ("Fargo", "Heat")


@pytest.mark.realdata
def test_real_multi_piece_message(real: MessageUnderstanding) -> None:
    results = real.understand("Fargo 5, Heat 4\nUsual Suspects, The 5; Alien 3 2, qwxzzy 3")
    assert [type(r) for r in results] == [Rated, Rated, Rated, Rated, NotFound]
    assert [r.stars for r in results[:4]] == [5.0, 4.0, 5.0, 2.0]


@pytest.mark.realdata
@pytest.mark.parametrize(("text", "expected"), [("hello", False), ("how are you?", False), ("Fargo 5", True),
                                                ("the godfather", True), ("rocky", True), ("alein", True)])
def test_real_is_rating_like(real: MessageUnderstanding, text: str, expected: bool) -> None:
    assert real.is_rating_like(text) is expected


# --- properties ----------------------------------------------------------------------------------


def assert_well_formed(result: Understood) -> None:
    match result:
        case Rated(stars=stars) | Ambiguous(stars=stars) if stars is not None:
            assert 0.5 <= stars <= 5 and stars * 2 == int(stars * 2)
    match result:
        case Ambiguous(candidates=candidates):
            assert len(candidates) >= 2 and all(isinstance(c, TitleMatch) for c in candidates)
            assert len({c.movie_id for c in candidates}) == len(candidates)
        case NotFound(suggestions=suggestions):
            assert all(isinstance(s, TitleMatch) for s in suggestions)
        case InvalidRating(reason=reason):
            assert reason
        case TooMany(limit=limit):
            assert limit == MAX_PIECES
        case Rated() | TitleOnly():
            assert isinstance(result.movie_id, int)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_understand_never_raises(text: str) -> None:
    understanding = MessageUnderstanding(TitleMatcher(TINY))
    results = understanding.understand(text)
    assert len(results) <= MAX_PIECES + 1
    for result in results:
        assert_well_formed(result)
    assert isinstance(understanding.is_rating_like(text), bool)


_TITLES = st.sampled_from(["Fargo", "Godfather, The", "godfather 2", "Seven (Se7en)", "Face/Off", "M*A*S*H",
                           "Hamlet", "star trek 4", "L.A. Confidential", "Usual Suspects, The"])
_EXTRAS = st.one_of(
    st.sampled_from(["", ",", ";", "\n", "-", ":", "/5", "/10", "⭐", "★★", "½", "stars", "(1996)", "nan"]),
    st.integers(-20, 2100).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TITLES, _EXTRAS), max_size=10).map(" ".join))
def test_titles_with_numbers_and_punctuation_never_raise(text: str) -> None:
    for result in MessageUnderstanding(TitleMatcher(TINY)).understand(text):
        assert_well_formed(result)
