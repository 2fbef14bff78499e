"""bot.parsing: splitting rating messages and reading star values (no catalogue needed)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parsing import (MAX_PIECE_CHARS, MAX_PIECES, RatingPiece, check_stars, parse_lone_value, parse_message,
                         parse_piece)


@pytest.mark.parametrize(
    ("text", "title", "stars"),
    [
        ("Fargo 5", "Fargo", 5.0),
        ("the godfather - 4/5", "the godfather", 4.0),
        ("Heat: 4.5", "Heat", 4.5),
        ("Casablanca ⭐⭐⭐⭐⭐", "Casablanca", 5.0),
        ("Casablanca ★★★", "Casablanca", 3.0),
        ("Casablanca ★★★½", "Casablanca", 3.5),
        ("rate Toy Story 4 stars", "Toy Story", 4.0),
        ("Toy Story 4 stars", "Toy Story", 4.0),
        ("Heat 3.5/5", "Heat", 3.5),
        ("Fargo 10/10", "Fargo", 5.0),
        ("Fargo 7/10", "Fargo", 3.5),
        ("Fargo 3 out of 5", "Fargo", 3.0),
        ("Fargo 4,5", "Fargo", 4.5),
        ("Fargo 0.5", "Fargo", 0.5),
        ("Heat 4½", "Heat", 4.5),
        ("Heat 4 ⭐", "Heat", 4.0),
        ("Fargo five", "Fargo", 5.0),
        ("Fargo - 1", "Fargo", 1.0),
        ("Fargo 5!", "Fargo", 5.0),
        ("Apollo 13 ⭐⭐⭐⭐", "Apollo 13", 4.0),
        ("Alien 3 2", "Alien 3", 2.0),
        ("8 1/2 5", "8 1/2", 5.0),
        ("Fargo 4*", "Fargo", 4.0),
        ("Fargo (5)", "Fargo", 5.0),
        ("Fargo [4]", "Fargo", 4.0),
        ("Fargo (4/5)", "Fargo", 4.0),
        ("Fargo 3 stars out of 5", "Fargo", 3.0),
        ("Fargo 4/5 stars", "Fargo", 4.0),
        ("Fargo 3 1/2", "Fargo", 3.5),
        ("Fargo 3 1/2 stars", "Fargo", 3.5),
        ("Fargo ***", "Fargo", 3.0),
        ("Fargo: ****½", "Fargo", 4.5),
        ("Fargo 🌟🌟🌟", "Fargo", 3.0),
        ("M*A*S*H ***", "M*A*S*H", 3.0),
        ("*Fargo* 5", "*Fargo*", 5.0),
    ],
)
def test_reads_title_and_stars(text: str, title: str, stars: float) -> None:
    piece = parse_piece(text)
    assert (piece.title, piece.stars, piece.error) == (title, stars, None)


@pytest.mark.parametrize(
    ("text", "value_text"),
    [
        ("Fargo 0", "0"),
        ("Fargo 6", "6"),
        ("Fargo -1", "-1"),
        ("Fargo 4.7", "4.7"),
        ("Fargo 4.25", "4.25"),
        ("Fargo 4,7", "4,7"),
        ("Fargo nan", "nan"),
        ("Fargo inf", "inf"),
        ("Fargo 1e309", "1e309"),
        ("Fargo 11/10", "11/10"),
        ("Heat ★★★★★★", "★★★★★★"),
        ("Heat ******", "★★★★★★"),
        ("Fargo (10)", "10"),
    ],
)
def test_unusable_values_are_reported_not_clamped(text: str, value_text: str) -> None:
    piece = parse_piece(text)
    assert piece.stars is None
    assert piece.value_text == value_text
    assert piece.error and value_text in piece.error
    assert piece.title in ("Fargo", "Heat")


def test_check_stars_reasons() -> None:
    assert check_stars(3.5, "3.5") == (3.5, None)
    assert "outside" in (check_stars(5.5, "5.5")[1] or "")
    assert "half" in (check_stars(2.2, "2.2")[1] or "")
    assert "not a number" in (check_stars(float("nan"), "nan")[1] or "")


def test_plain_trailing_number_offers_the_whole_text_as_a_title() -> None:
    piece = parse_piece("Alien 3")
    assert (piece.title, piece.stars, piece.explicit, piece.alternative) == ("Alien", 3.0, False, "Alien 3")
    apollo = parse_piece("Apollo 13")
    assert apollo.alternative == "Apollo 13" and apollo.error is not None
    assert parse_piece("Heat: 4").alternative is None  # a separator makes it a rating
    # "3 1/2" may be three and a half stars or part of the title ("8 1/2"): the understanding decides
    assert parse_piece("Fargo 3 1/2").alternative == "Fargo 3 1/2"


@pytest.mark.parametrize("text", ["8 1/2", "Seven", "2001", "Fargo 3/4", "Fargo", "Fargo (1996)", "M*A*S*H",
                                  "*Fargo*", "Seven (Se7en)"])
def test_texts_without_a_rating_are_titles(text: str) -> None:
    piece = parse_piece(text)
    assert (piece.title, piece.value_text, piece.stars, piece.unread) == (text, None, None, None)


@pytest.mark.parametrize(("text", "title", "unread"), [("Fargo A+", "Fargo", "A+"), ("Fargo B-", "Fargo", "B-"),
                                                       ("Fargo 👍", "Fargo", "👍"), ("Fargo ☆☆☆", "Fargo", "☆☆☆")])
def test_trailing_text_that_is_no_rating_is_kept_apart(text: str, title: str, unread: str) -> None:
    piece = parse_piece(text)
    assert (piece.title, piece.unread, piece.value_text) == (title, unread, None)


def test_splits_on_commas_semicolons_and_lines() -> None:
    pieces = parse_message("Fargo 5, Heat 4; Casablanca 3\nSeven 2,,\n")
    assert [(p.title, p.stars) for p in pieces] == [("Fargo", 5), ("Heat", 4), ("Casablanca", 3), ("Seven", 2)]


def test_comma_before_a_lone_article_stays_in_the_title() -> None:
    pieces = parse_message("Usual Suspects, The 5, Fargo 4")
    assert [(p.title, p.stars) for p in pieces] == [("Usual Suspects, The", 5), ("Fargo", 4)]


def test_joins_callback_decides_commas() -> None:
    seen: list[tuple[str, str]] = []

    def joins(left: str, right: str) -> bool:
        seen.append((left, right))
        return left == "Good"

    pieces = parse_message("Good, the Bad 5", joins=joins)
    assert [p.title for p in pieces] == ["Good, the Bad"]
    assert seen == [("Good", " the Bad 5")]
    # Semicolons and line breaks always separate: the callback is only asked about commas.
    assert len(parse_message("Good; Bad\nUgly", joins=joins)) == 3


def test_decimal_comma_is_not_a_separator() -> None:
    assert [p.stars for p in parse_message("Fargo 4,5, Heat 3")] == [4.5, 3.0]


def test_piece_cap_is_reported() -> None:
    text = ", ".join(f"Movie{i} 3" for i in range(MAX_PIECES + 5))
    pieces = parse_message(text)
    assert len(pieces) == MAX_PIECES + 1
    assert all(p.dropped == 0 for p in pieces[:-1])
    assert pieces[-1].dropped == 5 and "Movie24" in pieces[-1].raw
    assert len(parse_message(", ".join(["Fargo 4"] * MAX_PIECES))) == MAX_PIECES


def test_overlong_piece_is_read_as_a_title_only() -> None:
    text = "x " * MAX_PIECE_CHARS + "5"
    assert parse_piece(text) == RatingPiece(text, text.strip())


def test_empty_and_separator_only_messages() -> None:
    assert parse_message("") == []
    assert parse_message(" ,;\n, ") == []


def _well_formed(piece: RatingPiece) -> None:
    assert isinstance(piece.raw, str) and isinstance(piece.title, str)
    if piece.stars is not None:
        assert 0.5 <= piece.stars <= 5 and piece.stars * 2 == int(piece.stars * 2)
        assert piece.error is None and piece.value_text
    if piece.error is not None:
        assert piece.stars is None and piece.value_text is not None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    pieces = parse_message(text)
    assert len(pieces) <= MAX_PIECES + 1
    for piece in pieces:
        _well_formed(piece)


_TITLES = st.sampled_from(["Fargo", "Alien 3", "8 1/2", "Usual Suspects, The", "Face/Off", "M*A*S*H", "Seven (Se7en)"])
_NOISE = st.sampled_from(["", " ", ",", ";", "\n", "-", ":", "/", "/5", "/10", "⭐", "★", "½", ".", "stars", "e9"])
_NUMBERS = st.one_of(st.integers(-100, 100).map(str), st.floats(allow_nan=True).map(repr))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TITLES, _NOISE, _NUMBERS), max_size=12).map(" ".join))
def test_never_raises_on_titles_with_numbers_and_punctuation(text: str) -> None:
    for piece in parse_message(text):
        _well_formed(piece)


@pytest.mark.parametrize(("text", "stars"), [
    ("4.5", 4.5), ("4", 4.0), ("4 1/2", 4.5), ("five", 5.0), ("four stars", 4.0), ("★★★★", 4.0), ("4/5", 4.0),
    ("3.5!", 3.5), ("½", 0.5),
])
def test_a_lone_value_is_a_rating_of_no_title(text: str, stars: float) -> None:
    piece = parse_lone_value(text)
    assert piece is not None and (piece.title, piece.stars, piece.error) == ("", stars, None)


def test_a_lone_value_out_of_scale_says_why_and_a_title_is_no_lone_value() -> None:
    piece = parse_lone_value("6")
    assert piece is not None and piece.stars is None and "outside the scale" in (piece.error or "")
    assert parse_lone_value("Fargo 4") is None and parse_lone_value("heat") is None and parse_lone_value("") is None
    assert parse_piece("Seven") == RatingPiece("Seven", "Seven")  # in a rating message a lone number is a title
