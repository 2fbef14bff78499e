"""The compact, strictly validated ``callback_data`` carried by inline buttons.

Telegram gives a button at most 64 bytes of data and sends it back verbatim when pressed, but the
client is not trusted: data can be forged, truncated, or come from a button sent by an older release
days ago. Every pending question ("did you mean …", which page, which onboarding step) lives here
instead of in server memory, so the bot survives restarts and handles updates concurrently.

Format: ``<version>|<kind>|<field>|…`` with plain decimal fields; an :class:`Answer` wraps another
action as ``<version>|a|<round>|<kind>|<field>|…``. :func:`decode` accepts only what :func:`encode` can
produce and returns ``None`` for anything else, so a handler never sees an exception or an
out-of-range value. Bumping :data:`VERSION` makes every older button decode to None.
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
MAX_GENRES = 3
"""Genres one /recommend may name: their indices must fit the 64 bytes of a "more" button."""
MAX_QUESTION_ROUND = 10**15
"""Rounds are Unix milliseconds (:func:`db.access.questions.clock_round`): 13 digits until 2286."""
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
    """The next ``count`` picks of the /recommend list ``list_id`` (optionally within some genres)."""

    list_id: int
    """The list's id in the impressions table; the next picks leave out every movie it has shown."""
    count: int
    genres: tuple[str, ...] = ()
    """Picks in any of these genres (in :data:`GENRES` order, at most :data:`MAX_GENRES`); () for all."""


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


@dataclass(frozen=True)
class Seen:
    """"Seen it": turn a pick into a rating prompt (stars only, no predicted rating to anchor on)."""

    movie_id: int


@dataclass(frozen=True)
class Save:
    """"Save for later": put the movie on the watchlist."""

    movie_id: int


@dataclass(frozen=True)
class Unsave:
    """Take the movie off the watchlist."""

    movie_id: int


@dataclass(frozen=True)
class Details:
    """"Tell me more": the movie's details card."""

    movie_id: int


@dataclass(frozen=True)
class WatchlistPage:
    """A page of /watchlist (0-based)."""

    page: int


@dataclass(frozen=True)
class Answer:
    """A button of a "which movie did you mean?" question: ``choice`` for one of the movies offered.

    ``question_round`` is the user's question round when it was asked; /cancel starts a new round, so
    the buttons of a cancelled question can be refused while other open questions still work."""

    question_round: int
    choice: Rate | ShowMovie | Unrate | Similar | Details


ANSWER_CHOICES = (Rate, ShowMovie, Unrate, Similar, Details)
"""What a "which movie?" button may do with the movie picked."""

GROUP_SIZE = 4
"""Movies that name an onboarding group (its representative titles)."""


@dataclass(frozen=True)
class Group:
    """Like (or un-like) the onboarding group shown as these movies; the movies, not a cluster number,
    identify it, so the button means the same after the model is retrained."""

    movie_ids: tuple[int, ...]


@dataclass(frozen=True)
class GroupsDone:
    """Finished picking groups: go on to single ratings."""


@dataclass(frozen=True)
class UnlikeGroup:
    """Remove a liked group (its stored row id) from /myratings."""

    group_id: int


Action = (Rate | ShowMovie | Unrate | Similar | NotInterested | Onboard | More | RatingsPage | Forget | Seen | Save
          | Unsave | Details | WatchlistPage | Group | GroupsDone | UnlikeGroup | Answer)

_SIMPLE_KINDS: dict[type, str] = {Seen: "v", Save: "w", Unsave: "y", Details: "d"}
"""Actions that carry one movie id and nothing else."""
_SIMPLE_BY_KIND = {kind: action for action, kind in _SIMPLE_KINDS.items()}

_NUMBER = r"(0|[1-9][0-9]{0,15})"
_GENRE_INDEX = r"(?:0|[1-9][0-9]?)"
_GENRE_LIST = rf"\|(-|{_GENRE_INDEX}(?:\.{_GENRE_INDEX}){{0,{MAX_GENRES - 1}}})"
"""``-`` for every genre, else up to MAX_GENRES indices into GENRES joined by dots."""
_PATTERNS: dict[str, re.Pattern[str]] = {
    kind: re.compile(rf"{re.escape(VERSION)}\|{kind}" + rf"\|{_NUMBER}" * fields + suffix)
    for kind, fields, suffix in (
        ("r", 2, ""), ("c", 1, ""), ("u", 1, ""), ("s", 1, ""), ("x", 1, ""), ("o", 3, ""),
        ("t", 2, _GENRE_LIST), ("p", 1, ""), ("f", 2, r"\|(y|n)"),
        ("v", 1, ""), ("w", 1, ""), ("y", 1, ""), ("d", 1, ""), ("l", 1, ""), ("g", GROUP_SIZE, ""),
        ("n", 0, ""), ("h", 1, ""), ("a", 1, r"\|(.+)"),
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
        case More(list_id, count, genres):
            fields = ["t", list_id, count, ".".join(str(GENRES.index(g)) for g in genres) or "-"]
        case RatingsPage(page):
            fields = ["p", page]
        case Forget(user_id, asked_at, confirmed):
            fields = ["f", user_id, asked_at, "y" if confirmed else "n"]
        case Seen(movie_id) | Save(movie_id) | Unsave(movie_id) | Details(movie_id):
            fields = [_SIMPLE_KINDS[type(action)], movie_id]
        case WatchlistPage(page):
            fields = ["l", page]
        case Group(movie_ids):
            fields = ["g", *movie_ids]
        case GroupsDone():
            fields = ["n"]
        case UnlikeGroup(group_id):
            fields = ["h", group_id]
        case Answer(question_round, choice) if isinstance(choice, ANSWER_CHOICES):
            fields = ["a", question_round, encode(choice).split("|", 1)[1]]
        case _:
            raise ValueError(f"not a callback action: {action!r}")
    data = "|".join([VERSION, *map(str, fields)])
    if decode(data) != action:
        raise ValueError(f"{action!r} is out of range for callback data")
    return data


def decode(data: str | None) -> Action | None:
    """The action behind ``data``, or None when it is forged, truncated, stale or out of range."""
    if not data:
        return None
    try:
        if len(data.encode("utf-8")) > MAX_BYTES:
            return None
    except UnicodeEncodeError:  # a lone surrogate: JSON can carry one ("\ud800"), no button of ours does
        return None
    kind = data[len(VERSION) + 1: len(VERSION) + 2]
    pattern = _PATTERNS.get(kind)
    found = pattern.fullmatch(data) if pattern else None
    if found is None:
        return None
    values = found.groups()
    if kind == "a":
        choice = decode(f"{VERSION}|{values[1]}")
        action: Action | None = Answer(int(values[0]), choice) if isinstance(choice, ANSWER_CHOICES) else None
    else:
        action = _build(kind, [int(v) for v in values if v.isdigit()], values[-1] if values else "")
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
        case "t":
            indices = [] if last == "-" else [int(i) for i in last.split(".")]
            if indices != sorted(set(indices)) or any(i >= len(GENRES) for i in indices):
                return None  # one spelling per list of genres: ascending, no repeats
            return More(numbers[0], numbers[1], tuple(GENRES[i] for i in indices))
        case "p":
            return RatingsPage(numbers[0])
        case "f":
            return Forget(numbers[0], numbers[1], last == "y")
        case "v" | "w" | "y" | "d":
            return _SIMPLE_BY_KIND[kind](numbers[0])
        case "l":
            return WatchlistPage(numbers[0])
        case "g":
            return Group(tuple(numbers))
        case "n":
            return GroupsDone()
        case "h":
            return UnlikeGroup(numbers[0])
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
        case More(list_id, count, _):
            return list_id >= 1 and 1 <= count <= MAX_PICKS
        case RatingsPage(page) | WatchlistPage(page):
            return page <= MAX_PAGE
        case Group(movie_ids):
            return len(movie_ids) == GROUP_SIZE and all(1 <= m <= MAX_MOVIE_ID for m in movie_ids)
        case Forget(user_id, _, _):
            return user_id >= 1
        case UnlikeGroup(group_id):
            return group_id >= 1
        case Answer(question_round, _):
            return question_round <= MAX_QUESTION_ROUND
    return True
