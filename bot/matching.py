"""Fuzzy movie-title lookup for the bot: turn what a person typed into catalogue movies.

People type titles the way they remember them: "the godfather 2", "godfather part two", "se7en",
"forest gump", "faceoff", "fargo 1996". MovieLens stores them differently ("Godfather: Part II, The
(1974)", "Seven (Se7en) (1995)"). Both sides are therefore reduced to the same normal form, which is
computed once per title when the matcher is built, and only then compared with rapidfuzz.

Speed: queries are compared only with titles that share a token prefix with them (an inverted index
of the first three letters of every word), so the cost grows with the number of *similar* titles, not
with the catalogue; that keeps MovieLens 25M (62,000 titles) in the same range as 100k.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz, process

from movierec.data import schema

logger = logging.getLogger(__name__)

# A query equal to a full title (or an alternate title) scores this; nothing else does.
EXACT_SCORE = 100.0
# A query equal to the numbered head of a title ("star trek 4" for "Star Trek IV: The Voyage Home"):
# almost certainly that film, but not typed in full, so the caller may still ask.
HEAD_SCORE = 97.0
# When the query names a year, titles of another year lose this much (the year is a strong hint,
# but people get years wrong by one).
WRONG_YEAR_PENALTY = 8.0
# Below this a title is not worth showing even as a suggestion.
DEFAULT_SCORE_CUTOFF = 60.0
# Queries are typed by people; anything longer is not a title and would only cost time.
MAX_QUERY_CHARS = 200

_ARTICLES = frozenset({"the", "a", "an"})
# Words too common to narrow the search; they are not indexed.
_STOP_WORDS = _ARTICLES | {"and", "of", "in", "to", "on"}
_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
# Roman numerals up to 39 written with I, V and X only: sequel numbers ("Part II", "Star Trek IV").
# L, C, D and M are left alone because short words made of them ("mix", "civil", "did") are real words.
_ROMAN = re.compile(r"^(x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
# Characters deleted outright, so "L.A." reads "la", "E.T." "et", "M*A*S*H" "mash", "Schindler's" "schindlers".
_DELETED = re.compile(r"[.'’`*!?\"]")
_SEPARATORS = re.compile(r"[\W_]+")
_JOINERS = re.compile(r"[-/]")
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_TRAILING_YEAR = re.compile(r"\s*\(\s*(\d{4})\s*\)\s*$")
# A trailing ", La" / ", The" / ", Det": MovieLens moves articles of every language to the end.
_TRAILING_ARTICLE = re.compile(r"^(.*),\s*([^\W\d_]{1,3})\s*$")
_LEADING_ACRONYM = re.compile(r"^((?:[^\W\d_]\.){2,})\s")
_QUERY_YEAR = re.compile(r"^(.*?)[\s(\[]*\b(18[89]\d|19\d\d|20[0-4]\d)\b[)\]]?\s*$")


@dataclass(frozen=True)
class TitleMatch:
    """One catalogue movie proposed for a query; ``score`` runs 0..100 (100: typed exactly)."""

    movie_id: int
    display_title: str
    score: float


def _roman_to_int(token: str) -> int | None:
    if not token or not _ROMAN.match(token):
        return None
    total = 0
    previous = 0
    for char in reversed(token):
        value = _ROMAN_VALUES[char]
        total = total - value if value < previous else total + value
        previous = max(previous, value)
    return total


def normalise_title(text: str) -> str:
    """Reduce a title or a query to the comparable form: lower case, no accents or punctuation,
    numbers as digits, no "part", no leading or trailing English article."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = _SEPARATORS.sub(" ", _DELETED.sub("", plain.replace("&", " and ")))
    tokens: list[str] = []
    for token in plain.split():
        roman = _roman_to_int(token)
        if roman is not None:
            token = str(roman)
        token = _NUMBER_WORDS.get(token, token)
        # "Part II" and "2" name the same sequel; the word adds nothing to tell films apart.
        if token != "part":
            tokens.append(token)
    if len(tokens) > 1 and tokens[0] in _ARTICLES:
        tokens = tokens[1:]
    if len(tokens) > 1 and tokens[-1] in _ARTICLES:
        tokens = tokens[:-1]
    return " ".join(tokens)


def _article_to_front(text: str) -> str:
    """"Usual Suspects, The" -> "The Usual Suspects"; "Haine, La" -> "La Haine"."""
    found = _TRAILING_ARTICLE.match(text)
    return f"{found.group(2)} {found.group(1)}" if found else text


def _spellings(text: str) -> set[str]:
    """Normal forms of one written title, with "Face/Off" and "Spider-Man" also read as one word."""
    forms = {normalise_title(_article_to_front(text)), normalise_title(text)}
    if _JOINERS.search(text):
        joined = _JOINERS.sub("", text)
        forms |= {normalise_title(_article_to_front(joined)), normalise_title(joined)}
    forms.discard("")
    return forms


def title_keys(raw_title: str, name: str) -> tuple[set[str], set[str]]:
    """All normal forms a movie answers to: (full keys, numbered-head keys).

    Alternate titles in parentheses ("Seven (Se7en)") are full keys of their own. A head key is
    the part before a colon when it ends in a number ("Star Trek IV" of "Star Trek IV: The Voyage Home"),
    or a leading dotted acronym ("E.T." of "E.T. the Extra-Terrestrial").
    """
    full: set[str] = set()
    raw_without_year = _TRAILING_YEAR.sub("", raw_title)
    for written in (name, raw_without_year):
        for alias in _PARENTHESES.findall(written):
            full |= _spellings(alias)
        main = _PARENTHESES.sub(" ", written).strip()
        full |= _spellings(main)
    heads: set[str] = set()
    main_name = _PARENTHESES.sub(" ", name).strip()
    acronym = _LEADING_ACRONYM.match(main_name)
    if acronym:
        heads.add(normalise_title(acronym.group(1)))
    if ":" in main_name:
        head = normalise_title(main_name.split(":", 1)[0])
        tokens = head.split()
        if len(tokens) >= 2 and tokens[-1].isdigit():
            heads.add(head)
    return full, heads - full


def _index_terms(key: str) -> set[str]:
    return {token[:3] for token in key.split() if token not in _STOP_WORDS}


class TitleMatcher:
    """Finds catalogue movies for a typed title; built once from the movies frame, then read-only.

    Needs only the columns movie_id, title, display_title, name, year and rating_count. Exact ties
    (remakes, same-name films) go to the film more people rated, since that is the one most people mean.
    """

    def __init__(self, movies: pd.DataFrame) -> None:
        self._keys: list[str] = []
        self._key_movie: list[int] = []  # row position in the arrays below
        self._key_is_head: list[bool] = []
        self._movie_ids: list[int] = []
        self._display: list[str] = []
        self._years: list[int | None] = []
        self._popularity: list[int] = []
        self._index: dict[str, list[int]] = defaultdict(list)
        self._exact: dict[str, list[int]] = defaultdict(list)
        for row in movies.itertuples(index=False):
            record = row._asdict()
            position = len(self._movie_ids)
            self._movie_ids.append(int(record[schema.MOVIE_ID]))
            self._display.append(str(record[schema.DISPLAY_TITLE]))
            year = record[schema.YEAR]
            self._years.append(None if pd.isna(year) else int(year))
            self._popularity.append(int(record[schema.RATING_COUNT]))
            full, heads = title_keys(str(record[schema.TITLE]), str(record[schema.NAME]))
            for key, is_head in [(k, False) for k in sorted(full)] + [(k, True) for k in sorted(heads)]:
                key_id = len(self._keys)
                self._keys.append(key)
                self._key_movie.append(position)
                self._key_is_head.append(is_head)
                if not is_head:
                    self._exact[key].append(position)
                for term in _index_terms(key):
                    self._index[term].append(key_id)
        logger.info("title matcher built: %d movies, %d keys", len(self._movie_ids), len(self._keys))

    def __len__(self) -> int:
        return len(self._movie_ids)

    def match(self, query: str, limit: int = 5, score_cutoff: float = DEFAULT_SCORE_CUTOFF) -> list[TitleMatch]:
        """Best movies for ``query``, best first; [] for empty or unusable queries."""
        if not isinstance(query, str) or limit <= 0:
            return []
        text, year = _split_year(query[:MAX_QUERY_CHARS])
        key = normalise_title(text)
        if not key:
            return []
        best: dict[int, float] = {}
        for key_id, score in self._scores(key, score_cutoff):
            position = self._key_movie[key_id]
            if year is not None and self._years[position] != year:
                score -= WRONG_YEAR_PENALTY
            if score >= score_cutoff and score > best.get(position, -1.0):
                best[position] = score
        ranked = sorted(best.items(), key=lambda item: (-item[1], -self._popularity[item[0]], item[0]))
        return [
            TitleMatch(self._movie_ids[position], self._display[position], round(score, 2))
            for position, score in ranked[:limit]
        ]

    def is_exact(self, query: str) -> bool:
        """Whether ``query`` (year aside) is a full title or alternate title of some movie."""
        text, _ = _split_year(query[:MAX_QUERY_CHARS])
        return normalise_title(text) in self._exact

    def series(self, query: str, limit: int = 10) -> list[TitleMatch]:
        """Movies whose title starts with the words of ``query`` ("batman" -> Batman, Batman Returns…),
        most rated first: the films a trailing number could be a sequel number of. Each scores 100,
        since the query is literally the start of its title."""
        key = normalise_title(query[:MAX_QUERY_CHARS])
        terms = _index_terms(key)
        if not key or not terms:
            return []
        first = min(terms, key=lambda term: len(self._index.get(term, ())))
        positions = {
            self._key_movie[key_id]
            for key_id in self._index.get(first, ())
            if not self._key_is_head[key_id]
            and (self._keys[key_id] == key or self._keys[key_id].startswith(key + " "))
        }
        ranked = sorted(positions, key=lambda position: (-self._popularity[position], position))
        return [TitleMatch(self._movie_ids[p], self._display[p], EXACT_SCORE) for p in ranked[:limit]]

    def _scores(self, key: str, score_cutoff: float) -> list[tuple[int, float]]:
        """(key id, score) for every stored key that could match ``key``."""
        candidate_ids: set[int] = set()
        for term in _index_terms(key):
            candidate_ids.update(self._index.get(term, ()))
        if not candidate_ids:
            # Only stop words or nothing indexable: compare with everything (rare and short).
            candidate_ids = set(range(len(self._keys)))
        ordered = sorted(candidate_ids)
        found = process.extract(
            key,
            [self._keys[key_id] for key_id in ordered],
            scorer=fuzz.WRatio,
            processor=None,
            limit=None,
            score_cutoff=score_cutoff,
        )
        scores: list[tuple[int, float]] = []
        for stored, score, offset in found:
            key_id = ordered[offset]
            if stored == key:
                score = HEAD_SCORE if self._key_is_head[key_id] else EXACT_SCORE
            else:
                # Only a literal match may claim 100; near-misses stay just below it.
                score = min(float(score), EXACT_SCORE - 1)
            scores.append((key_id, score))
        return scores


def _split_year(text: str) -> tuple[str, int | None]:
    """"fargo (1996)" -> ("fargo", 1996); a bare "2001" stays a title."""
    found = _QUERY_YEAR.match(text)
    if not found or not normalise_title(found.group(1)):
        return text, None
    return found.group(1), int(found.group(2))
