"""What a rating message means: which movies, and how many stars each — or why we cannot tell.

``bot.parsing`` reads the text and ``bot.matching`` finds titles; this module combines them and makes
the decisions that need both. The rule throughout: showing rating buttons or asking "did you mean…"
is cheap, storing a rating for the wrong movie is not — so when in doubt, ask.

How a piece with a plain trailing number ("Alien 3", "Fargo 5", "batman 3") is read, in order:

1. If the whole text is a full title of exactly one movie ("Alien 3", "Apollo 13", "Die Hard 2",
   "godfather 2"), it is that movie with no rating (``TitleOnly``): the number is part of the name.
   Several movies with that exact title give ``Ambiguous``.
2. If the number n (2..5) could be a sequel number — the text before it starts the titles of at least
   n movies ("batman 3": Batman, Batman Returns, Batman Forever…; "star trek 4") — it is ``Ambiguous``
   with no stars: the person may mean the n-th film or n stars, and we must not guess.
3. Otherwise the reading whose title matches better wins; on a tie the number is a rating
   ("Fargo 5", "Seven 4", "Alien 3 2" -> Alien 3 with two stars, "8 1/2 5"). A better reading with an
   unusable number gives ``InvalidRating`` ("Fargo 6"); a better whole-text reading gives a title.

Explicit values (stars, "4/5", "4.5", "4 stars", "Heat: 4") are always ratings. A matched title is
confident when it is the only exact title, or scores at least ``CONFIDENT_SCORE`` with a lead of
``MARGIN`` over the next; close runners-up give ``Ambiguous``; nothing confident gives ``NotFound``
with the nearest titles as suggestions. A comma stays inside a piece before a lone article, or when
the text around it reads as one title (or the start of one) but not as two ("Usual Suspects, The 5",
"Good, the Bad and the Ugly, The", "Sex, Lies, and Videotape 4").
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.matching import EXACT_SCORE, TitleMatch, TitleMatcher
from bot.parsing import MAX_PIECES, RatingPiece, article_continues, parse_message, parse_piece

# A non-exact title match must reach this score, and lead the next one by MARGIN, to be trusted.
CONFIDENT_SCORE = 88.0
MARGIN = 5.0
# How many movies a "did you mean…" question or a not-found reply offers.
CHOICES = 5
# Sequel numbers are only confused with ratings within the rating scale ("Part 1" is never written).
_FIRST_SEQUEL, _LAST_SEQUEL = 2, 5


@dataclass(frozen=True)
class Rated:
    """A movie recognised with confidence and a valid rating: store it."""

    movie_id: int
    display_title: str
    stars: float
    raw: str


@dataclass(frozen=True)
class TitleOnly:
    """A movie recognised with confidence but no rating: the bot offers rating buttons."""

    movie_id: int
    display_title: str
    raw: str


@dataclass(frozen=True)
class Ambiguous:
    """Several movies fit equally well: the bot asks "did you mean…"; ``stars`` applies to the pick."""

    candidates: list[TitleMatch]
    stars: float | None
    raw: str


@dataclass(frozen=True)
class NotFound:
    """No movie fits well enough; ``suggestions`` are the nearest titles (may be empty)."""

    query: str
    suggestions: list[TitleMatch]
    raw: str


@dataclass(frozen=True)
class InvalidRating:
    """A title with a value that is not a rating (0, 6, 4.7, six stars…); ``reason`` says why."""

    query: str
    value_text: str
    reason: str
    raw: str


@dataclass(frozen=True)
class TooMany:
    """The message had more than ``limit`` pieces; only the first ``limit`` were read."""

    limit: int


Understood = Rated | TitleOnly | Ambiguous | NotFound | InvalidRating | TooMany


class MessageUnderstanding:
    """Turns a rating message into one ``Understood`` per piece; transport-free and never raises."""

    def __init__(self, matcher: TitleMatcher, max_pieces: int = MAX_PIECES) -> None:
        self._matcher = matcher
        self._max_pieces = max_pieces

    def understand(self, text: str) -> list[Understood]:
        """Read every piece of ``text`` (see the module docstring for the rules)."""
        results: list[Understood] = []
        for piece in parse_message(text, joins=self._joins, max_pieces=self._max_pieces):
            if piece.dropped:
                results.append(TooMany(self._max_pieces))
            else:
                results.append(self._understand_piece(piece))
        return results

    def is_rating_like(self, text: str) -> bool:
        """Whether ``text`` looks like an attempt to rate (a value, or a recognisable title) rather than chat."""
        for piece in parse_message(text, joins=self._joins, max_pieces=self._max_pieces):
            if piece.dropped or (piece.value_text is not None and piece.title):
                return True
            found = self._matcher.match(piece.title, limit=1)
            if found and found[0].score >= CONFIDENT_SCORE:
                return True
        return False

    def _joins(self, left: str, right: str) -> bool:
        """A comma belongs to a title before a lone article, or when the joined text is a title (or the
        start of one, for titles with several commas) and the two sides are not both titles."""
        if article_continues(left, right):
            return True
        joined = parse_piece(f"{left},{right}")
        if not (self._is_exact(joined) or self._matcher.is_title_start(joined.title)):
            return False
        return not (self._is_exact(parse_piece(left)) and self._is_exact(parse_piece(right)))

    def _is_exact(self, piece: RatingPiece) -> bool:
        return any(text and self._matcher.is_exact(text) for text in (piece.title, piece.alternative))

    def _understand_piece(self, piece: RatingPiece) -> Understood:
        if piece.value_text is None or not piece.title:
            return self._resolve(piece.title, None, piece.raw)
        if piece.alternative is None:
            if piece.error is not None:
                return InvalidRating(piece.title, piece.value_text, piece.error, piece.raw)
            return self._resolve(piece.title, piece.stars, piece.raw)
        return self._plain_number(piece, piece.alternative)

    def _plain_number(self, piece: RatingPiece, whole_text: str) -> Understood:
        """A trailing plain number: part of the title, a sequel number, or a rating (rules 1-3)."""
        whole = self._matcher.match(whole_text, limit=CHOICES)
        exact = [found for found in whole if found.score >= EXACT_SCORE]
        if len(exact) == 1:
            return TitleOnly(exact[0].movie_id, exact[0].display_title, piece.raw)
        if exact:
            return Ambiguous(exact, None, piece.raw)
        if piece.stars is not None and piece.stars.is_integer() and _FIRST_SEQUEL <= piece.stars <= _LAST_SEQUEL:
            series = self._matcher.series(piece.title)
            if len(series) >= piece.stars:
                likely = [found for found in whole if found.score >= CONFIDENT_SCORE]
                return Ambiguous(_unique(likely + series)[:CHOICES], None, piece.raw)
        split = self._matcher.match(piece.title, limit=CHOICES)
        split_score = split[0].score if split else 0.0
        whole_score = whole[0].score if whole else 0.0
        if split and split_score >= whole_score:
            if piece.error is not None:
                return InvalidRating(piece.title, piece.value_text or "", piece.error, piece.raw)
            return self._decide(split, piece.title, piece.stars, piece.raw)
        return self._decide(whole, whole_text, None, piece.raw)

    def _resolve(self, query: str, stars: float | None, raw: str) -> Understood:
        return self._decide(self._matcher.match(query, limit=CHOICES), query, stars, raw)

    @staticmethod
    def _decide(found: list[TitleMatch], query: str, stars: float | None, raw: str) -> Understood:
        """Confident match, a close call, or nothing — from the matcher's ranked list."""
        if not found or found[0].score < CONFIDENT_SCORE:
            return NotFound(query, found, raw)
        best = found[0]
        if best.score >= EXACT_SCORE:
            rivals = [other for other in found[1:] if other.score >= EXACT_SCORE]
        else:
            rivals = [other for other in found[1:] if best.score - other.score < MARGIN]
        if rivals:
            return Ambiguous([best, *rivals], stars, raw)
        if stars is None:
            return TitleOnly(best.movie_id, best.display_title, raw)
        return Rated(best.movie_id, best.display_title, stars, raw)


def _unique(matches: list[TitleMatch]) -> list[TitleMatch]:
    seen: set[int] = set()
    kept: list[TitleMatch] = []
    for found in matches:
        if found.movie_id not in seen:
            seen.add(found.movie_id)
            kept.append(found)
    return kept
