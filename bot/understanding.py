"""What a rating message means: which movies, and how many stars each — or why we cannot tell.

``bot.parsing`` reads the text and ``bot.matching`` finds titles; this module combines them and makes
the decisions that need both. The rule throughout: showing rating buttons or asking "did you mean…"
is cheap, storing a rating for the wrong movie is not — so when in doubt, ask.

How a piece with a plain trailing number ("Alien 3", "Fargo 5", "batman 3") is read, in order:

1. If the whole text is a full title of exactly one movie ("Alien 3", "Apollo 13", "Die Hard 2",
   "godfather 2"), it is that movie with no rating (``TitleOnly``): the number is part of the name.
   Several movies with that exact title give ``Ambiguous``.
2. If the number n (2..5) could be a sequel number — the text before it starts the titles of at least
   n movies ("batman 3": Batman, Batman Returns, Batman Forever…; "star trek 4"), and, when that text
   is a full title itself, no title goes on with n and at least n of them could be that film or its
   sequels (same genre, not older: "Ghost 4" is not) — it is ``Ambiguous``:
   the person may mean the n-th film or n stars. Picking a film whose title holds n ("Star Trek IV")
   means the sequel (no rating); picking any other means n stars for it.
3. Otherwise the number is a rating ("Fargo 5", "Seven 4", "Alien 3 2" -> Alien 3 with two stars,
   "8 1/2 5", "star trek 2 5"), unless the whole text is a confident title that leads the reading
   without the number by ``MARGIN`` — it then is that title. An unusable number gives
   ``InvalidRating`` ("Fargo 6").

Explicit values (stars, "4/5", "4.5", "4 stars", "(4)", "Heat: 4") are always ratings. A matched title
is confident when it is the only exact title, or scores at least ``CONFIDENT_SCORE`` with a lead of
``MARGIN`` over the next; the matcher keeps a title with other numbers than the typed ones ("toy story
2" -> Toy Story, "robocop 4" -> Robocop 3) and near misses of very short queries ("rocky" -> The Rock)
below that, so they are asked about, never rated. Close runners-up give ``Ambiguous``; nothing
confident gives ``NotFound`` with suggestions, which carry the stars when stars were given: the films
whose whole title starts the query ("Star Wars" for "Star Wars: Episode IV - A New Hope"), for "star
trek 2" the series' films without a number (the second may be "The Wrath of Khan"), then the nearest
titles. A piece found nowhere is tried as ratings typed without a separator ("Fargo 5 Heat 4") or joined
by "and", "&", "+" or a full stop ("Fargo 5 and Heat 4").

A comma stays inside a piece before a lone article, or when the text around it reads as one title (or
the start of one) but not as two ("Usual Suspects, The 5", "Good, the Bad and the Ugly, The", "Sex,
Lies, and Videotape 4").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.matching import CONFIDENT_SCORE, EXACT_SCORE, TitleMatch, TitleMatcher, normalise_title
from bot.parsing import MAX_PIECES, RatingPiece, article_continues, parse_message, parse_piece

# A non-exact title match must reach CONFIDENT_SCORE, and lead the next one by MARGIN, to be trusted.
MARGIN = 5.0
# A text whose nearest title scores this much (a hint included: "rocky", "alein") was meant as a
# title, so its suggestions are worth showing; below it, it is more likely chat.
SUGGESTIVE_SCORE = 85.0
# How many movies a "did you mean…" question or a not-found reply offers.
CHOICES = 5
# Sequel numbers are only confused with ratings within the rating scale ("Part 1" is never written).
_FIRST_SEQUEL, _LAST_SEQUEL = 2, 5
# Words of small talk. A message made only of them is chat, even where a title holds the word
# ("thanks": To Wong Foo, Thanks for Everything!; "yes": The House of Yes) — unless it is a full title.
_SMALL_TALK = frozenset(
    "thanks thank you thx ty ok okay k yes yeah yep yup no nope nah sure more cool nice great good "
    "awesome perfect lol wow hi hello hey there bye goodbye please so much lot very morning afternoon evening "
    "night day".split()
)
# Greetings are chat even where they are a title ("Good Morning", 1971): people greet far more often than
# they look that film up, and with stars ("Good Morning 4") the message is no longer small talk.
_GREETINGS = ("good morning", "good afternoon", "good evening", "good night", "good day")
# Where ratings typed one after another may be cut ("Fargo 5 | Heat 4", "heat=4/5 | casablanca=5/5"): after
# a value, before a word; a joining "and", "&", "+" or full stop after the value ("Fargo 5 and Heat 4",
# "Fargo 5. Heat 4.") is dropped, and makes the cut sure enough to keep a second part that is not found.
_RUN_ON_CUT = re.compile(
    r"(?<=[\s=:])(?P<value>(?:\d+(?:[.,]\d+)?(?:/\d+)?|[⭐★]+)(?:\s*stars?\b)?)"
    r"(?P<joiner>\s*[.&+]|\s+and\b)?(?=\s+[^\W\d_])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rated:
    """A movie recognised with confidence and a valid rating: store it."""

    movie_id: int
    display_title: str
    stars: float
    raw: str


@dataclass(frozen=True)
class TitleOnly:
    """A movie recognised with confidence but no rating: the bot offers rating buttons. ``unread`` is
    text after the title that looked like a rating but could not be read ("A+")."""

    movie_id: int
    display_title: str
    raw: str
    unread: str | None = None


@dataclass(frozen=True)
class Ambiguous:
    """Several movies fit equally well: the bot asks "did you mean…"; ``stars`` applies to the pick,
    except for the ``numbered`` candidates, whose title holds the typed number: for them it was a
    sequel number ("star trek 4" -> Star Trek IV), not stars."""

    candidates: list[TitleMatch]
    stars: float | None
    raw: str
    numbered: frozenset[int] = frozenset()

    def stars_for(self, movie_id: int) -> float | None:
        """The rating meant if the user picks ``movie_id`` (None: just show it)."""
        return None if movie_id in self.numbered else self.stars


@dataclass(frozen=True)
class NotFound:
    """No movie fits well enough; ``suggestions`` are the nearest titles (may be empty), and ``stars``
    the rating meant for the title, should the user pick one of them."""

    query: str
    suggestions: list[TitleMatch]
    raw: str
    stars: float | None = None


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
                continue
            result = self._understand_piece(piece)
            results += (self._run_on(piece.raw) or [result]) if isinstance(result, NotFound) else [result]
        if len(results) > self._max_pieces:  # ratings typed without separators count as pieces too
            results = [*results[:self._max_pieces], TooMany(self._max_pieces)]
        return results

    def understand_title(self, text: str) -> Understood:
        """A title typed after a command that takes no rating (/similar, /movie, /unrate): the whole text
        is read as a title first ("star trek 4" is Star Trek IV, not four stars); only when no movie is
        found so is it read like a rating message ("/movie Fargo 5")."""
        whole = self._resolve(text, None, text)
        if not isinstance(whole, NotFound):
            return whole
        first = next(iter(self.understand(text)), whole)
        return whole if isinstance(first, NotFound) else first

    def is_rating_like(self, text: str) -> bool:
        """Whether ``text`` looks like an attempt to rate (a value, or a title at least suggested) rather than chat."""
        for piece in parse_message(text, joins=self._joins, max_pieces=self._max_pieces):
            if piece.dropped or (piece.value_text is not None and piece.title):
                return True
            found = self._matcher.match(piece.title, limit=1)
            if found and found[0].score >= SUGGESTIVE_SCORE:
                return True
        return False

    def is_small_talk(self, text: str) -> bool:
        """Whether ``text`` is chat such as "thanks", "ok cool" or "hi there", not a title."""
        words = normalise_title(text).split()
        if not words or not all(word in _SMALL_TALK for word in words):
            return False
        return not self._matcher.is_exact(text) or any(greeting in " ".join(words) for greeting in _GREETINGS)

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
            result = self._resolve(piece.title, None, piece.raw)
            return replace(result, unread=piece.unread) if isinstance(result, TitleOnly) else result
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
            if len(series) >= piece.stars and self._may_be_nth_film(piece.title, whole_text, series, piece.stars):
                likely = [found for found in whole if found.score >= CONFIDENT_SCORE]
                candidates = _unique(likely + series)[:CHOICES]
                numbered = frozenset(found.movie_id for found in candidates
                                     if piece.stars in self._matcher.title_numbers(found.movie_id))
                return Ambiguous(candidates, piece.stars, piece.raw, numbered)
        split = self._matcher.match(piece.title, limit=CHOICES)
        split_score = split[0].score if split else 0.0
        if whole and whole[0].score >= CONFIDENT_SCORE and whole[0].score - split_score >= MARGIN:
            return self._decide(whole, whole_text, None, piece.raw)
        if piece.error is not None:
            return InvalidRating(piece.title, piece.value_text or "", piece.error, piece.raw)
        return self._decide(split, piece.title, piece.stars, piece.raw)

    def _may_be_nth_film(self, title: str, whole_text: str, series: list[TitleMatch], n: float) -> bool:
        """Whether "<title> n" may mean the n-th film of ``series``. Not when ``title`` is itself a full
        title, no title goes on with n, and fewer than n films could be it or its sequels: "Ghost 4"
        rates Ghost (The Ghost and Mrs. Muir is older, Ghost in the Shell another genre), while "batman 3"
        may be Batman Forever."""
        originals = [found for found in self._matcher.match(title, limit=CHOICES) if found.score >= EXACT_SCORE]
        if not originals or self._matcher.is_title_start(whole_text):
            return True
        return any(len(self._matcher.could_be_sequels(original.movie_id, series)) >= n for original in originals)

    def _run_on(self, text: str) -> list[Understood] | None:
        """"Fargo 5 Heat 4": ratings typed one after another without a separator, read so only when every
        part is a confident rating, or the parts are joined by "and" or a full stop ("Fargo 5 and Heta 4":
        Fargo is rated, Heta not found). The first cut whose left side is one decides (no backtracking)."""
        for cut in _RUN_ON_CUT.finditer(text):
            first = self._understand_piece(parse_piece(text[:cut.end("value")]))
            if not isinstance(first, Rated):
                continue
            rest_text = text[cut.end():].lstrip()
            rest = self._understand_piece(parse_piece(rest_text))
            if isinstance(rest, Rated):
                return [first, rest]
            more = self._run_on(rest_text) if isinstance(rest, NotFound) else None
            if more:
                return [first, *more]
            return [first, rest] if cut.group("joiner") else None
        return None

    def _holds_rating(self, query: str) -> bool:
        """Whether a title not found still holds the rating of another movie ("Fargo 5 Heta", "heat=4/5
        casablanca"): the stars typed last then belong to none of its suggestions."""
        for cut in _RUN_ON_CUT.finditer(query):
            left = parse_piece(query[:cut.end("value")])
            if left.stars is not None and (cut.group("joiner") or left.explicit or self._is_exact(left)):
                return True
        return False

    def _resolve(self, query: str, stars: float | None, raw: str) -> Understood:
        return self._decide(self._matcher.match(query, limit=CHOICES), query, stars, raw)

    def _decide(self, found: list[TitleMatch], query: str, stars: float | None, raw: str) -> Understood:
        """Confident match, a close call, or nothing — from the matcher's ranked list."""
        if not found or found[0].score < CONFIDENT_SCORE:
            return NotFound(query, self._suggestions(query, found), raw, None if self._holds_rating(query) else stars)
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

    def _suggestions(self, query: str, found: list[TitleMatch]) -> list[TitleMatch]:
        """What to offer for a title not found: the films the query starts with, the numberless films
        of the series for "star trek 2", then the nearest titles."""
        return _unique(self._matcher.titles_within(query) + self._matcher.unnumbered_series(query) + found)[:CHOICES]


def _unique(matches: list[TitleMatch]) -> list[TitleMatch]:
    seen: set[int] = set()
    kept: list[TitleMatch] = []
    for found in matches:
        if found.movie_id not in seen:
            seen.add(found.movie_id)
            kept.append(found)
    return kept
