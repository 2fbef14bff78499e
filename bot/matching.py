"""Fuzzy movie-title lookup for the bot: turn what a person typed into catalogue movies.

People type titles the way they remember them: "the godfather 2", "godfather part two", "se7en",
"forest gump", "faceoff", "fargo 1996". MovieLens stores them differently ("Godfather: Part II, The
(1974)", "Seven (Se7en) (1995)"). Both sides are therefore reduced to the same normal form, which is
computed once per title when the matcher is built, and only then compared with rapidfuzz.

The keys are searched and scored by ``bot.title_index``, which keeps the cost down on big catalogues.
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot.title_index import CONFIDENT_SCORE, EXACT_SCORE, TitleIndex, key_numbers
from movierec.data import schema

__all__ = ["CONFIDENT_SCORE", "DEFAULT_SCORE_CUTOFF", "EXACT_SCORE", "MAX_QUERY_CHARS", "TitleMatch",
           "TitleMatcher", "normalise_title", "title_keys"]

logger = logging.getLogger(__name__)

# Below this a title is not worth showing even as a suggestion.
DEFAULT_SCORE_CUTOFF = 60.0
# Queries are typed by people; anything longer is not a title and would only cost time.
MAX_QUERY_CHARS = 200

_ARTICLES = frozenset({"the", "a", "an"})
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
            # "(V)" (video release) or "(1995)" are notes, not alternate titles.
            full |= {form for form in _spellings(alias) if len(form) >= 3 and not form.isdigit()}
        main = _PARENTHESES.sub(" ", written).strip()
        full |= _spellings(main) | _spellings(written)  # typed with or without the alternate title
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


class TitleMatcher:
    """Finds catalogue movies for a typed title; built once from the movies frame, then read-only.

    Needs only the columns movie_id, title, display_title, name, year and rating_count (genres, if
    present, tell sequels from namesakes). Every movie
    answers to the keys of ``title_keys``, scored as ``TitleIndex`` describes; a movie scores as its
    best key. Exact ties (remakes, same-name films) are listed most-rated first, since that is the one
    most people mean.
    """

    def __init__(self, movies: pd.DataFrame) -> None:
        keys: list[str] = []
        key_movie: list[int] = []
        key_is_head: list[bool] = []
        self._movie_keys: list[list[int]] = []  # key ids of each movie
        self._movie_numbers: list[frozenset[int]] = []  # numbers in each movie's titles
        for position, row in enumerate(movies[[schema.TITLE, schema.NAME]].itertuples(index=False)):
            full, heads = title_keys(str(row[0]), str(row[1]))
            self._movie_numbers.append(frozenset(int(n) for key in full for n in key_numbers(key).split()))
            self._movie_keys.append([])
            for key, is_head in [(k, False) for k in sorted(full)] + [(k, True) for k in sorted(heads)]:
                self._movie_keys[position].append(len(keys))
                keys.append(key)
                key_movie.append(position)
                key_is_head.append(is_head)
        self._movie_ids = movies[schema.MOVIE_ID].astype(int).tolist()
        self._positions = {movie_id: position for position, movie_id in enumerate(self._movie_ids)}
        self._display = movies[schema.DISPLAY_TITLE].astype(str).tolist()
        self._popularity = movies[schema.RATING_COUNT].astype(int).tolist()
        years = pd.to_numeric(movies[schema.YEAR], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        self._years = [None if np.isnan(year) else int(year) for year in years]
        self._catalog_years = frozenset(year for year in self._years if year is not None)
        # Genres are optional: a catalogue without them cannot tell a sequel from a namesake.
        genre_lists = movies[schema.GENRE_NAMES] if schema.GENRE_NAMES in movies else [()] * len(movies)
        self._genres = [frozenset(genres) for genres in genre_lists]
        self._index = TitleIndex(keys, key_movie, key_is_head, years)
        # Sorted full keys, so "is this the start of a title?" is a binary search.
        self._sorted_full_keys = sorted(self._index.full_key_ids)
        logger.info("title matcher built: %d movies, %d keys", len(self._movie_ids), len(keys))

    def __len__(self) -> int:
        return len(self._movie_ids)

    def match(self, query: str, limit: int = 5, score_cutoff: float = DEFAULT_SCORE_CUTOFF) -> list[TitleMatch]:
        """Best movies for ``query``, best first; [] for empty or unusable queries."""
        if not isinstance(query, str) or limit <= 0:
            return []
        key, year = self._key_and_year(query)
        if not key:
            return []
        key_ids, scores = self._index.search(key, year, limit, score_cutoff)
        best: dict[int, float] = {}
        for position, score in zip(self._index.key_movie[key_ids].tolist(), scores.tolist(), strict=True):
            if score > best.get(position, -1.0):
                best[position] = score
        ranked = sorted(best.items(), key=lambda item: (-item[1], -self._popularity[item[0]], item[0]))
        return [
            TitleMatch(self._movie_ids[position], self._display[position], round(score, 2))
            for position, score in ranked[:limit]
        ]

    def is_exact(self, query: str) -> bool:
        """Whether ``query`` (year aside) is a full title or alternate title of some movie."""
        return self._key_and_year(query)[0] in self._index.full_key_ids

    def is_title_start(self, query: str) -> bool:
        """Whether ``query`` is the first words of a longer title ("Sex, Lies" of "Sex, Lies, and Videotape")."""
        key = normalise_title(query[:MAX_QUERY_CHARS])
        if not key:
            return False
        start = bisect.bisect_left(self._sorted_full_keys, key + " ")
        return start < len(self._sorted_full_keys) and self._sorted_full_keys[start].startswith(key + " ")

    def series(self, query: str, limit: int = 10) -> list[TitleMatch]:
        """Movies whose title starts with the words of ``query`` ("batman" -> Batman, Batman Returns…),
        most rated first: the films a trailing number could be a sequel number of."""
        key = normalise_title(query[:MAX_QUERY_CHARS])
        if not key:
            return []
        full_key_ids = self._index.full_key_ids
        positions = {int(self._index.key_movie[key_id]) for key_id in full_key_ids.get(key, [])}
        start = bisect.bisect_left(self._sorted_full_keys, key + " ")
        for stored in self._sorted_full_keys[start:]:
            if not stored.startswith(key + " "):
                break
            positions.update(int(self._index.key_movie[key_id]) for key_id in full_key_ids[stored])
        ranked = sorted(positions, key=lambda position: (-self._popularity[position], position))
        return [self._proposal(key, position) for position in ranked[:limit]]

    def title_numbers(self, movie_id: int) -> frozenset[int]:
        """The numbers in a movie's title or alternate titles ("Star Trek IV: The Voyage Home" -> {4});
        empty for a movie this matcher does not know."""
        position = self._positions.get(movie_id)
        return self._movie_numbers[position] if position is not None else frozenset()

    def titles_within(self, query: str) -> list[TitleMatch]:
        """Movies whose whole title starts ``query``, longest first: "Star Wars" in "Star Wars: Episode
        IV - A New Hope", "Fargo" in "Fargo 5 Heat" — the film under a longer name than the catalogue's."""
        query_key = normalise_title(query[:MAX_QUERY_CHARS])
        words = query_key.split()
        found: list[TitleMatch] = []
        for length in range(len(words) - 1, 0, -1):
            key_ids = self._index.full_key_ids.get(" ".join(words[:length]), [])
            positions = sorted({int(self._index.key_movie[key_id]) for key_id in key_ids},
                               key=lambda position: (-self._popularity[position], position))
            found += [self._proposal(query_key, position) for position in positions]
        return found

    def unnumbered_series(self, query: str) -> list[TitleMatch]:
        """For a query ending in a number ("star trek 2"): the films of the series before it whose titles
        have no number, most rated first — the n-th film may be one of them ("Star Trek: The Wrath of
        Khan"). Empty when the query ends in no number or names no series."""
        *words, last = normalise_title(query[:MAX_QUERY_CHARS]).split() or [""]
        if not words or not last.isdigit():
            return []
        return [found for found in self.series(" ".join(words)) if not self.title_numbers(found.movie_id)]

    def could_be_sequels(self, movie_id: int, films: list[TitleMatch]) -> list[TitleMatch]:
        """Those of ``films`` that could be ``movie_id`` or its sequels: from its year on and sharing a
        genre with it (Batman Returns of Batman, not The Ghost and Mrs. Muir of Ghost). Without a year
        or genres to tell, every film could be."""
        position = self._positions.get(movie_id)
        if position is None or self._years[position] is None:
            return films
        year, genres = self._years[position], self._genres[position]

        def could_be(film: TitleMatch) -> bool:
            other = self._positions.get(film.movie_id)
            if other is None:
                return True
            later = self._years[other] is None or self._years[other] >= year
            return later and (not genres or not self._genres[other] or bool(genres & self._genres[other]))

        return [film for film in films if could_be(film)]

    def _key_and_year(self, query: str) -> tuple[str, int | None]:
        """The normal form of ``query`` and the year it names, if any. A trailing number that could be a
        year stays part of the title when the whole text is a title ("Blues Brothers 2000"), or when no
        catalogue movie is of that year: it is then a number of the title, which must not be dropped."""
        text, year = _split_year(query[:MAX_QUERY_CHARS])
        whole = normalise_title(query[:MAX_QUERY_CHARS])
        if year is not None and (whole in self._index.full_key_ids or year not in self._catalog_years):
            return whole, None
        return normalise_title(text), year

    def _proposal(self, key: str, position: int) -> TitleMatch:
        return TitleMatch(self._movie_ids[position], self._display[position], self._best_score(key, position))

    def _best_score(self, key: str, position: int) -> float:
        key_ids = np.array([k for k in self._movie_keys[position] if not self._index.key_is_head[k]], dtype=np.int64)
        return round(float(self._index.scores(key, key_ids).max(initial=0.0)), 2)


def _split_year(text: str) -> tuple[str, int | None]:
    """"fargo (1996)" -> ("fargo", 1996); a bare "2001" stays a title."""
    found = _QUERY_YEAR.match(text)
    if not found or not normalise_title(found.group(1)):
        return text, None
    return found.group(1), int(found.group(2))
