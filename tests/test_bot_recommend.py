"""Reading the genre of ``/recommend [n] [genre]`` the way people type it."""

from __future__ import annotations

import pytest

from bot.conversation.recommend import parse_genre


@pytest.mark.parametrize(("typed", "genre"), [
    ("comedy", "Comedy"), ("Comedies", "Comedy"), ("SCI-FI", "Sci-Fi"), ("scifi", "Sci-Fi"),
    ("science fiction", "Sci-Fi"), ("film noir", "Film-Noir"), ("noir", "Film-Noir"), ("kids", "Children"),
    ("westerns", "Western"), ("thrillers", "Thriller"), (" Drama ", "Drama"),
])
def test_genres_people_type(typed: str, genre: str) -> None:
    assert parse_genre(typed) == genre


@pytest.mark.parametrize("typed", ["spaghetti", "", "no genres listed", "dramas and comedies"])
def test_unknown_genres(typed: str) -> None:
    assert parse_genre(typed) is None
