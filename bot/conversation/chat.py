"""Everyday phrasing that is no "title and stars": asking for picks, naming a liked genre, rating in a sentence.

People write "what should I watch?", "I like horror movies", "I loved Fargo" or "five stars for fargo" to a
bot that reads "Fargo 5". These are read only when the message names no movie as it stands, so a real
title ("Recommendation for a Killer"…) is never taken for chat. A rating sentence is rewritten into the
form the rating reader understands, so its rules (and its confirmations) apply unchanged.
"""

from __future__ import annotations

import re
from itertools import pairwise

from bot.conversation.messages import Response
from bot.conversation.recommend import parse_genres

_ASKS_FOR_PICKS = re.compile(
    r"\b(?:recommend\w*|suggest\w*|what\s+(?:should|shall|could|can)\s+i\s+watch|what\s+to\s+watch"
    r"|something\s+to\s+watch|any\s+ideas|movie\s+night)\b",
    re.IGNORECASE,
)
_LIKES = re.compile(r"^\s*i\s+(?:really\s+)?(?:like|love|enjoy|prefer|am\s+into|'m\s+into)\b", re.IGNORECASE)
# "five stars for fargo", "5 fargo", "4.5 for heat": the value first, then the title.
_VALUE_FIRST = re.compile(
    r"^\s*(?:i\s+(?:give|gave|rate|rated)\s+)?(?P<value>\d(?:[.,]5)?|one|two|three|four|five)"
    r"(?:\s*(?:stars?|/\s*5|out\s+of\s+5))?\s*(?:for|to)?\s+(?P<title>\D.*?)[\s.!]*$",
    re.IGNORECASE,
)
# "I loved Fargo", "I have seen Heat": the title, with no stars to read.
_SEEN = re.compile(
    r"^\s*i\s+(?:really\s+|just\s+)?(?:loved|liked|love|like|enjoyed|hated|disliked|watched|saw|have\s+seen|"
    r"'ve\s+seen)\s+(?P<title>.+?)[\s.!]*$",
    re.IGNORECASE,
)


def picks_reply(text: str) -> Response | None:
    """The way to picks for a message asking for them or naming a liked genre; None for anything else."""
    genre = _genre_in(text)
    asks = bool(_ASKS_FOR_PICKS.search(text))
    if genre is not None and (asks or _LIKES.match(text)):
        return Response().say(f"🎬 For picks in {genre}, send <code>/recommend {genre.lower()}</code>. "
                              "Rating a few movies you've seen (e.g. <code>Fargo 5</code>) makes them personal.")
    if asks:
        return Response().say("🎬 Send /recommend for picks, or <code>/recommend comedy</code> for one genre. "
                              "Rating a few movies you've seen (e.g. <code>Fargo 5</code>) makes them personal.")
    return None


def as_rating(text: str) -> str | None:
    """A rating sentence rewritten in the form the rating reader understands ("five stars for fargo" ->
    "fargo: five"; "I loved Fargo" -> "Fargo", shown to be rated); None when ``text`` is none."""
    value_first = _VALUE_FIRST.match(text)
    if value_first:
        return f"{value_first.group('title')}: {value_first.group('value')}"
    seen = _SEEN.match(text)
    return seen.group("title") if seen else None


def _genre_in(text: str) -> str | None:
    """The first genre a word (or two: "film noir") of ``text`` names, "movies" and "films" aside."""
    words = [word for word in re.findall(r"[\w-]+", text.lower()) if word not in {"movies", "movie", "films", "film"}]
    for first, second in pairwise([*words, ""]):
        genres = parse_genres(f"{first} {second}".strip()) or parse_genres(first)
        if genres is not None:
            return genres[0]
    return None
