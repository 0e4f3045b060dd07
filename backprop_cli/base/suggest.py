"""'Did you mean ...?': the nearest known name by edit distance, counting a swap of two letters as one edit."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Iterable, Optional


def distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    prev2: list = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(b)]


def nearest(name: str, known: Iterable[str]) -> Optional[str]:
    """The closest known name, if it is close enough to be a plausible typo."""
    if len(name) > 64:
        return None
    best = None
    best_key = None
    low = name.lower()
    undoubled = {low[:k] + low[k + 1:] for k in range(1, len(low)) if low[k] == low[k - 1]}
    for candidate in known:
        most = max(1, min(len(name), len(candidate)) // 2)
        if abs(len(candidate) - len(name)) > most:
            continue  # the distance is at least the difference in length: skip the O(n*m) work
        d = distance(name.lower(), candidate.lower())
        if d > most:
            continue
        # Ties go to the name that shares the longest start with what was typed (sinn: sin, not sign).
        shared = 0
        for a, b in zip(name.lower(), candidate.lower()):
            if a != b:
                break
            shared += 1
        # and before that to the name typed with a doubled letter undone (sinn: sin, not sinh).
        key = (d, candidate.lower() not in undoubled, -shared, abs(len(candidate) - len(name)), candidate)
        if best_key is None or key < best_key:
            best, best_key = candidate, key
    return best

