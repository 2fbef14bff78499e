"""How movies, stars and lists look in a chat (HTML parse mode), and Telegram's length limit.

Every title comes from the data set and user text is echoed back, so anything interpolated into a
reply goes through :func:`esc` — an unescaped ``<`` or ``&`` would make Telegram reject the message.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from bot.conversation import callbacks
from bot.conversation.messages import Button
from movierec.serving import MovieInfo

MAX_MESSAGE_CHARS = 4096
MAX_CALLBACK_ANSWER_CHARS = 200
MAX_BUTTON_LABEL_CHARS = 60
_LONGEST_ENTITY = len("&#x10ffff;")

EXAMPLES = (
    "<code>Fargo 5</code>\n"
    "<code>the godfather - 4/5, heat 3.5</code>\n"
    "<code>Casablanca ⭐⭐⭐⭐⭐</code>"
)


def esc(text: object) -> str:
    """Text made safe for HTML parse mode."""
    return html.escape(str(text), quote=False)


def stars(value: float) -> str:
    """``★★★★☆ 4`` / ``★★★½☆ 3.5``: the picture plus the number, so half stars stay readable."""
    return f"{_star_picture(value)} {format_stars(value)}"


def movielens_average(info: MovieInfo) -> str:
    """``MovieLens: ★★★★☆ 4.2 average from 452 ratings``: the picture to the nearest half star, the exact
    mean beside it; every card showing a movie's average uses this line, so they all agree."""
    if not info.rating_count:
        return "MovieLens: no ratings yet"
    return (f"MovieLens: {_star_picture(round(info.rating_mean * 2) / 2)} {info.rating_mean:.1f} average from "
            f"{count_of(info.rating_count, 'rating')}")


def _star_picture(value: float) -> str:
    full = int(value)
    half = value - full >= 0.5
    return "★" * full + ("½" if half else "") + "☆" * (5 - full - (1 if half else 0))


def format_stars(value: float) -> str:
    """``4`` for whole stars, ``3.5`` for half stars."""
    return f"{value:g}"


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    """``1 rating`` / ``3 ratings``: a count with its noun in the right number (``plural`` if not just +s)."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def movie_line(title: str, genres: Sequence[str] = ()) -> str:
    """``<b>Fargo (1996)</b> · Crime, Drama, Thriller``."""
    shown = f"<b>{esc(title)}</b>"
    return f"{shown} · {esc(', '.join(genres))}" if genres else shown


def button_label(text: str, suffix: str = "") -> str:
    """Button text cut to a length every client shows whole; ``suffix`` (what the button does) is never cut."""
    room = MAX_BUTTON_LABEL_CHARS - len(suffix)
    return (text if len(text) <= room else text[: room - 1] + "…") + suffix


def toast(text: str) -> str:
    """A callback answer within Telegram's 200-character limit."""
    return text if len(text) <= MAX_CALLBACK_ANSWER_CHARS else text[: MAX_CALLBACK_ANSWER_CHARS - 1] + "…"


def star_buttons(movie_id: int) -> list[Button]:
    """One row ``1★ … 5★`` rating ``movie_id``; half stars are given by message."""
    return [Button(f"{n}★", callbacks.encode(callbacks.Rate(movie_id, 2 * n))) for n in range(1, 6)]


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Pieces of ``text`` within ``limit`` characters, cut at line breaks where possible.

    A long list (many ratings at once, a big page) must still arrive: Telegram refuses a message over
    4096 characters outright. Cutting at newlines keeps every HTML tag, which our replies never let
    span lines, balanced.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single over-long line: hard cut
            if current:
                pieces.append(current)
                current = ""
            cut = _entity_safe_cut(line, limit)
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def _entity_safe_cut(line: str, limit: int) -> int:
    """Where to hard-cut an over-long line: at ``limit``, or just before an HTML entity (``&amp;``) that
    the cut would split — half an entity is invalid HTML, and Telegram refuses the whole message."""
    entity_start = line.rfind("&", max(0, limit - _LONGEST_ENTITY), limit)
    if entity_start > 0 and ";" not in line[entity_start:limit]:
        return entity_start
    return limit


def numbered(lines: Iterable[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))
