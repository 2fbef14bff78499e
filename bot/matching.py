"""Fuzzy movie-title lookup for the bot: turn what a person typed into catalogue movies.

People type titles the way they remember them: "the godfather 2", "godfather part two", "se7en",
"forest gump", "faceoff", "fargo 1996". MovieLens stores them differently ("Godfather: Part II, The
(1974)", "Seven (Se7en) (1995)"). Both sides are therefore reduced to the same normal form, which is
computed once per title when the matcher is built, and only then compared with rapidfuzz.

Speed: queries are compared only with titles that share a word start with them (an inverted index of
the first three, then two, letters of every word), with rapidfuzz's vectorised ``cdist``, so the cost
grows with the number of *similar* titles rather than with the catalogue.
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

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
# Weights of the looser similarities, as in rapidfuzz's WRatio: a looser match must not beat a close one.
_UNORDERED_WEIGHT = 0.95
_PARTIAL_WEIGHT = 0.9
# A query with fewer letters than this outside stop words ("x", "& <i", "XX") is found inside far too
# many titles to mean any one of them: it may match a whole title, never a part of one.
_MIN_PARTIAL_CHARS = 3
# Typing slips forgiven: none below 4 characters, one up to 7, two beyond; each slip costs 3 points.
_SHORTEST_TYPO_QUERY = 4
_LONGEST_ONE_TYPO_QUERY = 8
_TYPO_BASE = 96.0
_TYPO_STEP = 3.0
# Word-start lengths of the two candidate indexes, and the score that makes the wider one unnecessary.
_PREFIX_LENGTHS = (3, 2)
_GOOD_ENOUGH = 88.0
# Most keys scored for one query: bounds the cost on big catalogues (MovieLens 25M: 62,000 titles).
_MAX_CANDIDATES = 4000
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


def _index_terms(key: str, length: int) -> set[str]:
    return {token[:length] for token in key.split() if token not in _STOP_WORDS}


def _allowed_typos(key: str) -> int:
    """Edits (with transpositions) forgiven in a query of this length, as search engines do."""
    if len(key) < _SHORTEST_TYPO_QUERY:
        return 0
    return 1 if len(key) < _LONGEST_ONE_TYPO_QUERY else 2


def _digits(key: str) -> str:
    return "".join(ch for ch in key if ch.isdigit())


class TitleMatcher:
    """Finds catalogue movies for a typed title; built once from the movies frame, then read-only.

    Needs only the columns movie_id, title, display_title, name, year and rating_count. Exact ties
    (remakes, same-name films) are listed most-rated first, since that is the one most people mean.

    Score of a stored title for a query (both normalised), best of:
    the whole-string similarity; the word-order-free similarity (x0.95); the best-aligned part of the
    title when the query is shorter (x0.9: "shawshank"); and, for a query within a few typing slips
    (insertions, deletions, swaps) of the title with the same digits, 96 - 3 per slip ("forest gump").
    A title that is only part of a longer query gets no partial credit: extra typed words count against it.
    """

    def __init__(self, movies: pd.DataFrame) -> None:
        keys: list[str] = []
        key_movie: list[int] = []
        key_is_head: list[bool] = []
        self._movie_keys: list[list[int]] = []  # key ids of each movie
        self._movie_ids: list[int] = []
        self._display: list[str] = []
        self._years: list[int | None] = []
        self._popularity: list[int] = []
        index: dict[int, dict[str, list[int]]] = {length: defaultdict(list) for length in _PREFIX_LENGTHS}
        self._exact_key_ids: dict[str, list[int]] = defaultdict(list)  # full key -> its key ids
        for row in movies.itertuples(index=False):
            record = row._asdict()
            position = len(self._movie_ids)
            self._movie_ids.append(int(record[schema.MOVIE_ID]))
            self._display.append(str(record[schema.DISPLAY_TITLE]))
            year = record[schema.YEAR]
            self._years.append(None if pd.isna(year) else int(year))
            self._popularity.append(int(record[schema.RATING_COUNT]))
            full, heads = title_keys(str(record[schema.TITLE]), str(record[schema.NAME]))
            self._movie_keys.append([])
            for key, is_head in [(k, False) for k in sorted(full)] + [(k, True) for k in sorted(heads)]:
                key_id = len(keys)
                keys.append(key)
                key_movie.append(position)
                key_is_head.append(is_head)
                self._movie_keys[position].append(key_id)
                if not is_head:
                    self._exact_key_ids[key].append(key_id)
                for length, terms in index.items():
                    for term in _index_terms(key, length):
                        terms[term].append(key_id)
        self._keys = np.array(keys, dtype=object)
        self._key_lengths = np.array([len(key) for key in keys], dtype=np.int64)
        self._key_digits = np.array([_digits(key) for key in keys], dtype=object)
        self._key_movie = np.array(key_movie, dtype=np.int64)
        self._key_is_head = np.array(key_is_head, dtype=bool)
        self._index = {
            length: {term: np.array(ids, dtype=np.int64) for term, ids in terms.items()}
            for length, terms in index.items()
        }
        # Sorted full keys, so "is this the start of a title?" is a binary search.
        self._sorted_full_keys = sorted(self._exact_key_ids)
        logger.info("title matcher built: %d movies, %d keys", len(self._movie_ids), len(keys))

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
        key_ids, scores = self._scores(key, score_cutoff)
        if year is not None:
            wrong_year = np.array([self._years[p] != year for p in self._key_movie[key_ids]], dtype=bool)
            scores = scores - WRONG_YEAR_PENALTY * wrong_year
        best: dict[int, float] = {}
        for position, score in zip(self._key_movie[key_ids].tolist(), scores.tolist()):
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
        return normalise_title(text) in self._exact_key_ids

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
        positions = {
            int(self._key_movie[key_id])
            for key_id in self._exact_key_ids.get(key, [])
        }
        start = bisect.bisect_left(self._sorted_full_keys, key + " ")
        for stored in self._sorted_full_keys[start:]:
            if not stored.startswith(key + " "):
                break
            positions.update(int(self._key_movie[key_id]) for key_id in self._exact_key_ids[stored])
        ranked = sorted(positions, key=lambda position: (-self._popularity[position], position))
        return [TitleMatch(self._movie_ids[p], self._display[p], self._best_score(key, p)) for p in ranked[:limit]]

    def _best_score(self, key: str, position: int) -> float:
        key_ids = np.array([k for k in self._movie_keys[position] if not self._key_is_head[k]], dtype=np.int64)
        _, scores = self._score_keys(key, key_ids)
        return round(float(scores.max(initial=0.0)), 2)

    def _scores(self, key: str, score_cutoff: float) -> tuple[np.ndarray, np.ndarray]:
        """(key ids, scores) of the stored keys that could match ``key``.

        Titles sharing a three-letter word start are compared first; only when none of them is a good
        match are titles sharing a two-letter start tried too, which finds slips in the third letter.
        """
        key_ids, scores = self._score_keys(key, self._candidates(key, _PREFIX_LENGTHS[0]))
        if (scores.size == 0 or scores.max() < _GOOD_ENOUGH) and _allowed_typos(key):
            # The slip may be in the third letter; only titles of about the query's length can be
            # within the forgiven slips, which keeps this second look small.
            wider = self._candidates(key, _PREFIX_LENGTHS[1])
            wider = wider[np.abs(self._key_lengths[wider] - len(key)) <= _allowed_typos(key)]
            more_ids, more_scores = self._score_keys(key, np.setdiff1d(wider, key_ids, assume_unique=True))
            key_ids, scores = np.concatenate([key_ids, more_ids]), np.concatenate([scores, more_scores])
        keep = scores >= score_cutoff
        return key_ids[keep], scores[keep]

    def _candidates(self, key: str, length: int) -> np.ndarray:
        """Keys sharing a word start with ``key``; the commonest word starts ("man", "lov") are
        dropped while the rarer ones still give more than ``_MAX_CANDIDATES`` keys."""
        index = self._index[length]
        buckets = sorted((index[term] for term in _index_terms(key, length) if term in index), key=len)
        if not buckets:
            # Only stop words ("the", "of"): fuzzy matching would find every title containing them,
            # so only a title spelled exactly like that counts.
            return np.array(self._exact_key_ids.get(key, []), dtype=np.int64)
        kept = [buckets[0]]
        total = len(buckets[0])
        for bucket in buckets[1:]:
            if total + len(bucket) > _MAX_CANDIDATES:
                break
            kept.append(bucket)
            total += len(bucket)
        return np.unique(np.concatenate(kept))

    def _score_keys(self, key: str, key_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if key_ids.size == 0:
            return key_ids, np.zeros(0)
        choices = self._keys[key_ids].tolist()
        whole = process.cdist([key], choices, scorer=fuzz.ratio)[0]
        unordered = process.cdist([key], choices, scorer=fuzz.token_sort_ratio)[0] * _UNORDERED_WEIGHT
        partial = process.cdist([key], choices, scorer=fuzz.partial_ratio)[0] * _PARTIAL_WEIGHT
        partial[self._key_lengths[key_ids] < len(key)] = 0.0
        if sum(len(word) for word in key.split() if word not in _STOP_WORDS) < _MIN_PARTIAL_CHARS:
            partial[:] = 0.0
        scores = np.maximum(whole, np.maximum(unordered, partial)).astype(np.float64)
        allowed = _allowed_typos(key)
        if allowed:
            slips = process.cdist([key], choices, scorer=OSA.distance, dtype=np.int32)[0]
            typo = (slips <= allowed) & (self._key_digits[key_ids] == _digits(key))
            scores = np.where(typo, np.maximum(scores, _TYPO_BASE - _TYPO_STEP * slips), scores)
        # Only a literal match may claim 100; near-misses stay just below it.
        scores = np.minimum(scores, EXACT_SCORE - 1)
        literal = self._keys[key_ids] == key
        scores[literal] = np.where(self._key_is_head[key_ids[literal]], HEAD_SCORE, EXACT_SCORE)
        return key_ids, scores


def _split_year(text: str) -> tuple[str, int | None]:
    """"fargo (1996)" -> ("fargo", 1996); a bare "2001" stays a title."""
    found = _QUERY_YEAR.match(text)
    if not found or not normalise_title(found.group(1)):
        return text, None
    return found.group(1), int(found.group(2))
