"""The compact, strictly validated ``callback_data`` carried by inline buttons.

Telegram gives a button at most 64 bytes of data and sends it back verbatim when pressed, but the
client is not trusted: data can be forged, truncated, or come from a button sent by an older release
days ago. Every pending question ("did you mean …", which page, which onboarding step) lives here
instead of in server memory, so the bot survives restarts and handles updates concurrently.

Format: ``<version>|<kind>|<field>|…`` with plain decimal fields. :func:`decode` accepts only what
:func:`encode` can produce and returns ``None`` for anything else, so a handler never sees an
exception or an out-of-range value. Bumping :data:`VERSION` makes every older button decode to None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from movierec.data.schema import GENRES

VERSION = "1"
MAX_BYTES = 64
MAX_MOVIE_ID = 10**9
MAX_PAGE = 10_000
MAX_PICKS = 10
NOT_SEEN = 0
"""``half_stars`` of an onboarding answer meaning "haven't seen it"."""


@dataclass(frozen=True)
class Rate:
    """Rate a movie with ``half_stars / 2`` stars (1..10 half stars)."""

    movie_id: int
    half_stars: int


@dataclass(frozen=True)
class ShowMovie:
    """Show a movie with its rating buttons (a "did you mean" choice without stars)."""

    movie_id: int


@dataclass(frozen=True)
class Unrate:
    """Remove the rating of a movie (the chosen one of an ambiguous /unrate)."""

    movie_id: int


@dataclass(frozen=True)
class Similar:
    """Movies like this one (the chosen one of an ambiguous /similar)."""

    movie_id: int


@dataclass(frozen=True)
class NotInterested:
    """Never recommend this movie again."""

    movie_id: int


@dataclass(frozen=True)
class Onboard:
    """An onboarding answer: ``half_stars`` (or NOT_SEEN) for the movie at ``position`` of the deck."""

    movie_id: int
    half_stars: int
    position: int


@dataclass(frozen=True)
class More:
    """The next page of /recommend: ``count`` picks per page, optionally within one genre."""

    count: int
    page: int
    genre: str | None


@dataclass(frozen=True)
class RatingsPage:
    """A page of /myratings (0-based)."""

    page: int


@dataclass(frozen=True)
class Forget:
    """The answer to "delete everything?"; bound to the asking user and to when it was asked."""

    user_id: int
    asked_at: int
    """Unix seconds when the question was sent; older answers are refused as stale."""
    confirmed: bool


Action = Rate | ShowMovie | Unrate | Similar | NotInterested | Onboard | More | RatingsPage | Forget

_NUMBER = r"(0|[1-9][0-9]{0,15})"
_PATTERNS: dict[str, re.Pattern[str]] = {
    kind: re.compile(rf"{re.escape(VERSION)}\|{kind}" + rf"\|{_NUMBER}" * fields + suffix)
    for kind, fields, suffix in (
        ("r", 2, ""), ("c", 1, ""), ("u", 1, ""), ("s", 1, ""), ("x", 1, ""), ("o", 3, ""),
        ("m", 2, r"\|(-|0|[1-9][0-9]?)"), ("p", 1, ""), ("f", 2, r"\|(y|n)"),
    )
}


def encode(action: Action) -> str:
    """The callback_data for ``action``; ValueError if it would not decode back (a programming error)."""
    match action:
        case Rate(movie_id, half):
            fields = ["r", movie_id, half]
        case ShowMovie(movie_id):
            fields = ["c", movie_id]
        case Unrate(movie_id):
            fields = ["u", movie_id]
        case Similar(movie_id):
            fields = ["s", movie_id]
        case NotInterested(movie_id):
            fields = ["x", movie_id]
        case Onboard(movie_id, half, position):
            fields = ["o", movie_id, half, position]
        case More(count, page, genre):
            fields = ["m", count, page, "-" if genre is None else GENRES.index(genre)]
        case RatingsPage(page):
            fields = ["p", page]
        case Forget(user_id, asked_at, confirmed):
            fields = ["f", user_id, asked_at, "y" if confirmed else "n"]
        case _:
            raise ValueError(f"not a callback action: {action!r}")
    data = "|".join([VERSION, *map(str, fields)])
    if decode(data) != action:
        raise ValueError(f"{action!r} is out of range for callback data")
    return data


def decode(data: str | None) -> Action | None:
    """The action behind ``data``, or None when it is forged, truncated, stale or out of range."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    kind = data[len(VERSION) + 1: len(VERSION) + 2]
    pattern = _PATTERNS.get(kind)
    found = pattern.fullmatch(data) if pattern else None
    if found is None:
        return None
    values = found.groups()
    numbers = [int(v) for v in values if v.isdigit()]
    action = _build(kind, numbers, values[-1])
    return action if action is not None and _in_range(action) else None


def _build(kind: str, numbers: list[int], last: str) -> Action | None:
    match kind:
        case "r":
            return Rate(numbers[0], numbers[1])
        case "c":
            return ShowMovie(numbers[0])
        case "u":
            return Unrate(numbers[0])
        case "s":
            return Similar(numbers[0])
        case "x":
            return NotInterested(numbers[0])
        case "o":
            return Onboard(numbers[0], numbers[1], numbers[2])
        case "m":
            if last != "-" and int(last) >= len(GENRES):
                return None
            return More(numbers[0], numbers[1], None if last == "-" else GENRES[int(last)])
        case "p":
            return RatingsPage(numbers[0])
        case "f":
            return Forget(numbers[0], numbers[1], last == "y")
    return None


def _in_range(action: Action) -> bool:
    movie_id = getattr(action, "movie_id", None)
    if movie_id is not None and not 1 <= movie_id <= MAX_MOVIE_ID:
        return False
    match action:
        case Rate(_, half):
            return 1 <= half <= 10
        case Onboard(_, half, position):
            return 0 <= half <= 10 and position <= MAX_PAGE
        case More(count, page, _):
            return 1 <= count <= MAX_PICKS and 1 <= page <= MAX_PAGE
        case RatingsPage(page):
            return page <= MAX_PAGE
        case Forget(user_id, _, _):
            return user_id >= 1
    return True
