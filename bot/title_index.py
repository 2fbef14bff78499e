"""The searchable side of the title matcher: every normal form ("key") of every catalogue title, and
how similar a typed key is to each of them.

``bot.matching`` turns titles and queries into keys; this module finds the keys a query may mean.

Speed (MovieLens 25M has 62,000 titles): a query is compared only with keys sharing a word start with
it (an inverted index of the first three, then two, letters of every word). Where such a word start is
common, that still leaves thousands of keys, and most cannot reach the few best matches, which are
all a caller is shown. So every candidate first gets a cheap upper bound on its score, computed for all
of them at once from the letters it shares with the query, and only the keys whose bound can still
reach the ``limit``-th best movie found so far are scored with rapidfuzz. The result is the same as
scoring every candidate, at the cost of the few hundred keys that matter.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

# A query equal to a full title (or an alternate title) scores this; nothing else does.
EXACT_SCORE = 100.0
# A match scoring this much (and leading the next one clearly) is taken without asking; one that is only
# a hint of the movie — another number, or a near miss of a very short query — stays below it.
CONFIDENT_SCORE = 88.0
# A query equal to the numbered head of a title ("star trek 4" for "Star Trek IV: The Voyage Home"):
# almost certainly that film, but not typed in full, so the caller may still ask.
HEAD_SCORE = 97.0
# When the query names a year, titles of another year lose this much (the year is a strong hint,
# but people get years wrong by one).
WRONG_YEAR_PENALTY = 8.0
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
# A match that is only a hint of the movie scores at most this, just below CONFIDENT_SCORE, so it is
# offered but never taken. Hints: a title whose numbers differ from the query's ("toy story 2" is not
# Toy Story, "robocop 4" not Robocop 3, nor is "robocop"), and any inexact match of a query this short,
# a slip away from other words or inside many titles ("rocky" / The Rock, "more" / Dr. Moreau).
_HINT_CEILING = CONFIDENT_SCORE - 1
_LONGEST_HINT_ONLY_QUERY = 5
# Word-start lengths of the two candidate indexes, and the score that makes the wider one unnecessary.
_PREFIX_LENGTHS = (3, 2)
_GOOD_ENOUGH = CONFIDENT_SCORE
# Most keys considered for one query: bounds the cost on big catalogues.
_MAX_CANDIDATES = 4000
# Words too common to narrow the search; they are not indexed.
_STOP_WORDS = frozenset({"the", "a", "an", "and", "of", "in", "to", "on"})
# Letter counts per key: one bin per letter, digit and the space, and a few shared by all other
# characters (sharing a bin only loosens the bound, never breaks it).
_BINNED_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789 "
_OTHER_BINS = 3
_CHAR_BINS = len(_BINNED_CHARS) + _OTHER_BINS
_ASCII_BIN = np.full(128, len(_BINNED_CHARS), dtype=np.int64)  # bin of each ASCII code
_ASCII_BIN[[ord(char) for char in _BINNED_CHARS]] = np.arange(len(_BINNED_CHARS))
# Bounds are exact fractions, scores float32: a bound this close below a score still counts as reaching it.
_SLACK = 1e-3
# Keys scored in the first step of a search; each further step scores twice as many at most.
_FIRST_BATCH = 64
# Up to this many candidates, scoring them all costs less than bounding them first.
_SCORE_ALL_UP_TO = 256


def _char_counts(keys: list[str]) -> np.ndarray:
    """(len(keys), _CHAR_BINS) matrix: how often each key contains each character (bin)."""
    # One code per character, as len() counts them; "surrogatepass" keeps a stray surrogate a character.
    codes = np.frombuffer("".join(keys).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bins = np.where(codes < 128, _ASCII_BIN[np.minimum(codes, 127)], len(_BINNED_CHARS) + codes % _OTHER_BINS)
    rows = np.repeat(np.arange(len(keys)), [len(key) for key in keys])
    return np.bincount(rows * _CHAR_BINS + bins, minlength=len(keys) * _CHAR_BINS).reshape(len(keys), _CHAR_BINS)


def _index_terms(key: str, length: int) -> set[str]:
    return {token[:length] for token in key.split() if token not in _STOP_WORDS}


def _allowed_typos(key: str) -> int:
    """Edits (with transpositions) forgiven in a query of this length, as search engines do."""
    if len(key) < _SHORTEST_TYPO_QUERY:
        return 0
    return 1 if len(key) < _LONGEST_ONE_TYPO_QUERY else 2


def _partial_allowed(key: str) -> bool:
    return sum(len(word) for word in key.split() if word not in _STOP_WORDS) >= _MIN_PARTIAL_CHARS


def key_numbers(key: str) -> str:
    """The numbers of a key, in order of value ("godfather 2" -> "2", "8 1 2" -> "1 2 8"): keys with
    different numbers name different films, however alike the words."""
    return " ".join(sorted(re.findall(r"\d+", key), key=int))


def _sorted_words(key: str) -> str:
    """The form rapidfuzz's token_sort_ratio compares, computed once per stored key instead of per call."""
    return " ".join(sorted(key.split()))


class TitleIndex:
    """All keys of a catalogue, as parallel arrays indexed by key id; built once, then read-only.

    ``keys[i]`` is a normal form of movie ``key_movie[i]`` (a row position of the catalogue);
    ``key_is_head[i]`` marks the numbered head of a title rather than a full title; ``movie_years``
    holds each movie's year (NaN when unknown).

    Score of a stored key for a query key, best of: the whole-string similarity; the word-order-free
    similarity (x0.95); the best-aligned part of the key when the query is shorter (x0.9: "shawshank");
    and, for a query within a few typing slips (insertions, deletions, swaps) of the key with the same
    numbers, 96 - 3 per slip ("forest gump"). A key that is only part of a longer query gets no partial
    credit: extra typed words count against it. A key with other numbers than the query's, and any
    inexact key for a very short query, is only a hint (87 at most, below ``CONFIDENT_SCORE``). Only a
    literal match scores 100 (97 for a head).
    """

    def __init__(self, keys: list[str], key_movie: list[int], key_is_head: list[bool],
                 movie_years: np.ndarray) -> None:
        self.key_movie = np.array(key_movie, dtype=np.int64)
        self.key_is_head = np.array(key_is_head, dtype=bool)
        self.full_key_ids: dict[str, list[int]] = defaultdict(list)  # full key -> its key ids
        prefixes: dict[int, dict[str, list[int]]] = {length: defaultdict(list) for length in _PREFIX_LENGTHS}
        for key_id, (key, is_head) in enumerate(zip(keys, key_is_head, strict=True)):
            if not is_head:
                self.full_key_ids[key].append(key_id)
            for length, terms in prefixes.items():
                for term in _index_terms(key, length):
                    terms[term].append(key_id)
        self._prefixes = {
            length: {term: np.array(ids, dtype=np.int64) for term, ids in terms.items()}
            for length, terms in prefixes.items()
        }
        self._keys = np.array(keys, dtype=object)
        self._unordered = np.array([_sorted_words(key) for key in keys], dtype=object)
        self._lengths = np.array([len(key) for key in keys], dtype=np.int64)
        self._numbers = np.array([key_numbers(key) for key in keys], dtype=object)
        counts = _char_counts(keys)
        self._char_counts = counts.astype(np.min_scalar_type(counts.max(initial=0)))
        self._key_years = np.asarray(movie_years, dtype=np.float64)[self.key_movie]

    def search(self, key: str, year: int | None, limit: int, score_cutoff: float) -> tuple[np.ndarray, np.ndarray]:
        """(key ids, scores) that decide the best ``limit`` movies for ``key``: every key that could
        rank among them with a score of at least ``score_cutoff``, the year penalty applied.

        Keys sharing a three-letter word start with the query are candidates; only when none of them
        is a good match are keys sharing a two-letter start added, which finds slips in the third letter.
        """
        search = _Search(self, key, year, self._candidates(key, _PREFIX_LENGTHS[0]))
        allowed = _allowed_typos(key)
        if allowed and not search.reaches(_GOOD_ENOUGH):
            # The slip may be in the third letter; only keys of about the query's length can be
            # within the forgiven slips, which keeps this second look small.
            wider = self._candidates(key, _PREFIX_LENGTHS[1])
            search.add(wider[np.abs(self._lengths[wider] - len(key)) <= allowed])
        return search.top(limit, score_cutoff)

    def _candidates(self, key: str, length: int) -> np.ndarray:
        """Keys sharing a word start with ``key``, ascending; the commonest word starts ("man", "lov")
        are dropped while the rarer ones still give more than ``_MAX_CANDIDATES`` keys."""
        index = self._prefixes[length]
        buckets = sorted((index[term] for term in _index_terms(key, length) if term in index), key=len)
        if not buckets:
            # Only stop words ("the", "of"): fuzzy matching would find every title containing them,
            # so only a title spelled exactly like that counts.
            return np.array(self.full_key_ids.get(key, []), dtype=np.int64)
        chosen = np.zeros(len(self._keys), dtype=bool)
        chosen[buckets[0]] = True
        total = len(buckets[0])
        for bucket in buckets[1:]:
            total += len(bucket)
            if total > _MAX_CANDIDATES:
                break
            chosen[bucket] = True
        return np.flatnonzero(chosen)

    def scores(self, key: str, key_ids: np.ndarray) -> np.ndarray:
        """Exact scores of the stored keys ``key_ids`` for the query ``key`` (see the class docstring)."""
        if key_ids.size == 0:
            return np.zeros(0)
        choices = self._keys[key_ids].tolist()
        whole = process.cdist([key], choices, scorer=fuzz.ratio)[0]
        # token_sort_ratio is the ratio of the word-sorted forms; the stored ones are sorted already.
        unordered = process.cdist([_sorted_words(key)], self._unordered[key_ids].tolist(), scorer=fuzz.ratio)[0]
        scores = np.maximum(whole, unordered * _UNORDERED_WEIGHT)
        if _partial_allowed(key):
            longer = np.flatnonzero(self._lengths[key_ids] >= len(key))
            partial = process.cdist([key], [choices[i] for i in longer], scorer=fuzz.partial_ratio)[0]
            scores[longer] = np.maximum(scores[longer], partial * _PARTIAL_WEIGHT)
        scores = scores.astype(np.float64)
        same_numbers = self._numbers[key_ids] == key_numbers(key)
        allowed = _allowed_typos(key)
        if allowed:
            slips = process.cdist([key], choices, scorer=OSA.distance, dtype=np.int32)[0]
            typo = (slips <= allowed) & same_numbers
            scores = np.where(typo, np.maximum(scores, _TYPO_BASE - _TYPO_STEP * slips), scores)
        hint = ~same_numbers | (len(key) <= _LONGEST_HINT_ONLY_QUERY)
        scores = np.where(hint, np.minimum(scores, _HINT_CEILING), scores)
        # Only a literal match may claim 100; near-misses stay just below it.
        scores = np.minimum(scores, EXACT_SCORE - 1)
        literal = self._keys[key_ids] == key
        scores[literal] = np.where(self.key_is_head[key_ids[literal]], HEAD_SCORE, EXACT_SCORE)
        return scores

    def upper_bounds(self, key: str, key_ids: np.ndarray) -> np.ndarray:
        """At least the score of each stored key, from lengths and shared characters only (vectorised).

        With ``shared`` characters in common (as multisets), no alignment of the query with the key or
        with any part of it keeps more than ``shared`` of them, and turning one into the other takes at
        least ``max(lengths) - shared`` edits: that bounds each similarity of ``scores``.
        """
        query_counts = _char_counts([key])[0]
        used = np.flatnonzero(query_counts)  # characters the query lacks cannot be shared
        shared = np.minimum(self._char_counts[key_ids][:, used], query_counts[used]).sum(axis=1)
        length, lengths = len(key), self._lengths[key_ids]
        bounds = 200.0 * shared / (length + lengths)
        if _partial_allowed(key):
            partial = _PARTIAL_WEIGHT * 200.0 * shared / (length + shared)
            bounds = np.where(lengths >= length, np.maximum(bounds, partial), bounds)
        allowed = _allowed_typos(key)
        if allowed:
            slips = np.maximum(lengths, length) - shared
            bounds = np.where(slips <= allowed, np.maximum(bounds, _TYPO_BASE - _TYPO_STEP * slips), bounds)
        return bounds

    def year_penalties(self, key_ids: np.ndarray, year: int | None) -> np.ndarray:
        """What each key loses when the query names ``year`` and its movie is of another (or none)."""
        if year is None:
            return np.zeros(key_ids.size)
        return WRONG_YEAR_PENALTY * (self._key_years[key_ids] != year)


class _Search:
    """The candidates of one query with their upper bounds; exact scores are computed only on demand,
    for the keys whose bound reaches what is asked (NaN: not scored yet). A few candidates are scored
    at once, their exact scores serving as bounds."""

    def __init__(self, index: TitleIndex, key: str, year: int | None, key_ids: np.ndarray) -> None:
        self._index, self._key, self._year = index, key, year
        self._ids = key_ids
        self._bounds, self._scores = self._bounds_and_scores(key_ids)  # scores without the year penalty

    def add(self, key_ids: np.ndarray) -> None:
        new = np.setdiff1d(key_ids, self._ids, assume_unique=True)
        bounds, scores = self._bounds_and_scores(new)
        self._ids = np.concatenate([self._ids, new])
        self._bounds = np.concatenate([self._bounds, bounds])
        self._scores = np.concatenate([self._scores, scores])

    def _bounds_and_scores(self, key_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if key_ids.size <= _SCORE_ALL_UP_TO:
            scores = self._index.scores(self._key, key_ids)
            return scores.copy(), scores
        return self._index.upper_bounds(self._key, key_ids), np.full(key_ids.size, np.nan)

    def reaches(self, score: float) -> bool:
        """Whether some candidate scores at least ``score`` (year aside)."""
        self._score(np.flatnonzero(self._bounds >= score - _SLACK))
        return bool((self._scores >= score).any())

    def top(self, limit: int, score_cutoff: float) -> tuple[np.ndarray, np.ndarray]:
        """(key ids, penalised scores) of the candidates that decide the best ``limit`` movies.

        Unscored keys are scored in order of their bound, in growing batches, until no bound left
        reaches the threshold: the ``limit``-th best movie score so far, or the cutoff. A movie below
        the threshold is beaten by ``limit`` others, so only keys reaching it are returned.
        """
        penalties = self._index.year_penalties(self._ids, self._year)
        bounds = self._bounds - penalties
        pending = np.flatnonzero(np.isnan(self._scores) & (bounds >= score_cutoff - _SLACK))
        pending = pending[np.argsort(-bounds[pending])]
        threshold, start, size = score_cutoff, 0, _FIRST_BATCH
        while start < pending.size:
            threshold = max(threshold, self._limit_th_best(self._scores - penalties, limit))
            batch = pending[start:start + size]
            batch = batch[bounds[batch] >= threshold - _SLACK]
            if batch.size == 0:  # the batch's best bound falls short, and so do all later ones
                break
            self._score(batch)
            start, size = start + size, size * 2
        final = self._scores - penalties
        kept = final >= threshold  # False where not scored (NaN)
        return self._ids[kept], final[kept]

    def _score(self, positions: np.ndarray) -> None:
        todo = positions[np.isnan(self._scores[positions])]
        self._scores[todo] = self._index.scores(self._key, self._ids[todo])

    def _limit_th_best(self, scores: np.ndarray, limit: int) -> float:
        """The ``limit``-th best movie score among the scored keys (each movie by its best key)."""
        scored = np.flatnonzero(~np.isnan(scores))
        best_first = scored[np.argsort(-scores[scored], kind="stable")]
        _, first = np.unique(self._index.key_movie[self._ids[best_first]], return_index=True)
        if first.size < limit:
            return -np.inf
        movie_best = scores[best_first[first]]
        return float(np.partition(movie_best, first.size - limit)[first.size - limit])
