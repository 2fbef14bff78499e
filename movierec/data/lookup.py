"""Positions of ids in a sorted id array: the vectorised id -> row lookup of catalogs and vocabularies.

One ``searchsorted`` replaces a Python dict lookup per id, which matters on serving's hot path where a
200-rating history would otherwise cost 200 interpreted lookups per call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def sorted_lookup(known: np.ndarray, values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """1-based positions of ``values`` in the sorted array ``known``; 0 for values not in it."""
    values = np.asarray(values, dtype=known.dtype)
    if len(known) == 0:
        return np.zeros(len(values), np.int32)
    pos = np.minimum(np.searchsorted(known, values), len(known) - 1)  # np.clip costs ~10 µs in overhead
    return np.where(known[pos] == values, pos + 1, 0).astype(np.int32)


def indices_by_key(keys: np.ndarray, count: int) -> list[np.ndarray]:
    """For each key 0..count-1, the indices of its entries in ``keys`` (in their order there): the rows
    of each user or movie, for the alternating least-squares fits."""
    order = np.argsort(keys, kind="stable")
    return np.split(order, np.searchsorted(keys[order], np.arange(1, count)))


class IdIndex:
    """1-based positions of integer ids, like :func:`sorted_lookup`, by one array read per id.

    Serving looks ids up several times per request, and a ``searchsorted`` lookup is about seven NumPy
    calls; a table indexed by the id itself is one. ``aliases`` map extra ids (merged duplicates) to the
    position of the id they stand for. Ids far sparser than the table bound (e.g. ids in the billions)
    fall back to ``sorted_lookup``, so memory stays proportional to the number of ids.
    """

    MAX_TABLE_SIZE = 1 << 24  # 64 MiB of int32 at most; MovieLens ids stay below 300,000

    def __init__(self, known: np.ndarray, aliases: Mapping[int, int] | None = None) -> None:
        self.known = np.asarray(known, dtype=np.int64)
        if len(self.known) and (np.diff(self.known) <= 0).any():
            raise ValueError("IdIndex needs strictly increasing ids")
        aliases = aliases or {}
        alias_ids = np.fromiter(aliases.keys(), dtype=np.int64, count=len(aliases))
        alias_positions = sorted_lookup(self.known, np.fromiter(aliases.values(), dtype=np.int64, count=len(aliases)))
        all_ids = np.concatenate([self.known, alias_ids])
        self._table: np.ndarray | None = None
        if len(all_ids) and all_ids.min() >= 0 and all_ids.max() < self.MAX_TABLE_SIZE:
            # the last cell stays 0: out-of-range ids are sent there
            self._table = np.zeros(int(all_ids.max()) + 2, dtype=np.int32)
            self._table[alias_ids] = alias_positions
            self._table[self.known] = np.arange(1, len(self.known) + 1, dtype=np.int32)
        else:
            order = np.argsort(all_ids, kind="stable")
            self._sorted_ids = all_ids[order]
            self._sorted_positions = np.concatenate([np.arange(1, len(self.known) + 1, dtype=np.int32),
                                                     alias_positions])[order]

    def positions(self, values: Sequence[Any] | np.ndarray) -> np.ndarray:
        """1-based positions in ``known`` (aliases resolved); 0 for unknown ids."""
        values = np.asarray(values, dtype=np.int64)
        if self._table is None:
            found = sorted_lookup(self._sorted_ids, values)
            return np.where(found > 0, self._sorted_positions[found - 1], 0).astype(np.int32)
        # as unsigned, negative ids become huge, so one minimum sends every out-of-range id to the last, empty cell
        return self._table[np.minimum(values.view(np.uint64), len(self._table) - 1)]
