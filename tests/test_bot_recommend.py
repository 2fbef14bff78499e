"""Reading the genres of ``/recommend [n] [genre …]`` the way people type them."""

from __future__ import annotations

import pytest

from bot.conversation.recommend import parse_genres


@pytest.mark.parametrize(("typed", "genres"), [
    ("comedy", ("Comedy",)), ("Comedies", ("Comedy",)), ("SCI-FI", ("Sci-Fi",)), ("scifi", ("Sci-Fi",)),
    ("sci fi", ("Sci-Fi",)), ("science fiction", ("Sci-Fi",)), ("film noir", ("Film-Noir",)),
    ("noir", ("Film-Noir",)), ("kids", ("Children",)), ("children's", ("Children",)),
    ("Children’s", ("Children",)), ("westerns", ("Western",)), ("thrillers", ("Thriller",)),
    (" Drama ", ("Drama",)), ("comedy romance", ("Comedy", "Romance")),
    ("dramas and comedies", ("Comedy", "Drama")), ("war, sci fi & western", ("Sci-Fi", "War", "Western")),
])
def test_genres_people_type(typed: str, genres: tuple[str, ...]) -> None:
    assert parse_genres(typed) == genres


@pytest.mark.parametrize("typed", ["spaghetti", "", "no genres listed", "spaghetti western", "and"])
def test_unknown_genres(typed: str) -> None:
    assert parse_genres(typed) is None


def test_only_genres_of_the_catalog() -> None:
    assert parse_genres("imax") == ("IMAX",)
    assert parse_genres("imax", available=("Action", "Comedy")) is None
    assert parse_genres("comedy imax", available=("Action", "Comedy")) is None
