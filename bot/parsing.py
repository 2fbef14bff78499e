"""Reading rating messages: split a message into pieces and read the star value of each piece.

People rate in free text: "Fargo 5, Heat 4.5", "the godfather - 4/5", "Casablanca ⭐⭐⭐⭐⭐", "Fargo ***",
"rate Toy Story 4 stars", "Fargo 10/10", "Fargo (4)", "Fargo 3 stars out of 5", "Fargo 3 1/2". This
module only reads the text; which movie a title means is decided by ``bot.understanding`` with the
title matcher. Two questions need that matcher, so the parser reports them instead of guessing:

* A comma may be part of a title ("Usual Suspects, The", "Good, the Bad and the Ugly, The"). The
  caller can pass ``joins(left, right)`` to decide whether the text around a comma is one title;
  without it, a comma is kept only before a lone article ("…, The 5").
* A plain trailing number may be a rating or part of the title ("Alien 3", "Apollo 13", "Fargo 3 1/2"
  but "8 1/2"). Such a piece carries ``alternative``: the whole text read as a title with no rating.

Trailing text that looks like an attempt to rate but is no rating ("Fargo A+", "Fargo 👍") is kept
apart in ``unread``, so the reply can say it was not read instead of silently dropping it.

Values are never clamped: 0, 6, 4.7, NaN or six stars give the piece an ``error`` explaining why.
Never raises on any string.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

# More pieces than this in one message are not read (the rest is reported, not silently dropped).
MAX_PIECES = 20
# Longer pieces are not titles with a rating (the longest MovieLens titles are about 160 characters).
MAX_PIECE_CHARS = 300
MIN_STARS = 0.5
MAX_STARS = 5.0
# Rating scales people write after a slash or "out of"; anything else ("8 1/2") is not a rating.
_SCALES = {"5": 1.0, "10": 0.5}
_WORD_VALUES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
_FULL_STAR_GLYPHS = "⭐★🌟"
_HALF = "½"
_MIXED_HALF = "1/2"  # "3 1/2": three and a half
_LONE_ARTICLES = frozenset({"the", "a", "an"})

# "give" only after "I": titles start with it ("Give 'em Hell, Malone").
_LEADING_VERB = re.compile(r"^\s*(?:(?:i\s+)?(?:rate|rated|rating)|i\s+(?:give|gave))\s+", re.IGNORECASE)
# Sentence punctuation after the value ("Fargo 5!") says nothing about the rating.
_TRAILING_NOISE = re.compile(r"[\s.!?\ufe0f]+$")
_STAR_RUN = re.compile(r"^(?P<title>.*?)(?P<sep>\s*[:=–—]\s*|\s+-\s+|\s*)(?P<stars>[⭐★🌟☆✩½\ufe0f\s]*[⭐★🌟½])$")
# Asterisks after a space are stars typed without a star key ("Fargo ***"); inside a title
# ("M*A*S*H", "*Fargo*" in Markdown) they are not.
_ASTERISK_STARS = re.compile(r"(?<=[\s:=–—-])\*+(?=\s*½?$)")
_NUMBER = (  # a sign may precede nan and inf too: "-inf" is an unusable value to explain, not a title
    r"\d+\s+" + _MIXED_HALF
    + r"|[-+]?(?:\d+(?:[.,]\d+)?(?:e[-+]?\d+)?½?|\.\d+|½|nan|inf(?:inity)?)"
    r"|" + "|".join(_WORD_VALUES)
)
_VALUE = re.compile(
    r"^(?P<title>.*?)(?P<sep>\s*[:=–—]\s*|\s+-\s+|\s+|^)"
    r"(?P<value>" + _NUMBER + r")"
    r"(?:\s*(?P<unit>stars?|[⭐★🌟*]))?"
    r"(?:\s*(?:/|out\s+of)\s*(?P<scale>\d+))?"
    r"(?:\s*(?P<scale_unit>stars?))?$",
    re.IGNORECASE,
)
# A value in brackets is a rating as surely as one after a colon ("Fargo (4)", "Fargo [4/5]"); a
# bracketed year ("Fargo (1996)") is not, hence at most two digits.
_BRACKETED_VALUE = re.compile(
    r"^(?P<title>.*?\S)\s*[(\[]\s*"
    r"(?P<value>\d{1,2}(?:[.,]\d+)?½?(?:\s*(?:/|out\s+of)\s*\d+)?(?:\s*stars?)?)\s*[)\]]$",
    re.IGNORECASE,
)
# What may follow a title when no rating could be read after it: a school grade, or symbols.
_UNREAD_TAIL = re.compile(r"^(?P<title>.*?\w.*?)\s+(?P<tail>[A-F][+-]|[^\w\s]+)$")
# A comma between a lone digit and a single digit ("4,5", "4,7") is a decimal comma, not a separator:
# read as a decimal, "4,7" is reported as an invalid rating instead of silently becoming 4 and "7".
_DECIMAL_COMMA = re.compile(r"(?<![\d.])(?<!\d,)\d,\d(?!\d|,\d)")
_SEPARATOR = re.compile(r"[\n\r;,]")


@dataclass(frozen=True)
class RatingPiece:
    """One part of a message: a title query and what was read as its rating.

    ``stars`` is set only for a valid value (0.5..5 in half steps); otherwise ``error`` says why the
    value in ``value_text`` cannot be used. ``explicit`` means the value can only be a rating (stars,
    slash, decimal, "stars", brackets, a separator before it); ``alternative`` is the whole text read
    as a title, offered when a plain trailing number might belong to the title. ``unread`` is trailing
    text that was no readable rating ("A+"), not part of ``title``. A piece with ``dropped`` > 0 is not
    a rating: it reports that many further pieces were not read because of ``MAX_PIECES``.
    """

    raw: str
    title: str
    stars: float | None = None
    value_text: str | None = None
    error: str | None = None
    explicit: bool = False
    alternative: str | None = None
    unread: str | None = None
    dropped: int = 0


def _read_number(text: str) -> float:
    lowered = text.lower()
    if lowered in _WORD_VALUES:
        return float(_WORD_VALUES[lowered])
    if lowered.endswith(_MIXED_HALF):
        return float(lowered.removesuffix(_MIXED_HALF)) + 0.5
    half = 0.5 if lowered.endswith(_HALF) else 0.0
    digits = lowered.rstrip(_HALF).replace(",", ".")
    if not digits:
        return half
    return float(digits) + half


def check_stars(value: float, written: str) -> tuple[float | None, str | None]:
    """(stars, None) for a usable rating, else (None, reason) — values are never clamped."""
    if not math.isfinite(value):
        return None, f"'{written}' is not a number of stars"
    if value < MIN_STARS or value > MAX_STARS:
        return None, f"'{written}' is outside the scale: ratings go from 0.5 to 5 stars"
    if value * 2 != int(value * 2):
        return None, f"'{written}' is not a whole or half star (use steps of 0.5)"
    return value, None


def _plain(text: str) -> str:
    """The text without a leading "rate" or trailing sentence punctuation, and with ratings written
    another way ("***", "(4)") rewritten in the forms read below."""
    text = _TRAILING_NOISE.sub("", _LEADING_VERB.sub("", text)).strip()
    text = _ASTERISK_STARS.sub(lambda run: "★" * len(run.group()), text)
    bracketed = _BRACKETED_VALUE.match(text)
    return f"{bracketed.group('title')}: {bracketed.group('value')}" if bracketed else text


def parse_piece(raw: str, *, lone_number_is_title: bool = True) -> RatingPiece:
    """Read one piece: the title part and, when there is one, its rating. A plain number alone ("Seven",
    "1941") is read as a title, unless ``lone_number_is_title`` is False."""
    text = _plain(raw)
    if len(text) > MAX_PIECE_CHARS:
        # No title is this long; reading it as a title (which will not be found) keeps it visible
        # in the reply and keeps the regular expressions below from working through a wall of text.
        return RatingPiece(raw, text)
    found = _VALUE.match(text)
    stars_run = _STAR_RUN.match(text)
    unit = found.group("unit") if found else None
    glyph_unit = bool(unit) and unit in _FULL_STAR_GLYPHS
    if stars_run and not glyph_unit and any(ch in _FULL_STAR_GLYPHS for ch in stars_run.group("stars")):
        glyphs = stars_run.group("stars")
        value = sum(ch in _FULL_STAR_GLYPHS for ch in glyphs) + 0.5 * glyphs.count(_HALF)
        stars, error = check_stars(value, glyphs.strip())
        return RatingPiece(raw, stars_run.group("title").strip(), stars, glyphs.strip(), error, explicit=True)
    if not found:
        unread = _UNREAD_TAIL.match(text)
        if unread:
            return RatingPiece(raw, unread.group("title").strip(), unread=unread.group("tail"))
        return RatingPiece(raw, text)
    title = found.group("title").strip()
    value_text = text[found.start("value"):].strip()
    scale = found.group("scale")
    if scale is not None and scale not in _SCALES:
        # "8 1/2" or "3/4": a fraction that is not a rating scale belongs to the title.
        return RatingPiece(raw, text)
    try:
        value = _read_number(found.group("value"))
    except (ValueError, OverflowError):
        value = math.nan
    if scale is not None:
        value *= _SCALES[scale]
    stars, error = check_stars(value, value_text)
    number = found.group("value")
    explicit = bool(
        found.group("sep").strip() or scale or found.group("unit") or found.group("scale_unit")
        or re.search(r"[.,½]", number)
    )
    if not explicit and not title and lone_number_is_title:
        # A lone plain number or number word ("Seven", "1941") is a title, not a rating of nothing.
        return RatingPiece(raw, text)
    alternative = None if explicit or not title else text
    return RatingPiece(raw, title, stars, value_text, error, explicit, alternative)


def parse_lone_value(raw: str) -> RatingPiece | None:
    """A message that is only a rating ("4.5", "4", "4 1/2", "four stars", "★★★★"): the piece with
    its value and no title; None when there is a title, or no value."""
    piece = parse_piece(raw, lone_number_is_title=False)
    return piece if piece.value_text is not None and not piece.title else None


def article_continues(left: str, right: str) -> bool:
    """Default comma rule: "Usual Suspects, The 5" is one piece (MovieLens puts articles last)."""
    del left  # only the right-hand side decides in the default rule
    return parse_piece(right).title.lower() in _LONE_ARTICLES


def _segments(text: str) -> list[tuple[str, str]]:
    """(separator before, segment) pairs, keeping decimal commas inside their segment."""
    protected = {match.start() + 1 for match in _DECIMAL_COMMA.finditer(text)}
    segments: list[tuple[str, str]] = []
    start = 0
    separator = ""
    for match in _SEPARATOR.finditer(text):
        if match.start() in protected:
            continue
        segments.append((separator, text[start:match.start()]))
        separator = match.group()
        start = match.end()
    segments.append((separator, text[start:]))
    return segments


def parse_message(
    text: str,
    joins: Callable[[str, str], bool] | None = None,
    max_pieces: int = MAX_PIECES,
) -> list[RatingPiece]:
    """Split a message at commas, semicolons and line breaks and read every piece.

    ``joins(left, right)`` decides whether a comma belongs to a title (see the module docstring).
    At most ``max_pieces`` pieces are read; if there were more, a last piece with ``dropped`` set
    says how many were left unread.
    """
    if not isinstance(text, str):
        return []
    should_join = joins or article_continues
    max_pieces = max(1, max_pieces)
    pieces: list[str] = []
    current: str | None = None
    dropped = 0
    dropped_text: list[str] = []
    for separator, segment in _segments(text):
        if not segment.strip():
            continue
        if dropped:
            dropped += 1
            dropped_text.append(segment.strip())
        elif (
            current is not None
            and separator == ","
            and len(current) + len(segment) < MAX_PIECE_CHARS
            and should_join(current, segment)
        ):
            current = f"{current},{segment}"
        elif current is not None and len(pieces) + 1 >= max_pieces:
            dropped = 1
            dropped_text.append(segment.strip())
        else:
            if current is not None:
                pieces.append(current)
            current = segment
    if current is not None:
        pieces.append(current)
    parsed = [parse_piece(piece.strip()) for piece in pieces]
    if dropped:
        parsed.append(RatingPiece(", ".join(dropped_text), "", dropped=dropped))
    return parsed
